package journal_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/journal"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

var _ journal.Store = (*store.DB)(nil)

// The errors the fake remote side answers with, and how the tests classify
// them (as the engine does Lever's).
var (
	errUncertain  = errors.New("remote: timed out after sending")
	errNotApplied = errors.New("remote: rate limited")
	errRefused    = errors.New("remote: bad request")
)

func classify(err error) journal.Outcome {
	switch {
	case errors.Is(err, errRefused):
		return journal.Refused
	case errors.Is(err, errNotApplied):
		return journal.NotApplied
	}
	return journal.Uncertain
}

// remote is the other side of the writes: it keeps what was written, and
// counts the sends and checks it was asked for.
type remote struct {
	mu     sync.Mutex
	writes []string
	sends  atomic.Int32
	checks atomic.Int32
	// next is what the next sends do, in order; then they succeed.
	next []outcome
	// delay is how long a send takes.
	delay time.Duration
	// started, when set, is closed as the first send begins.
	started   chan struct{}
	startOnce sync.Once
}

// outcome is what one send does: whether the write lands, and the error the
// sender sees.
type outcome struct {
	lands bool
	err   error
}

// then sets what the next sends do.
func (r *remote) then(outcomes ...outcome) { r.next = append(r.next, outcomes...) }

// landsButTimesOut is a send that is applied but whose answer is lost.
var landsButTimesOut = outcome{lands: true, err: errUncertain}

// fails is a send that is not applied and fails with err.
func fails(err error) outcome { return outcome{err: err} }

func (r *remote) effect(key string) *effect { return &effect{key: key, r: r} }

// effect is one write to the remote.
type effect struct {
	key string
	r   *remote
}

func (e *effect) Key() string  { return e.key }
func (e *effect) Kind() string { return "note" }
func (e *effect) Payload() any { return map[string]string{"value": "hello"} }

func (e *effect) Send(ctx context.Context) (string, error) {
	r := e.r
	n := r.sends.Add(1)
	if r.started != nil {
		r.startOnce.Do(func() { close(r.started) })
	}
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-ctx.Done():
			return "", fmt.Errorf("%w: %w", errUncertain, ctx.Err())
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	id := fmt.Sprintf("write-%d", n)
	if len(r.next) > 0 {
		o := r.next[0]
		r.next = r.next[1:]
		if o.lands {
			r.writes = append(r.writes, id)
		}
		return "", o.err
	}
	r.writes = append(r.writes, id)
	return id, nil
}

func (e *effect) Check(ctx context.Context) (bool, string, error) {
	e.r.checks.Add(1)
	e.r.mu.Lock()
	defer e.r.mu.Unlock()
	if len(e.r.writes) > 0 {
		return true, e.r.writes[0], nil
	}
	return false, "", nil
}

func (r *remote) written() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes)
}

// clock is the database's clock, moved forward by tests instead of sleeping.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

type bundle struct {
	db     *store.DB
	clock  *clock
	remote *remote
}

func setup(t *testing.T, cfg journal.Config) (*journal.Journal, *bundle) {
	t.Helper()
	t.Parallel()
	b := &bundle{db: storetest.Open(t), clock: &clock{}, remote: &remote{}}
	b.db.NowFunc = b.clock.now
	cfg.Store, cfg.ClassifyFunc = b.db, classify
	return journal.New(cfg), b
}

var subject = journal.Subject{ConnectionID: "acme", OpportunityID: "opp-1", OrderID: "ord-1"}

func (b *bundle) row(t *testing.T, key string) *domain.Effect {
	t.Helper()
	var row *domain.Effect
	if err := b.db.InTx(context.Background(), func(tx *store.Tx) (err error) { row, err = tx.EffectGet(context.Background(), key); return }); err != nil {
		t.Fatal(err)
	}
	return row
}

func (b *bundle) assert(t *testing.T, key, status string, attempts int, sends, checks, written int32) {
	t.Helper()
	row := b.row(t, key)
	if row.Status != status || row.Attempts != attempts {
		t.Errorf("entry %s: status %q after %d attempts, want %q after %d", key, row.Status, row.Attempts, status, attempts)
	}
	if row.Owner != "" || !row.LeaseUntil.IsZero() {
		t.Errorf("entry %s still held by %q until %s", key, row.Owner, row.LeaseUntil)
	}
	if got := b.remote.sends.Load(); got != sends {
		t.Errorf("%d sends, want %d", got, sends)
	}
	if got := b.remote.checks.Load(); got != checks {
		t.Errorf("%d checks, want %d", got, checks)
	}
	if got := b.remote.written(); got != int(written) {
		t.Errorf("%d writes on the remote side, want %d", got, written)
	}
}

