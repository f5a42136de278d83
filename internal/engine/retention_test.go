package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/outbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// newTestEngine returns an engine over db whose job runner is not running.
func newTestEngine(db *store.DB, cfg Config) *Engine {
	return New(db, queue.New(db, queue.Config{}), cfg)
}

// Two replicas on one database schedule one prune job per interval, and the
// job deletes what is past its retention: finished jobs after RetainJobs,
// idempotency answers RetainIdempotency after they expired.
func TestPruneRunsOnceAcrossReplicasAndKeepsWhatIsRecent(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	cfg := Config{RetainJobs: 48 * time.Hour, RetainIdempotency: 12 * time.Hour, PruneInterval: time.Hour}
	a, b := newTestEngine(db, cfg), newTestEngine(db, cfg)
	now := time.Now()
	for _, e := range []*Engine{a, b, a} {
		if err := e.SchedulePrune(ctx, now); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = 'prune'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d prune jobs for one interval from two replicas (%v), want 1", n, err)
	}

	put := func(name, status string, age time.Duration) {
		db.NowFunc = func() time.Time { return now.Add(-age) }
		defer func() { db.NowFunc = time.Now }()
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "k", UniqueKey: name, Args: name}); err != nil {
				return err
			}
			return tx.IdempotencyPut(ctx, "p", name, store.IdempotentResponse{RequestHash: "h", Status: 200, Body: []byte(`{}`)})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`UPDATE jobs SET status = '` + status + `' WHERE unique_key = '` + name + `'`); err != nil {
			t.Fatal(err)
		}
	}
	put("three-days-done", domain.JobDone, 72*time.Hour)
	put("three-days-dead", domain.JobDead, 72*time.Hour)
	put("three-days-waiting", domain.JobAvailable, 72*time.Hour)
	put("one-day-done", domain.JobDone, 30*time.Hour) // answer expired 6h ago: kept
	if err := a.workPrune(ctx, &queue.Job{}, pruneArgs{}); err != nil {
		t.Fatal(err)
	}
	var jobs []string
	rows, err := db.SQL().Query(`SELECT unique_key FROM jobs WHERE kind = 'k' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		jobs = append(jobs, s)
	}
	rows.Close()
	if got := strings.Join(jobs, ","); got != "three-days-waiting,one-day-done" {
		t.Errorf("jobs left %s, want three-days-waiting,one-day-done", got)
	}
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM idempotency_keys`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d idempotency answers left (%v), want 1 (the one expired 6h ago)", n, err)
	}
}

// An order whose candidate was purged takes no more events: an interview
// service reporting another round on a completed interview would store the
// meeting and interviewer again.
func TestPurgedOrderTakesNoMoreEvents(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	e := newTestEngine(db, Config{})
	p := &domain.Provider{ID: "svc", Name: "Svc", Kind: domain.KindInterviewService, APIKeyHash: "h", WebhookSecret: outbound.NewSecret()}
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderCreate(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.OrderInsert(ctx, &domain.Order{ID: "ord_1", IntegrationID: "i", ConnectionID: "c", ProviderID: "svc", PackageID: "interview", PackageName: "Interview",
			OpportunityID: "opp-1", Status: domain.OrderCompleted, Candidate: domain.Candidate{Name: "Ada Lovelace", Email: "ada@example.com"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(48 * time.Hour)
	next := OrderEventInput{Type: "scheduled", StartsAt: &at, MeetingURL: "https://meet.example/2", Interviewer: "Kim"}
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := tx.CandidatePurge(ctx, "c", "opp-1"); return err }); err != nil {
		t.Fatal(err)
	}
	_, err = e.ReportOrderEvent(ctx, "svc", "ord_1", next)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "purged") {
		t.Fatalf("event on a purged order: %v, want a conflict saying it was purged", err)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM order_events`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d order events stored (%v), want 0", n, err)
	}
}
