package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// Event sources.
const (
	SourceWebhook   = "webhook"
	SourceReconcile = "reconcile"
)

// clockSkew is how far Lever's triggeredAt may run behind stagecoach's clock
// when a stage change is compared with an integration's activation time.
const clockSkew = time.Second

// leverEventArgs route one stored Lever event.
type leverEventArgs struct {
	EventID string `json:"eventId"`
	// The event's connection and opportunity order it; they are not
	// stored in the args (the event has them).
	ConnectionID  string `json:"-"`
	OpportunityID string `json:"-"`
}

func (leverEventArgs) Kind() string       { return JobLeverEvent }
func (a leverEventArgs) QueueKey() string { return QueueKey(a.ConnectionID, a.OpportunityID) }

// QueueKey is the ordering key of the work of one opportunity.
func QueueKey(connectionID, opportunityID string) string {
	if opportunityID == "" {
		return ""
	}
	return "opp:" + connectionID + ":" + opportunityID
}

// AcceptEvent stores a Lever event and enqueues its routing in one
// transaction. It reports false when the event was a duplicate.
func (e *Engine) AcceptEvent(ctx context.Context, ev *domain.LeverEvent) (bool, error) {
	return e.acceptEvent(ctx, ev)
}

// ErrReplayedDelivery is returned by AcceptDelivery for a delivery whose
// token was accepted before.
var ErrReplayedDelivery = domain.Errorf(domain.EConflict, "this delivery's token was used by an earlier delivery: a replay, refused")

// AcceptDelivery is AcceptEvent for a webhook delivery: with the event it
// records the delivery's token until expires, and refuses
// (ErrReplayedDelivery, nothing stored) a token recorded already. Lever
// signs only the token and triggeredAt, so a captured delivery could
// otherwise be sent again with any data; a redelivery by Lever carries a
// new token and is deduplicated by its event. Concurrent deliveries are
// committed together (store.DB.IngestDelivery).
func (e *Engine) AcceptDelivery(ctx context.Context, ev *domain.LeverEvent, token string, expires time.Time) (bool, error) {
	job, err := queue.Params(leverEventArgs{EventID: ev.ID, ConnectionID: ev.ConnectionID, OpportunityID: ev.OpportunityID}, nil)
	if err != nil {
		return false, err
	}
	out, err := e.db.IngestDelivery(ctx, store.Delivery{Event: ev, Token: token, TokenExpires: expires, Job: job})
	if err != nil {
		return false, err
	}
	switch out {
	case store.DeliveryReplayed:
		return false, ErrReplayedDelivery
	case store.DeliveryDuplicate:
		return false, nil
	}
	e.q.Notify()
	return true, nil
}

func (e *Engine) acceptEvent(ctx context.Context, ev *domain.LeverEvent) (bool, error) {
	var inserted bool
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		inserted, err = tx.LeverEventInsert(ctx, ev)
		if err != nil || !inserted {
			return err
		}
		_, err = queue.Insert(ctx, tx, leverEventArgs{EventID: ev.ID, ConnectionID: ev.ConnectionID, OpportunityID: ev.OpportunityID}, nil)
		return err
	})
	if err == nil && inserted {
		e.q.Notify()
	}
	return inserted, err
}

func (e *Engine) workLeverEvent(ctx context.Context, job *queue.Job, args leverEventArgs) error {
	var ev *domain.LeverEvent
	var conn *domain.Connection
	err := e.db.ReadTx(ctx, func(tx *store.Tx) error {
		var err error
		if ev, err = tx.LeverEventGet(ctx, args.EventID); err != nil {
			return err
		}
		conn, err = tx.ConnectionGet(ctx, ev.ConnectionID)
		return err
	})
	if store.IsNotFound(err) {
		return queue.Cancel(err)
	}
	if err != nil {
		return err
	}
	switch conn.Status {
	case domain.ConnBroken:
		return queue.Snooze(time.Minute, "connection broken: waiting for it to be reconnected")
	case domain.ConnDisconnected:
		return queue.Cancel(fmt.Errorf("connection %s is disconnected", conn.ID))
	}
	data, err := e.cfg.Events.Decode(ev.Event, ev.Payload)
	if err != nil {
		return queue.Cancel(fmt.Errorf("event data: %w", err))
	}
	log := e.log.With(slog.String("connection_id", conn.ID), slog.String("opportunity_id", ev.OpportunityID), slog.String("event_id", ev.ID), slog.String("event", ev.Event))
	if ev.OpportunityID == "" {
		// Every event stagecoach subscribes to names its opportunity; one
		// that does not can be neither confirmed with Lever nor scoped to a
		// candidate, so nothing is done on its word.
		log.Warn("Lever event names no opportunity: nothing done")
		return nil
	}
	facts := &leverFacts{}
	if slices.Contains(confirmedEvents, data.Kind) {
		concerned, err := e.concernedIntegrations(ctx, conn, ev, data.Kind)
		if err != nil {
			return err
		}
		if len(concerned) == 0 {
			return nil // no export or open order of the opportunity: nothing to do
		}
		var why string
		facts, why, err = e.confirmEvent(ctx, conn, ev, &data)
		if err != nil {
			return e.leverError(ctx, conn.ID, err)
		}
		if why != "" {
			return e.refuseEvent(ctx, log, ev, concerned, why)
		}
	}
	if err := e.routeExports(ctx, log, conn, ev, data, facts); err != nil {
		return err
	}
	switch data.Kind {
	case ats.EventStageChanged:
		return e.routeStageChange(ctx, log, conn, ev, data)
	case ats.EventArchived:
		if data.Archived != nil && *data.Archived {
			return e.cancelOrders(ctx, conn, ev, "opportunity_archived", "the opportunity was archived")
		}
	case ats.EventDeleted:
		return e.purgeCandidate(ctx, log, conn, ev)
	}
	return nil
}