// pending → sent → done: the write is sent once, and applying it again
// returns the recorded result without sending or checking.
func TestApplySendsOnceThenReturnsTheRecordedResult(t *testing.T) {
	j, b := setup(t, journal.Config{})
	ctx := context.Background()
	ef := b.remote.effect("ord-1:invited:note")
	for range 2 {
		res, err := j.Apply(ctx, subject, ef)
		if err != nil {
			t.Fatal(err)
		}
		if res != "write-1" {
			t.Fatalf("result %q, want write-1", res)
		}
	}
	b.assert(t, ef.key, domain.EffectDone, 1, 1, 0, 1)
	if row := b.row(t, ef.key); row.Result != "write-1" || row.ConnectionID != "acme" || row.OpportunityID != "opp-1" || row.OrderID != "ord-1" || string(row.Payload) != `{"value":"hello"}` {
		t.Errorf("entry %+v", row)
	}
}

// uncertain → checked → done: a send whose answer was lost but which landed
// is found by the next applier, which does not send again.
func TestApplyAfterAnUnknownOutcomeChecksAndFindsTheWrite(t *testing.T) {
	j, b := setup(t, journal.Config{})
	ctx := context.Background()
	ef := b.remote.effect("ord-1:invited:note")
	b.remote.then(landsButTimesOut)
	if _, err := j.Apply(ctx, subject, ef); !errors.Is(err, errUncertain) {
		t.Fatalf("first apply: %v, want the send's error", err)
	}
	b.assert(t, ef.key, domain.EffectSending, 1, 1, 0, 1)
	res, err := j.Apply(ctx, subject, ef)
	if err != nil || res != "write-1" {
		t.Fatalf("second apply: %q, %v; want the landed write-1", res, err)
	}
	b.assert(t, ef.key, domain.EffectDone, 1, 1, 1, 1)
}

// uncertain → checked → resent: a send that did not land after all is sent
// again once the check finds nothing.
func TestApplyAfterAnUnknownOutcomeChecksAndSendsAgain(t *testing.T) {
	j, b := setup(t, journal.Config{})
	ctx := context.Background()
	ef := b.remote.effect("ord-1:invited:note")
	b.remote.then(fails(fmt.Errorf("%w: connection reset", errUncertain)))
	if _, err := j.Apply(ctx, subject, ef); !errors.Is(err, errUncertain) {
		t.Fatalf("first apply: %v", err)
	}
	b.assert(t, ef.key, domain.EffectSending, 1, 1, 0, 0)
	res, err := j.Apply(ctx, subject, ef)
	if err != nil || res != "write-2" {
		t.Fatalf("second apply: %q, %v; want write-2", res, err)
	}
	b.assert(t, ef.key, domain.EffectDone, 2, 2, 1, 1)
}

// refused → failed: a write the other side refuses is never sent again, and
// later appliers are told why.
func TestApplyRefusedFailsForGood(t *testing.T) {
	j, b := setup(t, journal.Config{})
	ctx := context.Background()
	ef := b.remote.effect("ord-1:completed:form")
	b.remote.then(fails(fmt.Errorf("%w: form template has a required field", errRefused)))
	if _, err := j.Apply(ctx, subject, ef); !errors.Is(err, errRefused) {
		t.Fatalf("first apply: %v, want the refusal", err)
	}
	_, err := j.Apply(ctx, subject, ef)
	var failed *journal.FailedError
	if !errors.As(err, &failed) || failed.Kind != "note" || failed.LastError != "remote: bad request: form template has a required field" {
		t.Fatalf("second apply: %v, want the earlier refusal", err)
	}
	b.assert(t, ef.key, domain.EffectFailed, 1, 1, 0, 0)
}

// A send that certainly did not happen goes back to pending: the next applier
// sends without checking.
func TestApplyNotAppliedSendsAgainWithoutChecking(t *testing.T) {
	j, b := setup(t, journal.Config{})
	ctx := context.Background()
	ef := b.remote.effect("ord-1:invited:tag")
	b.remote.then(fails(errNotApplied))
	if _, err := j.Apply(ctx, subject, ef); !errors.Is(err, errNotApplied) {
		t.Fatalf("first apply: %v", err)
	}
	b.assert(t, ef.key, domain.EffectPending, 1, 1, 0, 0)
	if _, err := j.Apply(ctx, subject, ef); err != nil {
		t.Fatal(err)
	}
	b.assert(t, ef.key, domain.EffectDone, 2, 2, 0, 1)
}

