// Package journal makes each write to an API that takes no idempotency key
// happen once. Every intended write (an effect) has a key naming the intent;
// the journal records it before anything is sent, lets one applier at a time
// send it, and after an attempt whose outcome is unknown (a timeout, a reset,
// a crash between sending and recording) looks at the other side before
// sending again.
//
// An entry moves through these states (the effects table's status column):
//
//	pending ──claim, send──▶ done
//	pending ──claim, send, outcome unknown──▶ sending ──claim, check: found──▶ done
//	                                          sending ──claim, check: not found, send──▶ done
//	pending ──claim, send, refused──▶ failed
//	pending ──claim, send, certainly not applied──▶ pending
//
// An applier must hold the entry's claim (an owner and a lease on the row,
// taken by compare-and-set) to check or send it, and renews the lease while
// it works. An applier that finds the entry held by a live owner waits for it
// rather than checking: the owner's attempt is in flight, not lost. Only a
// lease that has run out means its owner crashed; the next applier then
// checks before sending, as after any unknown outcome.
package journal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"stagecoach/internal/domain"
)

// Store is what the journal needs from the effects table. Each method is one
// transaction; every change after a claim is made only while owner holds the
// entry.
type Store interface {
	// EffectEnsure records e as pending unless its key is there already,
	// and returns the row for the key.
	EffectEnsure(ctx context.Context, e *domain.Effect) (*domain.Effect, error)
	// EffectClaim makes owner the holder of the unfinished (pending or
	// sending) entry key for lease, unless another owner's lease on it has
	// not run out. It returns the row after the attempt and whether owner
	// holds it; of concurrent claimants exactly one wins.
	EffectClaim(ctx context.Context, key, owner string, lease time.Duration) (*domain.Effect, bool, error)
	// EffectExtend renews owner's lease; false when owner no longer holds key.
	EffectExtend(ctx context.Context, key, owner string, lease time.Duration) (bool, error)
	// EffectMarkSending sets the entry sending and counts an attempt; false
	// (and nothing changed) when owner no longer holds key.
	EffectMarkSending(ctx context.Context, key, owner string) (bool, error)
	// EffectRelease records the outcome of owner's attempt and clears the
	// claim; false (and nothing changed) when owner no longer holds key.
	EffectRelease(ctx context.Context, key, owner, status, result, lastError string) (bool, error)
}

// Effect is one intended write.
type Effect interface {
	// Key names the intent: the same intent always has the same key, so a
	// retried job finds the entry an earlier run recorded.
	Key() string
	// Kind names the sort of write ("note", "form_template"…), for logs and
	// people reading the journal.
	Kind() string
	// Payload is recorded with the entry as JSON, for people reading it.
	Payload() any
	// Send makes the write and returns what identifies it (an id).
	Send(ctx context.Context) (result string, err error)
	// Check reports whether the write is already there, and its result.
	Check(ctx context.Context) (found bool, result string, err error)
}

// Subject is what an entry is recorded against, besides its effect.
type Subject struct {
	ConnectionID  string
	OpportunityID string // "" for a write that concerns no opportunity
	OrderID       string // the order's id (or an export's)
}

// Outcome is what a failed Send means for the entry.
type Outcome int

// The outcomes of a failed Send.
const (
	// Uncertain: the write may have been applied. The entry stays sending
	// and the next applier checks before sending again.
	Uncertain Outcome = iota
	// NotApplied: the write certainly did not happen (the request was
	// refused before it was applied, say a rate limit). The entry goes back
	// to pending and the next applier sends without checking.
	NotApplied
	// Refused: the other side refused the write for good. The entry fails
	// and is never sent again.
	Refused
)

// ErrBusy is returned (wrapped) by Apply when another applier held the entry
// for longer than Config.Wait. The caller should try again a little later;
// nothing was sent.
var ErrBusy = errors.New("journal: entry held by another applier")

// FailedError is returned by Apply for an entry that failed earlier: the
// other side refused it, and it is not sent again.
type FailedError struct {
	Key, Kind string
	LastError string // why it was refused
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("%s was refused: %s", e.Kind, e.LastError)
}

