package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	ok, err := db.SchemaUpToDate(ctx)
	if err != nil || !ok {
		t.Fatalf("SchemaUpToDate = %v, %v", ok, err)
	}
}

func TestConnectionCredentialsAreSealedAtRest(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	c := &domain.Connection{ID: "acme", Name: "Acme", Environment: "custom", AuthKind: "api_key", Credentials: domain.Credentials{APIKey: "very-secret-lever-key"}}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConnectionCreate(ctx, c); err != nil {
			return err
		}
		return tx.ConnectionWebhookPut(ctx, &domain.ConnectionWebhook{ConnectionID: "acme", Event: "*", SigningToken: "signing-token-123"})
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw, rawTok []byte
	if err := db.SQL().QueryRow(`SELECT credentials FROM connections`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT signing_token FROM connection_webhooks`).Scan(&rawTok); err != nil {
		t.Fatal(err)
	}
	if containsBytes(raw, "very-secret") || containsBytes(rawTok, "signing-token") {
		t.Fatal("a secret is stored in plain text")
	}
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		got, err := tx.ConnectionGet(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if got.Credentials.APIKey != "very-secret-lever-key" {
			t.Fatalf("APIKey = %q", got.Credentials.APIKey)
		}
		ws, err := tx.ConnectionWebhookList(ctx, "acme")
		if err != nil || len(ws) != 1 || ws[0].SigningToken != "signing-token-123" {
			t.Fatalf("webhooks = %+v, %v", ws, err)
		}
		if err := tx.ConnectionCreate(ctx, c); !store.IsConflict(err) {
			t.Fatalf("second create: %v, want conflict", err)
		}
		return nil
	})
}

func containsBytes(b []byte, s string) bool {
	return len(b) > 0 && string(b) != "" && contains(string(b), s)
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestLeverEventDedupe(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	mk := func(id string) *domain.LeverEvent {
		return &domain.LeverEvent{ID: id, ConnectionID: "c", Event: "candidateStageChange", DedupeKey: "k1", TriggeredAt: 1, Payload: json.RawMessage(`{}`), Source: "webhook"}
	}
	var first, second bool
	_ = db.InTx(ctx, func(tx *store.Tx) (err error) { first, err = tx.LeverEventInsert(ctx, mk("e1")); return })
	_ = db.InTx(ctx, func(tx *store.Tx) (err error) { second, err = tx.LeverEventInsert(ctx, mk("e2")); return })
	if !first || second {
		t.Fatalf("inserted = %v, %v; want true, false", first, second)
	}
}

func TestOneLiveOrderPerOpportunity(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	mk := func(id string) *domain.Order {
		return &domain.Order{ID: id, IntegrationID: "i", ConnectionID: "c", ProviderID: "p", PackageID: "pk", PackageName: "P", OpportunityID: "o", Status: domain.OrderCreated}
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OrderInsert(ctx, mk("o1")) }); err != nil {
		t.Fatal(err)
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OrderInsert(ctx, mk("o2")) }); !store.IsConflict(err) {
		t.Fatalf("second live order: %v, want conflict", err)
	}
	// Once cancelled, a new order may be placed.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		o, err := tx.OrderGet(ctx, "o1")
		if err != nil {
			return err
		}
		o.Status = domain.OrderCancelled
		if err := tx.OrderUpdate(ctx, o); err != nil {
			return err
		}
		return tx.OrderInsert(ctx, mk("o3"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOrderListPaginates(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for i := 0; i < 7; i++ {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.OrderInsert(ctx, &domain.Order{ID: fmt.Sprintf("o%d", i), IntegrationID: "i", ConnectionID: "c", ProviderID: "p", PackageID: "pk", PackageName: "P", OpportunityID: fmt.Sprintf("opp%d", i), Status: domain.OrderCreated})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		var page []*domain.Order
		var next string
		err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			page, next, err = tx.OrderList(ctx, store.OrderFilter{ProviderID: "p", Cursor: cursor, Limit: 3})
			return
		})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page {
			if seen[o.ID] {
				t.Fatalf("order %s on two pages", o.ID)
			}
			seen[o.ID] = true
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != 7 || pages != 3 {
		t.Fatalf("saw %d orders on %d pages, want 7 on 3", len(seen), pages)
	}
}

func TestJobClaimKeepsQueueOrderAndUniqueness(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < 3; i++ {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", QueueKey: "opp-1", Args: i}); err != nil {
				return err
			}
		}
		if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", QueueKey: "opp-2", Args: 9, UniqueKey: "u"}); err != nil {
			return err
		}
		ok, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", QueueKey: "opp-2", Args: 9, UniqueKey: "u"})
		if ok {
			t.Error("a job with a taken unique key was inserted")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := db.JobClaim(ctx, "w1", 10, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Fatalf("claimed %d jobs, want 2 (the head of each queue)", len(jobs))
	}
	if string(jobs[0].Args) != "0" {
		t.Fatalf("first job args = %s, want 0", jobs[0].Args)
	}
	// The second job of opp-1 waits for the first.
	more, _ := db.JobClaim(ctx, "w1", 10, time.Now(), time.Minute)
	if len(more) != 0 {
		t.Fatalf("claimed %d more, want 0 while the heads run", len(more))
	}
	if err := db.JobFinish(ctx, jobs[0].ID, "w1", domain.JobDone, time.Now(), "", true); err != nil {
		t.Fatal(err)
	}
	more, _ = db.JobClaim(ctx, "w1", 10, time.Now(), time.Minute)
	if len(more) != 1 || string(more[0].Args) != "1" {
		t.Fatalf("after finishing the head, claimed %v", more)
	}
}

func TestJobLeaseExpiryReclaims(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", Args: 1})
		return err
	})
	jobs, _ := db.JobClaim(ctx, "dead-worker", 1, time.Now(), time.Millisecond)
	if len(jobs) != 1 {
		t.Fatal("no job claimed")
	}
	time.Sleep(5 * time.Millisecond)
	again, err := db.JobClaim(ctx, "w2", 1, time.Now(), time.Minute)
	if err != nil || len(again) != 1 || again[0].Attempt != 2 {
		t.Fatalf("reclaim = %+v, %v", again, err)
	}
	// The dead worker's late finish does not overwrite the new lease.
	_ = db.JobFinish(ctx, jobs[0].ID, "dead-worker", domain.JobDone, time.Now(), "", true)
	counts, _ := db.JobCounts(ctx)
	if counts[domain.JobRunning] != 1 {
		t.Fatalf("counts = %v, want one running", counts)
	}
}

func TestJobClaimConcurrentWorkersNeverShareAJob(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < 60; i++ {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", QueueKey: fmt.Sprintf("q%d", i%20), Args: i}); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			name := fmt.Sprintf("w%d", w)
			for {
				jobs, err := db.JobClaim(ctx, name, 5, time.Now(), time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					n, _ := db.JobPending(ctx)
					if n == 0 {
						return
					}
					time.Sleep(time.Millisecond)
					continue
				}
				for _, j := range jobs {
					mu.Lock()
					if prev, ok := seen[j.ID]; ok {
						t.Errorf("job %d claimed by %s and %s", j.ID, prev, name)
					}
					seen[j.ID] = name
					mu.Unlock()
					_ = db.JobFinish(ctx, j.ID, name, domain.JobDone, time.Now(), "", true)
				}
			}
		}(w)
	}
	wg.Wait()
	if len(seen) != 60 {
		t.Fatalf("ran %d jobs, want 60", len(seen))
	}
}

func TestRateTakeSharesOneBucket(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	granted := 0
	for i := 0; i < 30; i++ {
		w, err := db.RateTake(ctx, "conn", 10, 20)
		if err != nil {
			t.Fatal(err)
		}
		if w == 0 {
			granted++
		}
	}
	// 20 from the burst, and perhaps one or two refilled while the loop ran.
	if granted < 20 || granted > 23 {
		t.Fatalf("granted %d of 30 immediate tokens, want about 20", granted)
	}
}

func TestIdempotencyRoundTrip(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		got, err := tx.IdempotencyGet(ctx, "p", "k")
		if err != nil || got != nil {
			t.Fatalf("before put: %v, %v", got, err)
		}
		if err := tx.IdempotencyPut(ctx, "p", "k", store.IdempotentResponse{RequestHash: "h", Status: 200, Body: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		got, err = tx.IdempotencyGet(ctx, "p", "k")
		if err != nil || got == nil || got.Status != 200 || got.RequestHash != "h" {
			t.Fatalf("after put: %+v, %v", got, err)
		}
		return nil
	})
}

// A take that read the clock before another process refilled the bucket
// (it waited for the bucket's lock) must not wind the bucket's time back:
// that would hand out the same refill again on the next take.
func TestRateTakeNeverWindsTheBucketBack(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	db.NowFunc = func() time.Time { return now }
	take := func() time.Duration {
		t.Helper()
		w, err := db.RateTake(ctx, "conn", 10, 20)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for i := 0; i < 20; i++ {
		if w := take(); w != 0 {
			t.Fatalf("take %d of the burst waited %s", i, w)
		}
	}
	if w := take(); w == 0 {
		t.Fatal("a 21st take in the same instant was granted")
	}
	now = now.Add(-time.Second) // a late reading of the clock
	if w := take(); w == 0 {
		t.Fatal("a take with an earlier clock was granted")
	}
	now = now.Add(time.Second) // back to the bucket's time: nothing has refilled
	if w := take(); w == 0 {
		t.Fatal("a take was granted from refill that never happened")
	}
}

// Takers on two handles of one database (two processes, as far as the
// database can tell), each waiting as told: over two seconds the bucket
// hands out its burst and the refill, never more. A bucket that refilled to
// 0.9999999999999999 of a token must answer "wait", not "go".
func TestRateTakeHoldsUnderContention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.DSN(t)
	var dbs []*store.DB
	for i := 0; i < 2; i++ {
		db, err := store.Open(ctx, dsn, storetest.Box(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if i == 0 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		}
		dbs = append(dbs, db)
	}
	const rate, burst = 10.0, 20
	var granted atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	stop := start.Add(2 * time.Second)
	for _, db := range dbs {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					w, err := db.RateTake(ctx, "conn", rate, burst)
					if err != nil {
						t.Error(err)
						return
					}
					if w == 0 {
						granted.Add(1)
					} else {
						time.Sleep(w)
					}
				}
			}()
		}
	}
	wg.Wait()
	allowed := burst + int(rate*time.Since(start).Seconds())
	if n := int(granted.Load()); n > allowed || n < burst {
		t.Fatalf("granted %d tokens in %s; the bucket allows %d", n, time.Since(start).Round(time.Millisecond), allowed)
	}
}

// JobWake makes the jobs snoozed for a reason due now, and leaves others
// waiting.
func TestJobWakeSnoozedForAReason(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		for _, k := range []string{"held", "other"} {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: k, Args: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	jobs, err := db.JobClaim(ctx, "w", 2, time.Now(), time.Minute)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim = %v, %v", jobs, err)
	}
	later := time.Now().Add(time.Hour)
	for _, j := range jobs {
		reason := "snoozed for 1h0m0s: connection broken: waiting for it to be reconnected"
		if j.Kind == "other" {
			reason = "snoozed for 1h0m0s: provider has no webhook URL yet"
		}
		if err := db.JobFinish(ctx, j.ID, "w", domain.JobAvailable, later, reason, false); err != nil {
			t.Fatal(err)
		}
	}
	if due, _ := db.JobClaim(ctx, "w", 2, time.Now(), time.Minute); len(due) != 0 {
		t.Fatalf("%d jobs due before the wake", len(due))
	}
	var n int64
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) { n, err = tx.JobWake(ctx, "connection broken"); return }); err != nil || n != 1 {
		t.Fatalf("JobWake = %d, %v; want 1", n, err)
	}
	due, err := db.JobClaim(ctx, "w", 2, time.Now(), time.Minute)
	if err != nil || len(due) != 1 || due[0].Kind != "held" {
		t.Fatalf("due after the wake = %+v, %v; want the held job only", due, err)
	}
}

// An integration keeps when it was activated and when its trigger stage
// last changed (what the sweep for missed webhooks counts from); one
// created enabled is activated at creation.
func TestIntegrationKeepsActivationAndTriggerChangeTimes(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.UnixMilli(1_800_000_000_000).UTC()
	db.NowFunc = func() time.Time { return now }
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConnectionCreate(ctx, &domain.Connection{ID: "acme", Name: "Acme", Environment: "custom", AuthKind: "api_key"}); err != nil {
			return err
		}
		for _, id := range []string{"p1", "p2"} {
			if err := tx.ProviderCreate(ctx, &domain.Provider{ID: id, Name: id, Kind: domain.KindAssessment, APIKeyHash: id}); err != nil {
				return err
			}
		}
		if err := tx.IntegrationCreate(ctx, &domain.Integration{ID: "on", ConnectionID: "acme", ProviderID: "p1", Settings: []byte("{}"), Enabled: true}); err != nil {
			return err
		}
		return tx.IntegrationCreate(ctx, &domain.Integration{ID: "draft", ConnectionID: "acme", ProviderID: "p2", Settings: []byte("{}")})
	})
	if err != nil {
		t.Fatal(err)
	}
	get := func(id string) *domain.Integration {
		t.Helper()
		var in *domain.Integration
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, id); return }); err != nil {
			t.Fatal(err)
		}
		return in
	}
	if on, draft := get("on"), get("draft"); !on.ActivatedAt.Equal(now) || !draft.ActivatedAt.IsZero() || !draft.TriggerChangedAt.IsZero() {
		t.Fatalf("activated at: enabled %v, draft %v (trigger changed %v)", on.ActivatedAt, draft.ActivatedAt, draft.TriggerChangedAt)
	}
	later := now.Add(time.Hour)
	draft := get("draft")
	draft.Enabled, draft.ActivatedAt, draft.TriggerChangedAt = true, later, later.Add(time.Minute)
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.IntegrationUpdate(ctx, draft) }); err != nil {
		t.Fatal(err)
	}
	if got := get("draft"); !got.Enabled || !got.ActivatedAt.Equal(later) || !got.TriggerChangedAt.Equal(later.Add(time.Minute)) {
		t.Fatalf("after update: enabled %v, activated %v, trigger changed %v", got.Enabled, got.ActivatedAt, got.TriggerChangedAt)
	}
}
