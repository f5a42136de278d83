package queue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

func setup(t *testing.T) (*store.DB, *queue.Runner) {
	t.Helper()
	db := storetest.Open(t)
	r := queue.New(db, queue.Config{Workers: 4, PollInterval: 5 * time.Millisecond, BaseBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, Lease: time.Second})
	return db, r
}

func start(t *testing.T, r *queue.Runner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// testArgs are the arguments of the tests' jobs.
type testArgs struct {
	Name string `json:"name"`
	Key  string `json:"-"`
}

func (testArgs) Kind() string       { return "test" }
func (a testArgs) QueueKey() string { return a.Key }

func enqueue(t *testing.T, db *store.DB, args queue.Args, opts *queue.InsertOpts) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := queue.Insert(context.Background(), tx, args, opts)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRetriesThenDeadLetters(t *testing.T) {
	t.Parallel()
	db, r := setup(t)
	var mu sync.Mutex
	runs := 0
	queue.Register(r, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		return errors.New("lever is down")
	})
	start(t, r)
	enqueue(t, db, testArgs{}, &queue.InsertOpts{MaxAttempts: 3})
	waitFor(t, "a dead job", func() bool {
		c, _ := db.JobCounts(context.Background())
		return c[domain.JobDead] == 1
	})
	mu.Lock()
	defer mu.Unlock()
	if runs != 3 {
		t.Fatalf("ran %d times, want 3", runs)
	}
	var dead []*domain.Job
	_ = db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		dead, err = tx.JobList(context.Background(), store.JobFilter{Status: domain.JobDead})
		return
	})
	if len(dead) != 1 || dead[0].LastError != "lever is down" {
		t.Fatalf("dead = %+v", dead)
	}
}

func TestCancelDeadLettersAtOnceAndRetryDeadRunsAgain(t *testing.T) {
	t.Parallel()
	db, r := setup(t)
	var mu sync.Mutex
	runs := 0
	queue.Register(r, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs == 1 {
			return queue.Cancel(errors.New("400 bad request"))
		}
		return nil
	})
	start(t, r)
	enqueue(t, db, testArgs{}, nil)
	waitFor(t, "dead", func() bool { c, _ := db.JobCounts(context.Background()); return c[domain.JobDead] == 1 })
	_ = db.InTx(context.Background(), func(tx *store.Tx) error {
		jobs, _ := tx.JobList(context.Background(), store.JobFilter{Status: domain.JobDead})
		return tx.JobRetryDead(context.Background(), jobs[0].ID)
	})
	r.Notify()
	waitFor(t, "done", func() bool { c, _ := db.JobCounts(context.Background()); return c[domain.JobDone] == 1 })
}

func TestJobsOfOneKeyRunInOrder(t *testing.T) {
	t.Parallel()
	db, r := setup(t)
	var mu sync.Mutex
	var order []string
	failedOnce := false
	queue.Register(r, func(ctx context.Context, j *queue.Job, args testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		// The first event fails once: the second must still wait for it.
		if args.Name == "a" && !failedOnce {
			failedOnce = true
			return errors.New("transient")
		}
		order = append(order, args.Name)
		return nil
	})
	for _, a := range []string{"a", "b", "c"} {
		enqueue(t, db, testArgs{Name: a, Key: "conn:opp"}, nil)
	}
	start(t, r)
	waitFor(t, "three done", func() bool { c, _ := db.JobCounts(context.Background()); return c[domain.JobDone] == 3 })
	mu.Lock()
	defer mu.Unlock()
	if got := order; len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Fatalf("order = %v, want a b c", got)
	}
}

func TestSnoozeDoesNotCountAnAttempt(t *testing.T) {
	t.Parallel()
	db, r := setup(t)
	var mu sync.Mutex
	runs := 0
	queue.Register(r, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs < 4 {
			return queue.Snooze(time.Millisecond, "connection broken")
		}
		return nil
	})
	start(t, r)
	enqueue(t, db, testArgs{}, &queue.InsertOpts{MaxAttempts: 1})
	waitFor(t, "done", func() bool { c, _ := db.JobCounts(context.Background()); return c[domain.JobDone] == 1 })
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// setupClock is setup with the runner on a fake clock a minute ahead of the
// store's (so that jobs inserted now are due), and hour-long backoff and
// lease: only moving the clock makes a retry due or a lease run out.
func setupClock(t *testing.T, db *store.DB, name string, clock *fakeClock) *queue.Runner {
	t.Helper()
	return queue.New(db, queue.Config{Workers: 2, PollInterval: time.Hour, BaseBackoff: time.Hour, MaxBackoff: 4 * time.Hour, Lease: time.Hour, Name: name, NowFunc: clock.Now})
}

func waitIdle(t *testing.T, r *queue.Runner) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.WaitIdle(ctx); err != nil {
		t.Fatalf("the queue did not become idle: %v", err)
	}
}