// route is what routing needs about one integration.
type route struct {
	integ    *domain.Integration
	provider *domain.Provider
	settings Settings
}

func (e *Engine) routes(ctx context.Context, connID string) ([]route, error) {
	var out []route
	err := e.db.ReadTx(ctx, func(tx *store.Tx) error {
		integs, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: connID, EnabledOnly: true})
		if err != nil {
			return err
		}
		for _, in := range integs {
			p, err := tx.ProviderGet(ctx, in.ProviderID)
			if err != nil {
				return err
			}
			s, err := e.integrationSettings(in, p)
			if err != nil {
				return err
			}
			out = append(out, route{integ: in, provider: p, settings: s})
		}
		return nil
	})
	return out, err
}

func (e *Engine) decide(ctx context.Context, d *domain.Decision) error {
	return e.db.InTx(ctx, func(tx *store.Tx) error { return tx.DecisionInsert(ctx, d) })
}

func (e *Engine) routeStageChange(ctx context.Context, log *slog.Logger, conn *domain.Connection, ev *domain.LeverEvent, data ats.Event) error {
	routes, err := e.routes(ctx, conn.ID)
	if err != nil {
		return err
	}
	var opp *ats.Application
	for _, r := range routes {
		if !flow.TakesOrders(r.provider.Kind) {
			continue // no trigger stage
		}
		d := &domain.Decision{EventID: ev.ID, IntegrationID: r.integ.ID, OpportunityID: ev.OpportunityID, Decision: domain.DecisionIgnored}
		trigger, err := e.ResolveStage(ctx, conn, r.settings.TriggerStage)
		if err != nil {
			if domain.ErrorCode(err) != domain.EInvalid {
				return e.leverError(ctx, conn.ID, err)
			}
			d.Reason = fmt.Sprintf("the trigger stage %q does not exist in Lever", r.settings.TriggerStage)
			if err := e.decide(ctx, d); err != nil {
				return err
			}
			continue
		}
		if data.ToStageID != trigger.ID {
			stages, _ := e.Stages(ctx, conn)
			d.Reason = fmt.Sprintf("moved to %q, not to the trigger stage %q", stageText(stages, data.ToStageID), trigger.Name)
			if err := e.decide(ctx, d); err != nil {
				return err
			}
			continue
		}
		if since := sweepSince(r.integ); ev.Source != SourceReconcile && ev.TriggeredAt > 0 &&
			time.UnixMilli(ev.TriggeredAt).Before(since.Add(-clockSkew)) {
			// A move made before the integration was switched on (or its
			// trigger stage changed) whose webhook is routed only now: the
			// candidate was among those Activate listed as already in the
			// stage, and only the operator's choice there orders them.
			d.Reason = fmt.Sprintf("moved into the trigger stage %q at %s, before the integration was activated at %s (Activate orders candidates already in the stage only when the operator includes them)",
				trigger.Name, time.UnixMilli(ev.TriggeredAt).UTC().Format(time.RFC3339), since.UTC().Format(time.RFC3339))
			if err := e.decide(ctx, d); err != nil {
				return err
			}
			continue
		}
		if opp == nil {
			drv, err := e.Driver(conn)
			if err != nil {
				return err
			}
			opp, err = drv.Application(ctx, ev.OpportunityID)
			if errors.Is(err, ats.ErrNotFound) {
				d.Reason = "the opportunity no longer exists in Lever"
				return e.decide(ctx, d)
			}
			if err != nil {
				return e.leverError(ctx, conn.ID, err)
			}
		}
		if err := e.routeTrigger(ctx, log, conn, ev, r, trigger, opp, d); err != nil {
			return err
		}
	}
	return nil
}

