package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// A purge replaces every stored Idempotency-Key answer that names the
// candidate's order (on SQLite too, where the body is a BLOB), drops the
// webhooks about the order whatever their state, and leaves another
// candidate's records alone.
func TestCandidatePurgeReachesAnswersAndWebhooks(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	mk := func(id, opp, name string) *domain.Order {
		return &domain.Order{ID: id, IntegrationID: "i", ConnectionID: "c", ProviderID: "p", PackageID: "pk", PackageName: "P", OpportunityID: opp,
			Status: domain.OrderCompleted, Candidate: domain.Candidate{Name: name, Email: strings.ToLower(name) + "@example.com"},
			Result: json.RawMessage(`{"score":1,"maxScore":2,"result":"` + name + ` did well"}`)}
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, o := range []*domain.Order{mk("ord_gone", "opp-gone", "Wilhelmina"), mk("ord_kept", "opp-kept", "Bartholomew")} {
			if err := tx.OrderInsert(ctx, o); err != nil {
				return err
			}
			body, _ := json.Marshal(map[string]any{"id": o.ID, "candidate": o.Candidate})
			if err := tx.IdempotencyPut(ctx, "p", "key-"+o.ID, store.IdempotentResponse{RequestHash: "h", Status: 201, Body: body}); err != nil {
				return err
			}
			for _, status := range []string{domain.JobAvailable, domain.JobDone} {
				if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "provider_webhook", QueueKey: "hook:p:order:" + o.ID, Args: map[string]any{"status": status, "name": o.Candidate.Name}}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var stats store.PurgeStats
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) { stats, err = tx.CandidatePurge(ctx, "c", "opp-gone"); return }); err != nil {
		t.Fatal(err)
	}
	if stats.Orders != 1 || stats.Messages != 2 || stats.Answers != 1 {
		t.Errorf("stats = %+v, want 1 order, 2 webhooks, 1 answer", stats)
	}
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		gone, err := tx.IdempotencyGet(ctx, "p", "key-ord_gone")
		if err != nil || gone == nil {
			t.Fatalf("the purged key: %v, %v; want it kept, so that a replay is not run again", gone, err)
		}
		if gone.Status != 410 || strings.Contains(string(gone.Body), "Wilhelmina") {
			t.Errorf("purged answer = %d %s, want 410 without the name", gone.Status, gone.Body)
		}
		kept, err := tx.IdempotencyGet(ctx, "p", "key-ord_kept")
		if err != nil || kept == nil || kept.Status != 201 || !strings.Contains(string(kept.Body), "Bartholomew") {
			t.Errorf("another candidate's answer = %+v, %v; want it untouched", kept, err)
		}
		o, err := tx.OrderGet(ctx, "ord_gone")
		if err != nil {
			t.Fatal(err)
		}
		if o.Candidate != (domain.Candidate{}) || o.Result != nil || o.Status != domain.OrderCompleted {
			t.Errorf("purged order = %+v %s, want no candidate, no result, status kept", o.Candidate, o.Result)
		}
		return nil
	})
	var left int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE queue_key = 'hook:p:order:ord_gone'`).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d webhooks about the purged order left (%v)", left, err)
	}
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE queue_key = 'hook:p:order:ord_kept'`).Scan(&left); err != nil || left != 2 {
		t.Errorf("%d webhooks about another order, want 2 (%v)", left, err)
	}
}

// Pruning deletes finished and dead-lettered jobs older than the cutoff and
// answers stored before theirs, and nothing else.
func TestPruneKeepsWhatIsRecentOrUnfinished(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now()
	at := func(d time.Duration) { db.NowFunc = func() time.Time { return now.Add(d) } }
	add := func(name, status string, age time.Duration) {
		at(-age)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", UniqueKey: name, Args: name}); err != nil {
				return err
			}
			return tx.IdempotencyPut(ctx, "p", name, store.IdempotentResponse{RequestHash: "h", Status: 200, Body: []byte(`{}`)})
		})
		if err != nil {
			t.Fatal(err)
		}
		if status != domain.JobAvailable {
			if _, err := db.SQL().Exec(`UPDATE jobs SET status = '` + status + `' WHERE unique_key = '` + name + `'`); err != nil {
				t.Fatal(err)
			}
		}
	}
	add("old-done", domain.JobDone, 8*24*time.Hour)
	add("old-dead", domain.JobDead, 8*24*time.Hour)
	add("old-waiting", domain.JobAvailable, 8*24*time.Hour)
	add("new-done", domain.JobDone, time.Hour)
	at(0)
	n, err := db.JobPrune(ctx, now.Add(-7*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("JobPrune = %d, %v; want 2", n, err)
	}
	var names []string
	rows, err := db.SQL().Query(`SELECT unique_key FROM jobs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		names = append(names, s)
	}
	rows.Close()
	if got := strings.Join(names, ","); got != "old-waiting,new-done" {
		t.Errorf("jobs left: %s, want old-waiting,new-done", got)
	}
	n, err = db.IdempotencyPrune(ctx, now.Add(-48*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("IdempotencyPrune = %d, %v; want 3", n, err)
	}
	var keys int
	_ = db.SQL().QueryRow(`SELECT COUNT(*) FROM idempotency_keys`).Scan(&keys)
	if keys != 1 {
		t.Errorf("%d idempotency keys left, want 1", keys)
	}
}