// A crash between sending and recording leaves the entry sending and held.
// While the crashed owner's lease runs, appliers wait and neither check nor
// send; once it has run out, the next applier checks and does not send twice.
func TestApplyAfterACrashWaitsForTheLeaseThenChecks(t *testing.T) {
	for _, landed := range []bool{true, false} {
		t.Run(fmt.Sprintf("landed=%v", landed), func(t *testing.T) {
			const lease = time.Minute
			j, b := setup(t, journal.Config{Lease: lease, Wait: -1})
			ctx := context.Background()
			ef := b.remote.effect("int-1:form-template:Acme Assessment")
			// The crashed applier: claimed, marked sending, sent, gone.
			if _, err := b.db.EffectEnsure(ctx, &domain.Effect{Key: ef.key, ConnectionID: "acme", Kind: "form_template", Payload: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := b.db.EffectClaim(ctx, ef.key, "crashed", lease); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			if ok, err := b.db.EffectMarkSending(ctx, ef.key, "crashed"); err != nil || !ok {
				t.Fatalf("mark sending: %v %v", ok, err)
			}
			if landed {
				b.remote.writes = append(b.remote.writes, "write-0")
			}

			if _, err := j.Apply(ctx, subject, ef); !errors.Is(err, journal.ErrBusy) {
				t.Fatalf("apply during the lease: %v, want ErrBusy", err)
			}
			if s, c := b.remote.sends.Load(), b.remote.checks.Load(); s != 0 || c != 0 {
				t.Fatalf("during the lease: %d sends, %d checks; want none", s, c)
			}

			b.clock.advance(lease + time.Millisecond)
			res, err := j.Apply(ctx, subject, ef)
			if err != nil {
				t.Fatal(err)
			}
			if landed {
				if res != "write-0" {
					t.Errorf("result %q, want the crashed applier's write-0", res)
				}
				b.assert(t, ef.key, domain.EffectDone, 1, 0, 1, 1)
			} else {
				if res != "write-1" {
					t.Errorf("result %q, want write-1", res)
				}
				b.assert(t, ef.key, domain.EffectDone, 2, 1, 1, 1)
			}
		})
	}
}

// Many appliers of one shared entry at once (the form template every
// completed order of an integration uses): exactly one sends, none takes
// another's attempt in flight for a crashed one, and all get its result.
func TestApplyConcurrentAppliersOfOneEntrySendOnce(t *testing.T) {
	const appliers = 30
	j, b := setup(t, journal.Config{})
	b.remote.delay = 150 * time.Millisecond
	ef := b.remote.effect("int-1:form-template:Acme Assessment")
	ctx := context.Background()
	start := make(chan struct{})
	results := make([]string, appliers)
	errs := make([]error, appliers)
	var wg sync.WaitGroup
	for i := range appliers {
		wg.Go(func() {
			<-start
			for {
				// Each applier is a job of its own order; a busy entry is
				// tried again, as the queue does with a snoozed job.
				results[i], errs[i] = j.Apply(ctx, journal.Subject{ConnectionID: "acme", OrderID: fmt.Sprintf("ord-%d", i)}, ef)
				if !errors.Is(errs[i], journal.ErrBusy) {
					return
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for i := range appliers {
		if errs[i] != nil || results[i] != "write-1" {
			t.Errorf("applier %d: %q, %v; want write-1", i, results[i], errs[i])
		}
	}
	b.assert(t, ef.key, domain.EffectDone, 1, 1, 0, 1)
}

// A send that takes longer than the lease keeps its claim (the lease is
// renewed while it runs): another applier waits rather than taking it for
// a crashed one.
func TestApplyRenewsTheLeaseWhileSending(t *testing.T) {
	// The lease is renewed every third of it, so a renewal held up by a
	// busy machine for less than two thirds of it must not lose the claim.
	const lease = time.Second
	j, b := setup(t, journal.Config{Lease: lease, Wait: 10 * time.Second})
	b.remote.delay = 5 * lease / 2
	b.remote.started = make(chan struct{})
	ef := b.remote.effect("int-1:form-template:Acme Assessment")
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { _, err := j.Apply(ctx, subject, ef); first <- err }()
	<-b.remote.started
	// A second process's applier (its own journal: no in-process wake-up).
	other := journal.New(journal.Config{Store: b.db, ClassifyFunc: classify, Lease: lease, Wait: 10 * time.Second})
	res, err := other.Apply(ctx, subject, ef)
	if err != nil || res != "write-1" {
		t.Fatalf("second applier: %q, %v; want write-1", res, err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	b.assert(t, ef.key, domain.EffectDone, 1, 1, 0, 1)
}
