// Package queue runs durable jobs from the store's jobs table: a pool of
// workers claims due jobs under a lease, runs the worker registered for each
// job's kind, and records the outcome. A job's error decides what happens
// next: nil finishes it, Cancel dead-letters it at once, Snooze runs it again
// later without counting an attempt, and any other error retries it with
// exponential backoff and jitter until its attempts run out.
//
// A job kind's arguments are a type implementing Args; its worker is
// registered with Register and gets them decoded, and Insert enqueues one in
// the transaction of the change it follows:
//
//	type sweepArgs struct {
//		ConnectionID string `json:"connectionId"`
//	}
//
//	func (sweepArgs) Kind() string       { return "sweep" }
//	func (a sweepArgs) QueueKey() string { return "sweep:" + a.ConnectionID }
//
//	queue.Register(runner, func(ctx context.Context, job *queue.Job, args sweepArgs) error { … })
//	_, err := queue.Insert(ctx, tx, sweepArgs{ConnectionID: id}, nil)
//
// Tests give the runner a clock (Config.NowFunc) and wait for it with
// WaitIdle rather than sleeping.
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// worker runs one job. It must be safe to run again after a crash.
type worker func(ctx context.Context, job *Job) error

type cancelError struct{ err error }

func (e *cancelError) Error() string { return "cancelled: " + e.err.Error() }
func (e *cancelError) Unwrap() error { return e.err }

// Cancel marks err as permanent: the job is dead-lettered without retries.
func Cancel(err error) error { return &cancelError{err: err} }

// IsCancel reports whether err was marked permanent by Cancel.
func IsCancel(err error) bool {
	var ce *cancelError
	return errors.As(err, &ce)
}

type snoozeError struct {
	d      time.Duration
	reason string
}

func (e *snoozeError) Error() string { return fmt.Sprintf("snoozed for %s: %s", e.d, e.reason) }

// Snooze runs the job again after d without counting an attempt.
func Snooze(d time.Duration, reason string) error { return &snoozeError{d: d, reason: reason} }

type retryAfterError struct {
	d   time.Duration
	err error
}

func (e *retryAfterError) Error() string { return e.err.Error() }
func (e *retryAfterError) Unwrap() error { return e.err }

// RetryAfter retries the job after d, counting an attempt.
func RetryAfter(d time.Duration, err error) error { return &retryAfterError{d: d, err: err} }

// Config configures a Runner.
type Config struct {
	// Workers is how many jobs run at once. Default 8.
	Workers int
	// PollInterval is how often the runner looks for due jobs when nobody
	// notified it. Default 200ms.
	PollInterval time.Duration
	// Lease is how long a claimed job is the worker's before another may take
	// it; it is renewed while the job runs. Default 30s.
	Lease time.Duration
	// BaseBackoff is the first retry delay; each attempt doubles it, up to
	// MaxBackoff. Defaults 1s and 10m.
	BaseBackoff, MaxBackoff time.Duration
	// ShutdownGrace is how long running jobs may finish after Run's context
	// ends. Default 10s.
	ShutdownGrace time.Duration
	// Name identifies this process in leases. Default host:pid:random.
	Name string
	// ObserveFunc, when set, is called after every job run.
	ObserveFunc func(kind, outcome string, d time.Duration)
	// NowFunc is the clock of leases, retries, snoozes and of which jobs are
	// due. Default: the store's clock (store.DB.NowFunc), so that jobs
	// inserted "now" are due at once. Tests move it to run a retry or to
	// let a lease run out without waiting.
	NowFunc func() time.Time
	Logger  *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 200 * time.Millisecond
	}
	if c.Lease <= 0 {
		c.Lease = 30 * time.Second
	}
	if c.BaseBackoff <= 0 {
		c.BaseBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 10 * time.Minute
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = 10 * time.Second
	}
	if c.Name == "" {
		host, _ := os.Hostname()
		c.Name = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), domain.NewToken(4))
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Runner claims and runs jobs.
type Runner struct {
	db      *store.DB
	cfg     Config
	log     *slog.Logger
	mu      sync.RWMutex
	workers map[string]worker
	wake    chan struct{}

	// The idle signal (WaitIdle): passes counts the claim passes begun,
	// idlePass is the last one that found nothing to run, and idle is
	// closed (and replaced) each time a pass finds nothing to run.
	idleMu   sync.Mutex
	passes   uint64
	idlePass uint64
	idle     chan struct{}
}

