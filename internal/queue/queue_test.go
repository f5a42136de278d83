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

func enqueue(t *testing.T, db *store.DB, p store.JobParams) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.JobInsert(context.Background(), p)
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
	r.Register("flaky", func(ctx context.Context, j *domain.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		return errors.New("lever is down")
	})
	start(t, r)
	enqueue(t, db, store.JobParams{Kind: "flaky", Args: 1, MaxAttempts: 3})
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
	r.Register("k", func(ctx context.Context, j *domain.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs == 1 {
			return queue.Cancel(errors.New("400 bad request"))
		}
		return nil
	})
	start(t, r)
	enqueue(t, db, store.JobParams{Kind: "k", Args: 1})
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
	r.Register("ev", func(ctx context.Context, j *domain.Job) error {
		mu.Lock()
		defer mu.Unlock()
		// The first event fails once: the second must still wait for it.
		if string(j.Args) == `"a"` && !failedOnce {
			failedOnce = true
			return errors.New("transient")
		}
		order = append(order, string(j.Args))
		return nil
	})
	for _, a := range []string{"a", "b", "c"} {
		enqueue(t, db, store.JobParams{Kind: "ev", QueueKey: "conn:opp", Args: a})
	}
	start(t, r)
	waitFor(t, "three done", func() bool { c, _ := db.JobCounts(context.Background()); return c[domain.JobDone] == 3 })
	mu.Lock()
	defer mu.Unlock()
	if got := order; len(got) != 3 || got[0] != `"a"` || got[1] != `"b"` || got[2] != `"c"` {
		t.Fatalf("order = %v, want a b c", got)
	}
}

func TestSnoozeDoesNotCountAnAttempt(t *testing.T) {
	t.Parallel()
	db, r := setup(t)
	var mu sync.Mutex
	runs := 0
	r.Register("s", func(ctx context.Context, j *domain.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs < 4 {
			return queue.Snooze(time.Millisecond, "connection broken")
		}
		return nil
	})
	start(t, r)
	enqueue(t, db, store.JobParams{Kind: "s", Args: 1, MaxAttempts: 1})
	waitFor(t, "done", func() bool { c, _ := db.JobCounts(context.Background()); return c[domain.JobDone] == 1 })
}