// Config configures a Journal.
type Config struct {
	// Store holds the entries. Required.
	Store Store
	// Lease is how long an applier's claim lasts without renewal; it is
	// renewed every Lease/3 while the applier checks or sends. A claim whose
	// lease has run out is taken as the mark of a crashed applier. Default
	// 30s.
	Lease time.Duration
	// Wait is how long Apply waits for an entry another applier holds before
	// it returns ErrBusy. Default 2s; negative does not wait.
	Wait time.Duration
	// ClassifyFunc tells what an error from Send means. Default: every error
	// is Uncertain (always safe: the next attempt checks first).
	ClassifyFunc func(error) Outcome
	Logger       *slog.Logger
}

// Journal applies effects exactly once.
type Journal struct {
	store    Store
	lease    time.Duration
	wait     time.Duration
	classify func(error) Outcome
	log      *slog.Logger

	mu      sync.Mutex
	waiters map[string]*waiter // by key: appliers of this process waiting for it
}

// waiter wakes the appliers waiting for a key when this process releases it.
type waiter struct {
	ch chan struct{} // closed on release
	n  int           // appliers watching
}

// New returns a Journal. It panics without a Store: that is a programming
// mistake.
func New(cfg Config) *Journal {
	if cfg.Store == nil {
		panic("journal: no store")
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	switch {
	case cfg.Wait == 0:
		cfg.Wait = 2 * time.Second
	case cfg.Wait < 0:
		cfg.Wait = 0
	}
	if cfg.ClassifyFunc == nil {
		cfg.ClassifyFunc = func(error) Outcome { return Uncertain }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Journal{store: cfg.Store, lease: cfg.Lease, wait: cfg.Wait, classify: cfg.ClassifyFunc,
		log: cfg.Logger.With("component", "journal"), waiters: map[string]*waiter{}}
}

// Apply runs ef through the journal and returns its result: at once for an
// entry already done; otherwise once this applier has claimed the entry and
// checked (after an earlier unknown outcome) or sent it.
//
// Errors: ErrBusy (wrapped) when another applier held the entry throughout
// Config.Wait; *FailedError for an entry refused earlier; a Check error,
// wrapped; a Send error as Send returned it, after recording its outcome;
// and the store's errors.
func (j *Journal) Apply(ctx context.Context, s Subject, ef Effect) (string, error) {
	key, kind := ef.Key(), ef.Kind()
	log := j.log.With(slog.String("connection_id", s.ConnectionID), slog.String("opportunity_id", s.OpportunityID),
		slog.String("order_id", s.OrderID), slog.String("effect", kind), slog.String("effect_key", key))
	payload, err := json.Marshal(ef.Payload())
	if err != nil {
		return "", fmt.Errorf("journal %s: payload: %w", kind, err)
	}
	row, err := j.store.EffectEnsure(ctx, &domain.Effect{Key: key, ConnectionID: s.ConnectionID, OpportunityID: s.OpportunityID, OrderID: s.OrderID, Kind: kind, Payload: payload})
	if err != nil {
		return "", err
	}
	owner := domain.NewToken(10)
	deadline := time.Now().Add(j.wait)
	pause := 10 * time.Millisecond
	for {
		switch row.Status {
		case domain.EffectDone:
			return row.Result, nil
		case domain.EffectFailed:
			return "", &FailedError{Key: key, Kind: kind, LastError: row.LastError}
		}
		// Watch before claiming, so that a release in between is not missed.
		released, unwatch := j.watch(key)
		var claimed bool
		row, claimed, err = j.store.EffectClaim(ctx, key, owner, j.lease)
		if err != nil || claimed {
			unwatch()
			if err != nil {
				return "", err
			}
			return j.attempt(ctx, log, row, owner, ef)
		}
		if row.Status == domain.EffectDone || row.Status == domain.EffectFailed {
			unwatch()
			continue
		}
		if !time.Now().Before(deadline) {
			unwatch()
			return "", fmt.Errorf("%w: %s %s until %s", ErrBusy, kind, key, row.LeaseUntil.Format(time.RFC3339Nano))
		}
		// Another applier's attempt is in flight: wait for it (a release in
		// this process wakes us; one in another process is seen by polling).
		if err := j.sleep(ctx, released, min(pause, time.Until(deadline))); err != nil {
			unwatch()
			return "", err
		}
		unwatch()
		pause = min(2*pause, 250*time.Millisecond)
	}
}

// sleep waits for d, a release of the watched key or the end of ctx.
func (j *Journal) sleep(ctx context.Context, released <-chan struct{}, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-released:
	case <-t.C:
	}
	return nil
}

// attempt checks (when an earlier attempt's outcome is unknown) and sends the
// entry row, which owner holds.
func (j *Journal) attempt(ctx context.Context, log *slog.Logger, row *domain.Effect, owner string, ef Effect) (string, error) {
	key, kind := row.Key, row.Kind
	ctx, stop := j.hold(ctx, log, key, owner)
	defer stop()
	if row.Status == domain.EffectSending {
		found, result, err := ef.Check(ctx)
		if err != nil {
			j.release(ctx, log, key, owner, domain.EffectSending, "", "check: "+err.Error())
			return "", fmt.Errorf("check %s: %w", kind, err)
		}
		if found {
			log.Info("an earlier attempt landed; not sending again")
			return result, j.release(ctx, log, key, owner, domain.EffectDone, result, "")
		}
	}
	held, err := j.store.EffectMarkSending(ctx, key, owner)
	if err != nil {
		j.release(ctx, log, key, owner, row.Status, "", row.LastError)
		return "", err
	}
	if !held {
		return "", fmt.Errorf("%w: %s %s: the claim ran out before sending", ErrBusy, kind, key)
	}
	result, err := ef.Send(ctx)
	if err == nil {
		return result, j.release(ctx, log, key, owner, domain.EffectDone, result, "")
	}
	switch j.classify(err) {
	case Refused:
		j.release(ctx, log, key, owner, domain.EffectFailed, "", err.Error())
	case NotApplied:
		j.release(ctx, log, key, owner, domain.EffectPending, "", err.Error())
	default:
		log.Warn("write outcome unknown; will check before sending again", slog.Any("error", err))
		j.release(ctx, log, key, owner, domain.EffectSending, "", err.Error())
	}
	return "", err
}

// hold renews owner's lease on key until the returned stop is called. The
// returned context ends if the claim is lost (the lease ran out unrenewed
// and another applier took the entry), cutting the attempt short.
func (j *Journal) hold(ctx context.Context, log *slog.Logger, key, owner string) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(max(j.lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				held, err := j.store.EffectExtend(ctx, key, owner, j.lease)
				switch {
				case err != nil:
					if ctx.Err() == nil {
						log.Warn("renew the claim on a journal entry failed", slog.Any("error", err))
					}
				case !held:
					log.Warn("the claim on a journal entry ran out; stopping")
					cancel(fmt.Errorf("%w: %s: the claim ran out", ErrBusy, key))
					return
				}
			}
		}
	}()
	return ctx, func() { close(done); cancel(nil) }
}