// New returns a Runner over db.
func New(db *store.DB, cfg Config) *Runner {
	cfg = cfg.withDefaults()
	if cfg.NowFunc == nil {
		// Read at each call: a test may replace the store's clock later.
		cfg.NowFunc = func() time.Time { return db.NowFunc() }
	}
	return &Runner{db: db, cfg: cfg, log: cfg.Logger.With("component", "queue"), workers: map[string]worker{},
		wake: make(chan struct{}, 1), idle: make(chan struct{})}
}

// register sets the worker for a job kind. It panics on an empty or
// duplicate kind: that is a programming mistake.
func (r *Runner) register(kind string, w worker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if kind == "" {
		panic("queue: a job args type has an empty kind")
	}
	if _, ok := r.workers[kind]; ok {
		panic("queue: duplicate worker for kind " + kind)
	}
	r.workers[kind] = w
}

// Notify wakes the runner to look for due jobs now.
func (r *Runner) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Name returns the runner's name for this process.
func (r *Runner) Name() string { return "queue" }

// Run claims and runs jobs until ctx ends, then waits up to ShutdownGrace for
// running jobs. A job cut short stays leased and is taken again once its lease
// runs out, so nothing is lost.
//
// The runner looks for due jobs when Notify is called (after a commit in
// this process), every PollInterval, and on PostgreSQL also when a job
// inserted by another process commits (store.JobsListen): it starts
// claiming once that listener is in place.
func (r *Runner) Run(ctx context.Context) error {
	sem := make(chan struct{}, r.cfg.Workers)
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	var wg sync.WaitGroup
	listenCtx, stopListen := context.WithCancel(ctx)
	listening := make(chan struct{})
	var listener sync.WaitGroup
	listener.Go(func() {
		r.db.JobsListen(listenCtx, func() { close(listening) }, r.Notify, func(err error) {
			r.log.Warn("listening for jobs of other processes failed; polling until it is back", slog.Any("error", err))
		})
	})
	defer func() { stopListen(); listener.Wait() }()
	select {
	case <-listening:
	case <-ctx.Done():
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(r.cfg.ShutdownGrace):
				cancelJobs()
				<-done
			}
			return nil
		case <-timer.C:
		case <-r.wake:
		}
		pass := r.beginPass()
		// Jobs start only in this loop, so when none runs now, none runs
		// during the claim: a claim that finds nothing then saw every
		// outcome recorded, and the queue is idle.
		running := len(sem)
		free := r.cfg.Workers - running
		if free > 0 {
			jobs, err := r.db.JobClaim(ctx, r.cfg.Name, free, r.cfg.NowFunc(), r.cfg.Lease)
			if err != nil && ctx.Err() == nil {
				r.log.Error("claim jobs failed", slog.Any("error", err))
			}
			if err == nil && running == 0 && len(jobs) == 0 {
				r.markIdle(pass)
			}
			for _, j := range jobs {
				sem <- struct{}{}
				wg.Add(1)
				go func(j *domain.Job) {
					defer func() { <-sem; wg.Done(); r.Notify() }()
					r.runOne(jobCtx, j)
				}(j)
			}
			if len(jobs) == free {
				r.Notify() // there may be more
			}
		}
		timer.Reset(r.cfg.PollInterval)
	}
}

func (r *Runner) runOne(ctx context.Context, j *domain.Job) {
	log := r.log.With(slog.Int64("job_id", j.ID), slog.String("kind", j.Kind), slog.Int("attempt", j.Attempt))
	r.mu.RLock()
	w, ok := r.workers[j.Kind]
	r.mu.RUnlock()
	start := time.Now()
	var err error
	if !ok {
		err = Cancel(fmt.Errorf("no worker for job kind %q", j.Kind))
	} else {
		err = r.runWithLease(ctx, j, w)
	}
	// The outcome is recorded even while shutting down.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	outcome := r.finish(fctx, j, err, log)
	if r.cfg.ObserveFunc != nil {
		r.cfg.ObserveFunc(j.Kind, outcome, time.Since(start))
	}
}