// routeTrigger decides what an opportunity entering an integration's trigger
// stage means: a new order, a re-invite, or nothing, and why.
func (e *Engine) routeTrigger(ctx context.Context, log *slog.Logger, conn *domain.Connection, ev *domain.LeverEvent, r route, trigger ats.Stage, opp *ats.Application, d *domain.Decision) error {
	if opp.Archived {
		d.Reason = "the opportunity is archived"
		return e.decide(ctx, d)
	}
	if opp.Stage.ID != trigger.ID {
		d.Reason = fmt.Sprintf("the opportunity has left the trigger stage %q since", trigger.Name)
		return e.decide(ctx, d)
	}
	var pkgs []domain.Package
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		pkgs, err = tx.PackageList(ctx, r.provider.ID)
		return
	})
	if err != nil {
		return err
	}
	k, err := flow.Lookup(r.provider.Kind)
	if err != nil {
		return queue.Cancel(err)
	}
	t := flow.Trigger{ProviderName: r.provider.Name, Settings: r.settings, OpportunityID: opp.ID, PostingID: opp.JobID, Tags: opp.Tags}
	router, _ := k.(flow.Router)
	var pkg *domain.Package
	var reason string
	if router != nil {
		pkg, reason = router.ChoosePackage(t, pkgs)
	} else {
		pkg = flow.DefaultPackage(r.provider.Name, pkgs)
	}
	if pkg == nil {
		d.Reason = reason
		return e.decide(ctx, d)
	}
	order := &domain.Order{
		ID: domain.NewID("ord"), IntegrationID: r.integ.ID, ConnectionID: conn.ID, ProviderID: r.provider.ID,
		PackageID: pkg.ID, PackageName: pkg.Name, OpportunityID: opp.ID, PostingID: opp.JobID, Status: domain.OrderCreated,
		Candidate: domain.Candidate{Name: opp.Candidate.Name},
		Details: domain.OrderDetails{OpportunityURL: opp.URL, StageID: trigger.ID,
			OwnerID: opp.Owner.ID, OwnerName: opp.Owner.Name, OwnerEmail: opp.Owner.Email, OwnerUsername: opp.Owner.Username},
	}
	if len(opp.Candidate.Emails) > 0 {
		order.Candidate.Email = opp.Candidate.Emails[0]
	}
	var draft flow.OrderDraft
	if router != nil {
		why, err := router.PrepareOrder(ctx, routeEnv{e: e, conn: conn, r: r}, t, &draft)
		if err != nil {
			return err
		}
		if why != "" {
			d.Reason = why
			return e.decide(ctx, d)
		}
	}
	order.Details.PostingTitle = draft.PostingTitle
	created := draft.Created
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		live, err := tx.OrderLive(ctx, r.integ.ID, opp.ID)
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		if live != nil {
			d.OrderID = live.ID
			switch {
			case ev.Source == SourceReconcile:
				d.Reason = fmt.Sprintf("order %s exists already (%s)", live.ID, live.Status)
			case live.Status == domain.OrderInvited:
				d.Decision = domain.DecisionReinvited
				d.Reason = fmt.Sprintf("order %s is invited but not started: the provider refreshes the invitation and sends it again", live.ID)
				if err := e.enqueueWebhook(ctx, tx, r.provider.ID, live, flow.WebhookOrderReinvite, nil); err != nil {
					return err
				}
			case live.Status == domain.OrderCreated:
				d.Reason = fmt.Sprintf("order %s was placed and its invitation is on its way", live.ID)
			default:
				d.Reason = fmt.Sprintf("order %s is %s: re-entering the stage orders nothing and sends no e-mail", live.ID, live.Status)
			}
			return tx.DecisionInsert(ctx, d)
		}
		if err := tx.OrderInsert(ctx, order); err != nil {
			return err
		}
		d.Decision, d.OrderID = domain.DecisionOrdered, order.ID
		d.Reason = fmt.Sprintf("ordered %q for the opportunity", pkg.Name)
		if err := tx.DecisionInsert(ctx, d); err != nil {
			return err
		}
		if err := tx.OrderEventInsert(ctx, &domain.OrderEvent{ID: domain.NewID("oev"), OrderID: order.ID, Type: "created", Payload: mustJSON(map[string]any{"leverEventId": ev.ID, "triggeredAt": ev.TriggeredAt})}); err != nil {
			return err
		}
		log.Info("order created", slog.String("order_id", order.ID), slog.String("package_id", pkg.ID))
		return e.enqueueWebhook(ctx, tx, r.provider.ID, order, flow.WebhookOrderCreated, created)
	})
}

