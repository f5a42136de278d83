package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// JobTokenRefresh renews one OAuth connection's token pair. Stored: never
// rename it.
const JobTokenRefresh = "token_refresh"

// DefaultTokenRefreshInterval is how often every OAuth connection's refresh
// token is renewed. Lever's refresh tokens expire after 90 days unused, so
// a connection that makes no calls (no candidates moving) would otherwise
// die quietly; a day leaves room for long outages.
const DefaultTokenRefreshInterval = 24 * time.Hour

// Webhook types telling a provider about the connection its integration
// runs on.
const (
	// WebhookConnectionBroken: Lever refused the connection's credentials
	// (a refused token refresh, a revoked app); its work waits.
	WebhookConnectionBroken = flow.WebhookConnectionBroken
	// WebhookConnectionRestored: an operator reconnected it; the work that
	// waited resumes.
	WebhookConnectionRestored = flow.WebhookConnectionRestored
)

// connectionBrokenWait is the snooze reason of work held by a broken
// connection (every snooze of it contains these words); reconnecting wakes
// the jobs whose last error carries it.
const connectionBrokenWait = "connection broken"

// tokenRefreshArgs renew one OAuth connection's token pair.
type tokenRefreshArgs struct {
	ConnectionID string `json:"connectionId"`
}

func (tokenRefreshArgs) Kind() string                 { return JobTokenRefresh }
func (a tokenRefreshArgs) QueueKey() string           { return "tokens:" + a.ConnectionID }
func (tokenRefreshArgs) InsertOpts() queue.InsertOpts { return queue.InsertOpts{MaxAttempts: 5} }

// ConnectionMessage is the data of the connection.broken and
// connection.restored webhooks, one per enabled integration on the
// connection.
type ConnectionMessage struct {
	ConnectionID   string `json:"connectionId"`
	ConnectionName string `json:"connectionName"`
	IntegrationID  string `json:"integrationId"`
	// Status is broken or active.
	Status string `json:"status"`
	// Reason says why Lever refused the credentials (empty once restored).
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// RefreshToken enqueues a renewal of an OAuth connection's token pair now.
func (e *Engine) RefreshToken(ctx context.Context, connectionID string) error {
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, connectionID)
		if err != nil {
			return err
		}
		if c.AuthKind != "oauth" {
			return domain.Errorf(domain.EInvalid, "connection %s signs in with an API key: it has no OAuth token to refresh", c.ID)
		}
		_, err = queue.Insert(ctx, tx, tokenRefreshArgs{ConnectionID: c.ID}, nil)
		return err
	})
	if err == nil {
		e.q.Notify()
	}
	return err
}

// TokenRefreshScheduler returns the loop that renews the token pair of every
// active OAuth connection each TokenRefreshInterval, once per interval
// across the processes sharing the database (one job per connection and
// interval, by unique key).
func (e *Engine) TokenRefreshScheduler() *Schedule {
	oauth := func(c *domain.Connection) bool { return c.AuthKind == "oauth" }
	return &Schedule{e: e, name: "token-refresh-scheduler", what: "token refresh", every: orDefault(e.cfg.TokenRefreshInterval, DefaultTokenRefreshInterval),
		enqueue: perConnection("tokens", oauth, func(id string) queue.Args { return tokenRefreshArgs{ConnectionID: id} })}
}

// workTokenRefresh renews a connection's token pair through its cached
// client (whose token source then holds the new pair). A refusal marks the
// connection broken and tells its providers; other failures retry.
func (e *Engine) workTokenRefresh(ctx context.Context, job *queue.Job, args tokenRefreshArgs) error {
	var conn *domain.Connection
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) { conn, err = tx.ConnectionGet(ctx, args.ConnectionID); return })
	if store.IsNotFound(err) {
		return queue.Cancel(err)
	}
	if err != nil {
		return err
	}
	if conn.Status != domain.ConnActive || conn.AuthKind != "oauth" {
		return nil
	}
	d, err := e.Driver(conn)
	if err != nil {
		return err
	}
	tr, ok := d.(ats.TokenRefresher)
	if !ok {
		return nil // the driver's credentials need no renewing
	}
	if err := tr.RefreshToken(ctx); err != nil {
		if errors.Is(err, ats.ErrUnauthorized) {
			e.markBroken(ctx, conn.ID, err)
			return nil
		}
		return err
	}
	e.log.Info("OAuth token refreshed", slog.String("connection_id", conn.ID))
	return nil
}

// notifyConnection enqueues a connection.broken or connection.restored
// webhook, in tx, to the provider of every enabled integration on c.
// Messages about one connection are delivered in order.
func (e *Engine) notifyConnection(ctx context.Context, tx *store.Tx, c *domain.Connection, typ string) error {
	ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: c.ID, EnabledOnly: true})
	if err != nil {
		return err
	}
	for _, in := range ins {
		msg := ConnectionMessage{ConnectionID: c.ID, ConnectionName: c.Name, IntegrationID: in.ID, Status: c.Status, Reason: c.StatusReason, At: tx.Now()}
		if err := e.EnqueueProviderMessage(ctx, tx, in.ProviderID, "connection:"+c.ID, typ, msg); err != nil {
			return err
		}
	}
	return nil
}

// restored finishes, in tx, a broken connection's return to active: its
// providers are told, and the work it held runs now rather than at the end
// of its snooze.
func (e *Engine) restored(ctx context.Context, tx *store.Tx, c *domain.Connection) error {
	if err := e.notifyConnection(ctx, tx, c, WebhookConnectionRestored); err != nil {
		return err
	}
	_, err := tx.JobWake(ctx, connectionBrokenWait)
	return err
}
