package queue_test

import (
	"context"
	"os"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// On PostgreSQL a job committed by one process wakes the runners of the
// others: the runner here polls every 30 s, yet runs a job inserted through
// another connection pool (as by another replica) at once, whether the job
// came from a transaction or from a batch of webhook deliveries.
func TestJobOfAnotherProcessWakesTheRunner(t *testing.T) {
	t.Parallel()
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("LISTEN/NOTIFY is PostgreSQL's; set " + storetest.EnvURL)
	}
	ctx := context.Background()
	dsn := storetest.DSN(t)
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn, storetest.Box(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	other, here := open(), open()
	if err := other.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const poll = 30 * time.Second
	r := queue.New(here, queue.Config{PollInterval: poll})
	ran := make(chan string, 2)
	queue.Register(r, func(ctx context.Context, j *queue.Job, a testArgs) error {
		ran <- a.Name
		return nil
	})
	start(t, r)
	// Idle: the first look at the table is done, and it began after the
	// runner was listening.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.WaitIdle(wctx); err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	enqueue(t, other, testArgs{Name: "from a transaction"}, nil)
	waitRun(t, ran, "from a transaction", began, poll)

	if err := other.InTx(ctx, func(tx *store.Tx) error {
		return tx.ConnectionCreate(ctx, &domain.Connection{ID: "acme", Name: "acme", Environment: "custom", AuthKind: "api_key"})
	}); err != nil {
		t.Fatal(err)
	}
	p, err := queue.Params(testArgs{Name: "from a webhook"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	began = time.Now()
	out, err := other.IngestDelivery(ctx, store.Delivery{
		Event: &domain.LeverEvent{ID: domain.NewID("evt"), ConnectionID: "acme", Event: "candidateStageChange", DedupeKey: "id:1", OpportunityID: "opp-1", TriggeredAt: 1, Payload: []byte(`{}`), Source: "webhook"},
		Token: "tok-1", TokenExpires: time.Now().Add(time.Hour), Job: p})
	if err != nil || out != store.DeliveryStored {
		t.Fatalf("ingest: %v %v", out, err)
	}
	waitRun(t, ran, "from a webhook", began, poll)
}

// waitRun waits for the job named want to run, for less than a third of
// the runner's poll interval: it must not have waited for the poll.
func waitRun(t *testing.T, ran <-chan string, want string, began time.Time, poll time.Duration) {
	t.Helper()
	select {
	case got := <-ran:
		if got != want {
			t.Fatalf("ran %q, want %q", got, want)
		}
	case <-time.After(poll / 3):
		t.Fatalf("the job %q inserted by another process did not run within %s of its commit (the runner polls every %s)", want, poll/3, poll)
	}
	t.Logf("%s: ran %s after the commit", want, time.Since(began).Round(time.Millisecond))
}