// purgeCandidate handles a deleted opportunity: its open orders are
// cancelled, the candidate's personal data is purged from every table and
// from the webhooks not yet delivered (store.CandidatePurge), and only then
// are the providers told the orders were cancelled, with what is left: ids,
// statuses and the reason, no name or e-mail.
func (e *Engine) purgeCandidate(ctx context.Context, log *slog.Logger, conn *domain.Connection, ev *domain.LeverEvent) error {
	const reason = "opportunity_deleted"
	if ev.OpportunityID == "" {
		return queue.Cancel(fmt.Errorf("event %s names no opportunity: nothing is purged", ev.ID))
	}
	var stats store.PurgeStats
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		live, _, err := tx.OrderList(ctx, store.OrderFilter{ConnectionID: conn.ID, OpportunityID: ev.OpportunityID, Limit: 100,
			Statuses: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}})
		if err != nil {
			return err
		}
		for _, o := range live {
			o.Status = domain.OrderCancelled
			if err := tx.OrderUpdate(ctx, o); err != nil {
				return err
			}
		}
		if stats, err = tx.CandidatePurge(ctx, conn.ID, ev.OpportunityID); err != nil {
			return err
		}
		for _, o := range live {
			o, err := tx.OrderGet(ctx, o.ID)
			if err != nil {
				return err
			}
			if err := tx.OrderEventInsert(ctx, &domain.OrderEvent{ID: domain.NewID("oev"), OrderID: o.ID, Type: "cancelled", Payload: mustJSON(map[string]string{"reason": reason})}); err != nil {
				return err
			}
			if err := tx.DecisionInsert(ctx, &domain.Decision{EventID: ev.ID, IntegrationID: o.IntegrationID, OpportunityID: o.OpportunityID, Decision: domain.DecisionCancelled,
				Reason: "the opportunity was deleted; the candidate's personal data was purged", OrderID: o.ID}); err != nil {
				return err
			}
			if err := e.enqueueWebhook(ctx, tx, o.ProviderID, o, flow.WebhookOrderCancelled, map[string]any{"reason": reason}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	log.Info("purged the personal data of a deleted opportunity", slog.Int("orders", stats.Orders), slog.Int("exports", stats.Exports),
		slog.Int64("webhooks_dropped", stats.Messages), slog.Int64("idempotency_answers_replaced", stats.Answers))
	// On SQLite the rows' old contents are still in the write-ahead log
	// until it is checkpointed.
	if err := e.db.Checkpoint(ctx); err != nil {
		log.Warn("checkpoint after the purge failed", slog.Any("error", err))
	}
	e.q.Notify()
	return nil
}

// cancelOrders cancels an opportunity's open orders and tells the providers.
func (e *Engine) cancelOrders(ctx context.Context, conn *domain.Connection, ev *domain.LeverEvent, reason, why string) error {
	if ev.OpportunityID == "" {
		return queue.Cancel(fmt.Errorf("event %s names no opportunity: no order is cancelled", ev.ID))
	}
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		orders, _, err := tx.OrderList(ctx, store.OrderFilter{ConnectionID: conn.ID, OpportunityID: ev.OpportunityID, Limit: 100, Statuses: openOrderStatuses})
		if err != nil {
			return err
		}
		for _, o := range orders {
			o.Status = domain.OrderCancelled
			if err := tx.OrderUpdate(ctx, o); err != nil {
				return err
			}
			if err := tx.OrderEventInsert(ctx, &domain.OrderEvent{ID: domain.NewID("oev"), OrderID: o.ID, Type: "cancelled", Payload: mustJSON(map[string]string{"reason": reason})}); err != nil {
				return err
			}
			if err := tx.DecisionInsert(ctx, &domain.Decision{EventID: ev.ID, IntegrationID: o.IntegrationID, OpportunityID: o.OpportunityID, Decision: domain.DecisionCancelled, Reason: why, OrderID: o.ID}); err != nil {
				return err
			}
			if err := e.enqueueWebhook(ctx, tx, o.ProviderID, o, flow.WebhookOrderCancelled, map[string]any{"reason": reason}); err != nil {
				return err
			}
		}
		return nil
	})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
