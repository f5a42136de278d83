package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// JobPrune deletes finished jobs and expired idempotency answers. It is
// stored: never rename it.
const JobPrune = "prune"

// pruneArgs prune once; every prune runs in one queue. Stored as {}.
type pruneArgs struct{}

func (pruneArgs) Kind() string                 { return JobPrune }
func (pruneArgs) QueueKey() string             { return "prune" }
func (pruneArgs) InsertOpts() queue.InsertOpts { return queue.InsertOpts{MaxAttempts: 3} }

// Retention defaults.
const (
	DefaultRetainJobs        = 7 * 24 * time.Hour
	DefaultRetainIdempotency = 24 * time.Hour
	DefaultPruneInterval     = time.Hour
)

// PruneScheduler returns the loop that enqueues a prune job each
// PruneInterval, once per interval across the processes sharing the
// database (the job's unique key names the interval).
func (e *Engine) PruneScheduler() *Schedule {
	return &Schedule{e: e, name: "prune-scheduler", what: "pruning", every: e.cfg.PruneInterval,
		enqueue: func(ctx context.Context, tx *store.Tx, slot int64) error {
			_, err := queue.Insert(ctx, tx, pruneArgs{}, &queue.InsertOpts{UniqueKey: fmt.Sprintf("prune:%d", slot)})
			return err
		}}
}

// SchedulePrune enqueues the prune job of the interval now falls in, unless
// a process sharing the database has already.
func (e *Engine) SchedulePrune(ctx context.Context, now time.Time) error {
	return e.PruneScheduler().tick(ctx, now)
}

// workPrune deletes the jobs finished more than RetainJobs ago (done or
// dead-lettered: their arguments may name a candidate), the answers to
// Idempotency-Keys expired more than RetainIdempotency ago and, when
// RetainAudit is set, the audit log entries older than it.
func (e *Engine) workPrune(ctx context.Context, job *queue.Job, _ pruneArgs) error {
	now := e.db.NowFunc()
	jobs, err := e.db.JobPrune(ctx, now.Add(-e.cfg.RetainJobs))
	if err != nil {
		return err
	}
	keys, err := e.db.IdempotencyPrune(ctx, now.Add(-store.IdempotencyTTL-e.cfg.RetainIdempotency))
	if err != nil {
		return err
	}
	var audit int64
	if e.cfg.RetainAudit > 0 {
		err := e.db.InTx(ctx, func(tx *store.Tx) error {
			var err error
			audit, err = tx.AuditPrune(ctx, now.Add(-e.cfg.RetainAudit))
			return err
		})
		if err != nil {
			return err
		}
	}
	if jobs > 0 || keys > 0 || audit > 0 {
		e.log.Info("pruned finished jobs, expired idempotency keys and old audit entries", slog.Int64("jobs", jobs), slog.Int64("idempotency_keys", keys), slog.Int64("audit_entries", audit))
		// On SQLite the deleted rows' old page images stay in the
		// write-ahead log until it is checkpointed and truncated.
		if err := e.db.Checkpoint(ctx); err != nil {
			e.log.Warn("checkpoint after pruning failed", slog.Any("error", err))
		}
	}
	return nil
}
