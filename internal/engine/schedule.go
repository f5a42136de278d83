package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// Schedule is a loop that enqueues work once per interval across every
// process sharing the database: each tick names its slot (the interval it
// falls in), and the jobs it inserts carry the slot in their unique key, so
// the first process to reach a slot enqueues and the others find it done.
type Schedule struct {
	e       *Engine
	name    string
	what    string        // for the log line of a failed tick
	every   time.Duration // negative: never
	enqueue func(ctx context.Context, tx *store.Tx, slot int64) error
}

// Name names the loop.
func (s *Schedule) Name() string { return s.name }

// Run enqueues the work each interval until ctx is done.
func (s *Schedule) Run(ctx context.Context) error {
	if s.every < 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			if err := s.tick(ctx, now); err != nil && ctx.Err() == nil {
				s.e.log.Error("schedule "+s.what+" failed", slog.Any("error", err))
			}
		}
	}
}

// tick enqueues the work of the slot now falls in.
func (s *Schedule) tick(ctx context.Context, now time.Time) error {
	slot := now.UnixMilli() / s.every.Milliseconds()
	err := s.e.db.InTx(ctx, func(tx *store.Tx) error { return s.enqueue(ctx, tx, slot) })
	if err == nil {
		s.e.q.Notify()
	}
	return err
}

// perConnection enqueues, for each active connection keep accepts, the job
// args makes, under the unique key "<prefix>:<connection>:<slot>".
func perConnection(prefix string, keep func(*domain.Connection) bool, args func(connID string) queue.Args) func(context.Context, *store.Tx, int64) error {
	return func(ctx context.Context, tx *store.Tx, slot int64) error {
		conns, err := tx.ConnectionList(ctx)
		if err != nil {
			return err
		}
		for _, c := range conns {
			if c.Status != domain.ConnActive || (keep != nil && !keep(c)) {
				continue
			}
			if _, err := queue.Insert(ctx, tx, args(c.ID), &queue.InsertOpts{UniqueKey: fmt.Sprintf("%s:%s:%d", prefix, c.ID, slot)}); err != nil {
				return err
			}
		}
		return nil
	}
}

// orDefault is d when the configured interval is unset.
func orDefault(every, d time.Duration) time.Duration {
	if every == 0 {
		return d
	}
	return every
}
