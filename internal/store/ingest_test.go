package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

type routeArgs struct {
	EventID string `json:"eventId"`
}

func newDelivery(conn, token, dedupe, opp string) store.Delivery {
	id := domain.NewID("evt")
	return store.Delivery{
		Event: &domain.LeverEvent{ID: id, ConnectionID: conn, Event: "candidateStageChange", DedupeKey: dedupe,
			OpportunityID: opp, TriggeredAt: 1, Payload: []byte(`{}`), Source: "webhook"},
		Token: token, TokenExpires: time.Now().Add(time.Hour),
		Job: store.JobParams{Kind: "lever_event", QueueKey: "opp:" + conn + ":" + opp, Args: routeArgs{EventID: id}},
	}
}

type ingested struct {
	out store.DeliveryOutcome
	err error
}

// ingestAll stores deliveries at once, one goroutine each.
func ingestAll(db *store.DB, ds []store.Delivery) []ingested {
	out := make([]ingested, len(ds))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, d := range ds {
		wg.Go(func() {
			<-start
			o, err := db.IngestDelivery(context.Background(), d)
			out[i] = ingested{o, err}
		})
	}
	close(start)
	wg.Wait()
	return out
}

func createConnection(t *testing.T, db *store.DB, id string) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.ConnectionCreate(context.Background(), &domain.Connection{ID: id, Name: id, Environment: "custom", AuthKind: "api_key"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Deliveries stored at once are committed in fewer transactions than there
// are deliveries, and each gets its own outcome: an event new to the
// connection is stored with its job, a second delivery of an event (a new
// token, the same dedupe key) stores nothing but its token, and a token
// seen before stores nothing. The deliveries are held up by a transaction
// locking the tokens' table until all of them wait, as they do while a
// commit is under way.
func TestIngestDeliveryCommitsConcurrentDeliveriesTogether(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	createConnection(t, db, "acme")
	var ds []store.Delivery
	for i := range 60 {
		ds = append(ds, newDelivery("acme", fmt.Sprintf("tok-%d", i), fmt.Sprintf("id:ev-%d", i), fmt.Sprintf("opp-%d", i)))
	}
	ds = append(ds,
		newDelivery("acme", "redelivery-1", "id:ev-1", "opp-1"),
		newDelivery("acme", "redelivery-2", "id:ev-2", "opp-2"),
		newDelivery("acme", "tok-3", "id:ev-3", "opp-3"),
		newDelivery("acme", "tok-4", "id:ev-other", "opp-4"))

	ctx := context.Background()
	// On SQLite the transaction begins immediate and holds the write lock.
	hold, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if db.Dialect() == store.Postgres {
		if _, err := hold.Exec(`LOCK TABLE lever_webhook_tokens IN EXCLUSIVE MODE`); err != nil {
			t.Fatal(err)
		}
	}
	results := make(chan []ingested, 1)
	go func() { results <- ingestAll(db, ds) }()
	waitFor(t, "every delivery to wait for its commit", func() bool { return db.IngestStats().Waiting == int64(len(ds)) })
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	res := <-results

	got := map[store.DeliveryOutcome]int{}
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("delivery %d: %v", i, r.err)
		}
		got[r.out]++
	}
	want := map[store.DeliveryOutcome]int{store.DeliveryStored: 60, store.DeliveryDuplicate: 2, store.DeliveryReplayed: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outcomes (stored, duplicate, replayed) %v, want %v", got, want)
	}
	st := db.IngestStats()
	if st.Deliveries != int64(len(ds)) || st.Batches >= st.Deliveries {
		t.Errorf("%d deliveries committed in %d transactions; want all %d in fewer", st.Deliveries, st.Batches, len(ds))
	}

	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		jobs, err := tx.JobList(ctx, store.JobFilter{Limit: 1000})
		if err != nil {
			return err
		}
		if len(jobs) != 60 {
			t.Errorf("%d jobs, want 60", len(jobs))
		}
		for _, j := range jobs {
			var a routeArgs
			if err := json.Unmarshal(j.Args, &a); err != nil {
				return err
			}
			ev, err := tx.LeverEventGet(ctx, a.EventID)
			if err != nil {
				return fmt.Errorf("job %d names event %s: %w", j.ID, a.EventID, err)
			}
			if j.Kind != "lever_event" || j.QueueKey != "opp:acme:"+ev.OpportunityID || j.Status != domain.JobAvailable || j.MaxAttempts != 25 {
				t.Errorf("job %d: kind %s queue %s status %s attempts %d", j.ID, j.Kind, j.QueueKey, j.Status, j.MaxAttempts)
			}
		}
		n, err := tx.WebhookTokenCount(ctx, "acme")
		if n != 62 {
			t.Errorf("%d tokens kept, want 62", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A delivery the database refuses fails alone, and the others committed
// with it are stored. With the database closed every delivery fails.
func TestIngestDeliveryFailsOnlyTheRefusedDelivery(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	createConnection(t, db, "acme")
	var ds []store.Delivery
	for i := range 40 {
		ds = append(ds, newDelivery("acme", fmt.Sprintf("tok-%d", i), fmt.Sprintf("id:ev-%d", i), fmt.Sprintf("opp-%d", i)))
	}
	// A second event with the first one's id breaks its primary key.
	bad := newDelivery("acme", "tok-bad", "id:ev-bad", "opp-bad")
	bad.Event.ID = ds[0].Event.ID
	ds = append(ds, bad)
	res := ingestAll(db, ds)
	for i, r := range res[1:40] {
		if r.err != nil || r.out != store.DeliveryStored {
			t.Errorf("delivery %d: %v %v, want stored", i+1, r.out, r.err)
		}
	}
	// Which of the two with one id was stored first depends on the order
	// of arrival: exactly one of them fails.
	failed := 0
	for _, r := range res {
		if r.err != nil {
			failed++
		}
	}
	if failed != 1 || res[0].err == nil && res[40].err == nil {
		t.Errorf("%d deliveries failed, want only one of the two with one event id", failed)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM lever_events`).Scan(&n); err != nil || n != 40 {
		t.Errorf("%d events stored (%v), want 40", n, err)
	}

	if err := db.SQL().Close(); err != nil {
		t.Fatal(err)
	}
	for i, r := range ingestAll(db, []store.Delivery{newDelivery("acme", "late-1", "id:late-1", "opp-1"), newDelivery("acme", "late-2", "id:late-2", "opp-2")}) {
		if r.err == nil {
			t.Errorf("delivery %d with the database closed: no error", i)
		}
	}
}

// Delivery tokens are kept until their time passes, then deleted by a
// later batch: the table does not grow without bound.
func TestIngestDeliveryDeletesExpiredTokens(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	createConnection(t, db, "acme")
	now := time.Now()
	db.NowFunc = func() time.Time { return now }
	ctx := context.Background()
	old := newDelivery("acme", "tok-old", "id:ev-old", "opp-1")
	old.TokenExpires = now.Add(time.Hour)
	if out, err := db.IngestDelivery(ctx, old); err != nil || out != store.DeliveryStored {
		t.Fatalf("first delivery: %v %v", out, err)
	}
	now = now.Add(2 * time.Hour)
	if out, err := db.IngestDelivery(ctx, newDelivery("acme", "tok-new", "id:ev-new", "opp-2")); err != nil || out != store.DeliveryStored {
		t.Fatalf("second delivery: %v %v", out, err)
	}
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		n, err := tx.WebhookTokenCount(ctx, "acme")
		if n != 1 {
			t.Errorf("%d tokens kept, want only the unexpired one", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// waitFor waits until cond holds, looking every millisecond, for at most
// 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