// release records the outcome of owner's attempt, even when ctx has ended
// (a shutdown), and wakes this process's appliers waiting for key. It
// returns the store's error; a claim lost meanwhile is no error (the entry's
// new holder checks before sending).
func (j *Journal) release(ctx context.Context, log *slog.Logger, key, owner, status, result, lastError string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	held, err := j.store.EffectRelease(ctx, key, owner, status, result, lastError)
	j.notify(key)
	if err != nil {
		log.Error("record a journal entry's outcome failed", slog.String("status", status), slog.Any("error", err))
		return err
	}
	if !held {
		log.Warn("a journal entry's claim was lost before its outcome was recorded", slog.String("status", status))
	}
	return nil
}

// watch returns a channel closed when this process next releases key, and
// the function to call once done with it.
func (j *Journal) watch(key string) (<-chan struct{}, func()) {
	j.mu.Lock()
	defer j.mu.Unlock()
	w, ok := j.waiters[key]
	if !ok {
		w = &waiter{ch: make(chan struct{})}
		j.waiters[key] = w
	}
	w.n++
	return w.ch, func() {
		j.mu.Lock()
		defer j.mu.Unlock()
		if w.n--; w.n == 0 && j.waiters[key] == w {
			delete(j.waiters, key)
		}
	}
}

// notify wakes the appliers waiting for key.
func (j *Journal) notify(key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if w, ok := j.waiters[key]; ok {
		close(w.ch)
		delete(j.waiters, key)
	}
}