func (r *Runner) runWithLease(ctx context.Context, j *domain.Job, w worker) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(r.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := r.db.JobExtend(ctx, j.ID, r.cfg.Name, r.cfg.NowFunc().Add(r.cfg.Lease)); err != nil && ctx.Err() == nil {
					r.log.Warn("renew job lease failed", slog.Int64("job_id", j.ID), slog.Any("error", err))
				}
			}
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return w(ctx, j)
}

func (r *Runner) finish(ctx context.Context, j *domain.Job, err error, log *slog.Logger) string {
	now := r.cfg.NowFunc()
	var (
		ce *cancelError
		se *snoozeError
		re *retryAfterError
	)
	switch {
	case err == nil:
		r.record(ctx, j, domain.JobDone, now, "", true, log)
		return "done"
	case errors.As(err, &se):
		r.record(ctx, j, domain.JobAvailable, now.Add(se.d), se.Error(), false, log)
		return "snoozed"
	case errors.As(err, &ce):
		log.Error("job dead-lettered", slog.Any("error", err))
		r.record(ctx, j, domain.JobDead, now, err.Error(), true, log)
		return "dead"
	case j.Attempt >= j.MaxAttempts:
		log.Error("job dead-lettered after its last attempt", slog.Any("error", err))
		r.record(ctx, j, domain.JobDead, now, err.Error(), true, log)
		return "dead"
	default:
		delay := r.Backoff(j.Attempt)
		if errors.As(err, &re) && re.d > delay {
			delay = re.d
		}
		log.Warn("job failed; will retry", slog.Any("error", err), slog.Duration("retry_in", delay))
		r.record(ctx, j, domain.JobAvailable, now.Add(delay), err.Error(), true, log)
		return "retry"
	}
}

func (r *Runner) record(ctx context.Context, j *domain.Job, status string, runAt time.Time, msg string, count bool, log *slog.Logger) {
	if err := r.db.JobFinish(ctx, j.ID, r.cfg.Name, status, runAt, msg, count); err != nil {
		log.Error("record job outcome failed", slog.Any("error", err))
	}
}

// Backoff returns the delay before retry number attempt: BaseBackoff doubled
// per attempt, capped at MaxBackoff, with ±25% jitter.
func (r *Runner) Backoff(attempt int) time.Duration {
	d := r.cfg.BaseBackoff
	for i := 1; i < attempt && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.cfg.MaxBackoff)
	jitter := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return d + jitter
}

// beginPass counts a claim pass about to begin and returns its number.
func (r *Runner) beginPass() uint64 {
	r.idleMu.Lock()
	defer r.idleMu.Unlock()
	r.passes++
	return r.passes
}

// markIdle records that pass found nothing to run and nothing running.
func (r *Runner) markIdle(pass uint64) {
	r.idleMu.Lock()
	defer r.idleMu.Unlock()
	r.idlePass = pass
	close(r.idle)
	r.idle = make(chan struct{})
}

// WaitIdle returns once the runner is idle: a look at the jobs table begun
// after the call found no job due (by NowFunc) that it could take, and no
// job of this runner was running. Jobs inserted before the call have then
// run, and so have the jobs they inserted, unless they wait for a later
// time (a retry's backoff, a snooze, a RunAt) or for a job another process
// holds. It returns ctx's error if ctx ends first, and waits for ctx when
// Run is not running. Tests wait on it rather than sleeping.
func (r *Runner) WaitIdle(ctx context.Context) error {
	r.idleMu.Lock()
	after := r.passes
	r.idleMu.Unlock()
	r.Notify()
	for {
		r.idleMu.Lock()
		done, idle := r.idlePass > after, r.idle
		r.idleMu.Unlock()
		if done {
			return nil
		}
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
