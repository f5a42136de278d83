package engine

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/outbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// providerWebhookArgs deliver one signed webhook message to a provider.
type providerWebhookArgs struct {
	ProviderID string          `json:"providerId"`
	MessageID  string          `json:"messageId"`
	Type       string          `json:"type"`
	Timestamp  time.Time       `json:"timestamp"`
	Data       json.RawMessage `json:"data"`
	// OrderingKey orders the messages to the provider about one thing
	// ("order:<id>", "export:<id>", "connection:<id>", "posting:<id>");
	// not stored in the args.
	OrderingKey string `json:"-"`
}

// noWebhookURL is the reason a webhook to a provider without a URL waits.
const noWebhookURL = "provider has no webhook URL yet"

func (providerWebhookArgs) Kind() string { return JobProviderWebhook }
func (a providerWebhookArgs) QueueKey() string {
	return "hook:" + a.ProviderID + ":" + a.OrderingKey
}
func (providerWebhookArgs) InsertOpts() queue.InsertOpts {
	return queue.InsertOpts{MaxAttempts: WebhookAttempts}
}

// WebhookAttempts is how many times a provider webhook is tried before it is
// dead-lettered: with the backoff, about a day.
const WebhookAttempts = 12

// WebhookOrderFailed tells a provider that an event it reported about an
// order cannot be written to Lever; the order's lastError says why.
const WebhookOrderFailed = flow.WebhookOrderFailed

// enqueueWebhook records a webhook to a provider in tx. The message id is
// fixed now, so every retry carries the same id and the provider can drop
// repeats. Webhooks about one order are delivered in order.
func (e *Engine) enqueueWebhook(ctx context.Context, tx *store.Tx, providerID string, o *domain.Order, typ string, extra map[string]any) error {
	data := map[string]any{}
	b, _ := json.Marshal(ViewOrder(o))
	_ = json.Unmarshal(b, &data)
	for k, v := range extra {
		data[k] = v
	}
	return e.EnqueueProviderMessage(ctx, tx, providerID, "order:"+o.ID, typ, data)
}

// EnqueueProviderMessage records a webhook message to a provider; messages
// with the same ordering key are delivered one after another.
func (e *Engine) EnqueueProviderMessage(ctx context.Context, tx *store.Tx, providerID, orderingKey, typ string, data any) error {
	id := domain.NewID("msg")
	_, err := queue.Insert(ctx, tx, providerWebhookArgs{ProviderID: providerID, MessageID: id, Type: typ, Timestamp: tx.Now(), Data: mustJSON(data), OrderingKey: orderingKey},
		&queue.InsertOpts{UniqueKey: id})
	return err
}

func (e *Engine) workProviderWebhook(ctx context.Context, job *queue.Job, args providerWebhookArgs) error {
	var p *domain.Provider
	var previous []string
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if p, err = tx.ProviderGet(ctx, args.ProviderID); err != nil {
			return err
		}
		// Secrets replaced by a rotation sign too until their grace ends.
		previous, err = tx.ProviderPreviousSecrets(ctx, p.ID)
		return err
	})
	if store.IsNotFound(err) {
		return queue.Cancel(err)
	}
	if err != nil {
		return err
	}
	if p.WebhookURL == "" {
		return queue.Snooze(time.Minute, noWebhookURL)
	}
	msg := outbound.Message{ID: args.MessageID, Type: args.Type, Timestamp: args.Timestamp, Data: args.Data}
	status, err := outbound.Deliver(ctx, e.cfg.HTTPClient, p.WebhookURL, append([]string{p.WebhookSecret}, previous...), msg)
	log := e.log.With(slog.String("provider_id", p.ID), slog.String("message_id", args.MessageID), slog.String("type", args.Type))
	if err == nil {
		e.cfg.Metrics.ProviderWebhook(args.Type, "delivered")
		log.Info("provider webhook delivered", slog.Int("status", status))
		return nil
	}
	e.cfg.Metrics.ProviderWebhook(args.Type, "failed")
	var de *outbound.DeliveryError
	if errors.As(err, &de) && de.Permanent() {
		return queue.Cancel(err)
	}
	return err
}