func jobs(t *testing.T, db *store.DB) []*domain.Job {
	t.Helper()
	var out []*domain.Job
	if err := db.InTx(context.Background(), func(tx *store.Tx) (err error) {
		out, err = tx.JobList(context.Background(), store.JobFilter{})
		return
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// A failed job's retry is scheduled on the runner's clock, and runs when
// that clock (not the wall clock) reaches it.
func TestRetryIsScheduledOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := &fakeClock{now: time.Now().Add(time.Minute).Truncate(time.Millisecond)}
	r := setupClock(t, db, "w", clock)
	var mu sync.Mutex
	runs := 0
	queue.Register(r, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs == 1 {
			return errors.New("lever is down")
		}
		return nil
	})
	start(t, r)
	enqueue(t, db, testArgs{Name: "retry"}, nil)
	waitIdle(t, r)
	js := jobs(t, db)
	if len(js) != 1 || js[0].Status != domain.JobAvailable || js[0].LastError != "lever is down" {
		t.Fatalf("after the failure: %+v, want one job waiting for its retry", js)
	}
	// BaseBackoff (1h) with ±25% jitter, from the runner's clock.
	if d := js[0].RunAt.Sub(clock.Now()); d < 45*time.Minute || d > 75*time.Minute {
		t.Fatalf("retry due in %s on the runner's clock, want 1h±25%%", d)
	}
	waitIdle(t, r)
	mu.Lock()
	if runs != 1 {
		t.Fatalf("ran %d times before the retry was due, want 1", runs)
	}
	mu.Unlock()
	clock.Add(76 * time.Minute)
	waitIdle(t, r)
	mu.Lock()
	defer mu.Unlock()
	if js := jobs(t, db); runs != 2 || js[0].Status != domain.JobDone || js[0].Attempt != 2 {
		t.Fatalf("after the clock passed the retry: ran %d times, job %+v; want 2 and done on attempt 2", runs, js[0])
	}
}

// A snooze is measured on the runner's clock too.
func TestSnoozeIsScheduledOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := &fakeClock{now: time.Now().Add(time.Minute).Truncate(time.Millisecond)}
	r := setupClock(t, db, "w", clock)
	var mu sync.Mutex
	runs := 0
	queue.Register(r, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs == 1 {
			return queue.Snooze(10*time.Minute, "connection broken")
		}
		return nil
	})
	start(t, r)
	enqueue(t, db, testArgs{}, nil)
	waitIdle(t, r)
	if js := jobs(t, db); js[0].RunAt.Sub(clock.Now()) != 10*time.Minute {
		t.Fatalf("snoozed until %s, want the runner's clock + 10m (%s)", js[0].RunAt, clock.Now().Add(10*time.Minute))
	}
	clock.Add(10 * time.Minute)
	waitIdle(t, r)
	if js := jobs(t, db); js[0].Status != domain.JobDone || js[0].Attempt != 1 {
		t.Fatalf("after the snooze: %+v, want done on attempt 1", js[0])
	}
}

// A runner that stops renewing its lease (a stuck or killed process) loses
// the job once the lease runs out on the clock; another runner takes it,
// and the first one's late outcome is ignored.
func TestLeaseRunsOutOnTheInjectedClock(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := &fakeClock{now: time.Now().Add(time.Minute).Truncate(time.Millisecond)}
	stuck := setupClock(t, db, "stuck", clock)
	started, release := make(chan struct{}), make(chan struct{})
	queue.Register(stuck, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		close(started)
		<-release
		return errors.New("late failure of a worker whose lease ran out")
	})
	start(t, stuck)
	enqueue(t, db, testArgs{}, nil)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first runner never took the job")
	}
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})

	other := setupClock(t, db, "other", clock)
	var took []int
	var mu sync.Mutex
	queue.Register(other, func(ctx context.Context, j *queue.Job, _ testArgs) error {
		mu.Lock()
		defer mu.Unlock()
		took = append(took, j.Attempt)
		return nil
	})
	start(t, other)
	waitIdle(t, other)
	mu.Lock()
	if len(took) != 0 {
		t.Fatalf("the second runner took a job still leased")
	}
	mu.Unlock()
	clock.Add(time.Hour + time.Second)
	waitIdle(t, other)
	mu.Lock()
	if len(took) != 1 || took[0] != 2 {
		t.Fatalf("second runner ran attempts %v, want [2]", took)
	}
	mu.Unlock()
	close(release)
	waitIdle(t, stuck)
	if js := jobs(t, db); js[0].Status != domain.JobDone || js[0].LastError != "" {
		t.Fatalf("job = %+v, want done by the second runner, the late failure ignored", js[0])
	}
}

// WaitIdle returns once the jobs inserted before it, and the jobs they
// inserted, have run; not while one runs; and a job due later does not
// hold it.
func TestWaitIdle(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	clock := &fakeClock{now: time.Now().Add(time.Minute).Truncate(time.Millisecond)}
	r := setupClock(t, db, "w", clock)
	block := make(chan struct{})
	var mu sync.Mutex
	var ran []string
	queue.Register(r, func(ctx context.Context, j *queue.Job, args testArgs) error {
		if args.Name == "blocked" {
			<-block
		}
		mu.Lock()
		ran = append(ran, args.Name)
		mu.Unlock()
		if args.Name == "parent" {
			return db.InTx(ctx, func(tx *store.Tx) error {
				_, err := queue.Insert(ctx, tx, testArgs{Name: "child"}, nil)
				return err
			})
		}
		return nil
	})
	start(t, r)
	// The poll interval is an hour: WaitIdle itself must wake the runner.
	enqueue(t, db, testArgs{Name: "parent"}, nil)
	enqueue(t, db, testArgs{Name: "later"}, &queue.InsertOpts{RunAt: clock.Now().Add(time.Hour)})
	waitIdle(t, r)
	mu.Lock()
	if len(ran) != 2 || ran[0] != "parent" || ran[1] != "child" {
		t.Fatalf("ran %v when idle, want [parent child] (the later job not yet)", ran)
	}
	mu.Unlock()

	enqueue(t, db, testArgs{Name: "blocked"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := r.WaitIdle(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitIdle while a job runs = %v, want the deadline", err)
	}
	close(block)
	waitIdle(t, r)
	clock.Add(time.Hour)
	waitIdle(t, r)
	mu.Lock()
	defer mu.Unlock()
	if len(ran) != 4 || ran[2] != "blocked" || ran[3] != "later" {
		t.Fatalf("ran %v, want the blocked job, then the later one once due", ran)
	}
}
