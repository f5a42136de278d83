package engine

import (
	"context"
	"iter"
	"log/slog"
	"strconv"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// reconcileArgs sweep one connection for what lost webhooks would have
// ordered.
type reconcileArgs struct {
	ConnectionID string `json:"connectionId"`
}

func (reconcileArgs) Kind() string                 { return JobReconcile }
func (a reconcileArgs) QueueKey() string           { return "reconcile:" + a.ConnectionID }
func (reconcileArgs) InsertOpts() queue.InsertOpts { return queue.InsertOpts{MaxAttempts: 3} }

// Reconcile enqueues a sweep of a connection now.
func (e *Engine) Reconcile(ctx context.Context, connectionID string) error {
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConnectionGet(ctx, connectionID); err != nil {
			return err
		}
		_, err := queue.Insert(ctx, tx, reconcileArgs{ConnectionID: connectionID}, nil)
		return err
	})
	if err == nil {
		e.q.Notify()
	}
	return err
}

// ReconcileScheduler returns the loop that enqueues a sweep of every active
// connection each ReconcileInterval, once per interval across every process
// sharing the database.
func (e *Engine) ReconcileScheduler() *Schedule {
	return &Schedule{e: e, name: "reconcile-scheduler", what: "reconciliation", every: e.cfg.ReconcileInterval,
		enqueue: perConnection("reconcile", nil, func(id string) queue.Args { return reconcileArgs{ConnectionID: id} })}
}

// workReconcile lists the opportunities that entered each integration's
// trigger stage since it was activated (or the stage last changed) and, for
// each without a live order, stores the stage change a lost
// webhook would have brought. The router then decides as for a webhook; the
// event's dedupe key (opportunity and time of entering the stage) keeps one
// stage entry from being swept twice.
func (e *Engine) workReconcile(ctx context.Context, job *queue.Job, args reconcileArgs) error {
	var conn *domain.Connection
	if err := e.db.InTx(ctx, func(tx *store.Tx) (err error) { conn, err = tx.ConnectionGet(ctx, args.ConnectionID); return }); err != nil {
		if store.IsNotFound(err) {
			return queue.Cancel(err)
		}
		return err
	}
	if conn.Status != domain.ConnActive {
		return nil
	}
	routes, err := e.routes(ctx, conn.ID)
	if err != nil {
		return err
	}
	d, err := e.Driver(conn)
	if err != nil {
		return err
	}
	found := 0
	for _, r := range routes {
		if !flow.TakesOrders(r.provider.Kind) {
			continue // no trigger stage
		}
		trigger, err := e.ResolveStage(ctx, conn, r.settings.TriggerStage)
		if err != nil {
			continue // the setup check reports a missing stage
		}
		// Only stage entries since the integration was activated (or its
		// trigger stage changed): Lever's advanced_at_start filters on
		// lastAdvancedAt, the time an opportunity entered its current stage.
		since := sweepSince(r.integ)
		// Confidential candidates too, when the credentials may see them.
		list := func(confidential bool) iter.Seq2[*ats.Application, error] {
			return d.ApplicationsInStage(ctx, ats.StageListing{Stage: trigger.ID, Since: since, Confidential: confidential})
		}
		for opp, err := range withConfidential(conn, nil, list) {
			if err != nil {
				return e.leverError(ctx, conn.ID, err)
			}
			if opp.StageEnteredAt.Before(since) {
				continue
			}
			var live bool
			err := e.db.InTx(ctx, func(tx *store.Tx) error {
				_, err := tx.OrderLive(ctx, r.integ.ID, opp.ID)
				live = err == nil
				if store.IsNotFound(err) {
					err = nil
				}
				return err
			})
			if err != nil {
				return err
			}
			if live {
				continue
			}
			entered := opp.StageEnteredAt.UnixMilli()
			ev := &domain.LeverEvent{
				ID: domain.NewID("evt"), ConnectionID: conn.ID, Event: e.cfg.Events.Native(ats.EventStageChanged), OpportunityID: opp.ID,
				DedupeKey:   "reconcile:" + r.integ.ID + ":" + opp.ID + ":" + strconv.FormatInt(entered, 10),
				TriggeredAt: entered, Source: SourceReconcile,
				Payload: mustJSON(map[string]string{"opportunityId": opp.ID, "contactId": opp.Candidate.ID, "toStageId": trigger.ID}),
			}
			ok, err := e.AcceptEvent(ctx, ev)
			if err != nil {
				return err
			}
			if ok {
				found++
			}
		}
	}
	if found > 0 {
		e.log.Info("reconciliation found opportunities no webhook ordered", slog.String("connection_id", conn.ID), slog.Int("count", found))
	}
	return nil
}
