package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// JobsChannel is the PostgreSQL notification channel on which a committed
// transaction that inserted a job (or made one due) wakes the job runners
// of every process sharing the database.
const JobsChannel = "stagecoach_jobs"

// JobsListen calls wakeFunc each time a transaction that inserted a job
// commits, in this process or another, until ctx ends; on PostgreSQL only
// (LISTEN on a connection of its own, outside the pool). It calls
// readyFunc once, when the first LISTEN is in place or has failed, so
// that a runner can start claiming knowing it will hear of later jobs. A
// lost connection is opened again, with wakeFunc called once it is, for
// what it may have missed; errFunc hears why it was lost. On SQLite it
// calls readyFunc and returns at once: the writers are the process itself
// (which calls Notify) and the odd command-line run, which the poll
// covers.
func (d *DB) JobsListen(ctx context.Context, readyFunc, wakeFunc func(), errFunc func(error)) {
	if d.dialect != Postgres {
		readyFunc()
		return
	}
	ready := false
	backoff := time.Second
	for {
		err := d.listenOnce(ctx, func() {
			if !ready {
				ready = true
				readyFunc()
			} else {
				wakeFunc()
			}
			backoff = time.Second
		}, wakeFunc)
		if !ready {
			ready = true
			readyFunc()
		}
		if ctx.Err() != nil {
			return
		}
		// The runners' poll covers the gap until the listener is back.
		errFunc(errors.New(Redact(err.Error(), d.dsn)))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (d *DB) listenOnce(ctx context.Context, listening, wakeFunc func()) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, d.dsn)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(cctx, `LISTEN `+JobsChannel); err != nil {
		return err
	}
	listening()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		wakeFunc()
	}
}
