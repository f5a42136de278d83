package engine

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// storedJob is a job as the engine wrote it before its arguments were
// typed: the kind, queue key, attempts and arguments of its row, verbatim.
type storedJob struct {
	kind, queueKey string
	maxAttempts    int
	args           string
	// typed is what the typed arguments must be: they encode to the same
	// row, and the row decodes to them (json:"-" fields aside).
	typed queue.Args
}

var webhookAt = time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

// storedJobs has one row of each job kind in the format stored before the
// upgrade.
var storedJobs = []storedJob{
	{"lever_event", "opp:acme:opp_1", 25, `{"eventId":"evt_1"}`,
		leverEventArgs{EventID: "evt_1", ConnectionID: "acme", OpportunityID: "opp_1"}},
	{"order_effects", "opp:acme:opp_1", 25, `{"orderId":"ord_1","eventId":"oev_1"}`,
		orderEffectsArgs{OrderID: "ord_1", EventID: "oev_1", ConnectionID: "acme", OpportunityID: "opp_1"}},
	{"provider_webhook", "hook:imocha:order:ord_1", 12,
		`{"providerId":"imocha","messageId":"msg_1","type":"order.created","timestamp":"2026-03-04T05:06:07.008Z","data":{"id":"ord_1","status":"created"}}`,
		providerWebhookArgs{ProviderID: "imocha", MessageID: "msg_1", Type: "order.created", Timestamp: webhookAt, Data: json.RawMessage(`{"id":"ord_1","status":"created"}`), OrderingKey: "order:ord_1"}},
	{"provider_webhook", "hook:hackajob:export:exp_1", 12,
		`{"providerId":"hackajob","messageId":"msg_2","type":"export.created","timestamp":"2026-03-04T05:06:07.008Z","data":{}}`,
		providerWebhookArgs{ProviderID: "hackajob", MessageID: "msg_2", Type: "export.created", Timestamp: webhookAt, Data: json.RawMessage(`{}`), OrderingKey: "export:exp_1"}},
	{"reconcile", "reconcile:acme", 3, `{"connectionId":"acme"}`, reconcileArgs{ConnectionID: "acme"}},
	{"export_sync", "export:exp_1", 25, `{"exportId":"exp_1"}`, exportSyncArgs{ExportID: "exp_1"}},
	{"posting_tags", "posting-tags:int_1", 12, `{"integrationId":"int_1","run":"run_1"}`, postingTagsArgs{IntegrationID: "int_1", Run: "run_1"}},
	{"posting_sync", "postings:acme", 5, `{"connectionId":"acme"}`, postingSyncArgs{ConnectionID: "acme"}},
	{"token_refresh", "tokens:acme", 5, `{"connectionId":"acme"}`, tokenRefreshArgs{ConnectionID: "acme"}},
	{"prune", "prune", 3, `{}`, pruneArgs{}},
}

// Every job kind's typed arguments write the row the engine wrote before
// they were typed (kind, queue key, attempts, JSON byte for byte), so that
// a replica of either version runs the other's jobs.
func TestTypedJobArgsWriteTheStoredFormat(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	kinds := map[string]bool{}
	for _, c := range storedJobs {
		kinds[c.kind] = true
		var row *domain.Job
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := queue.Insert(ctx, tx, c.typed, nil); err != nil {
				return err
			}
			jobs, err := tx.JobList(ctx, store.JobFilter{Limit: 1})
			if len(jobs) == 1 {
				row = jobs[0]
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		if row.Kind != c.kind || row.QueueKey != c.queueKey || row.MaxAttempts != c.maxAttempts || string(row.Args) != c.args {
			t.Errorf("%T stored as kind %q, queue key %q, %d attempts, args %s;\nwant %q, %q, %d, %s",
				c.typed, row.Kind, row.QueueKey, row.MaxAttempts, row.Args, c.kind, c.queueKey, c.maxAttempts, c.args)
		}
	}
	if len(kinds) != 9 {
		t.Errorf("%d job kinds covered, want all 9", len(kinds))
	}
}

// A row stored before the upgrade runs after it: the runner hands each
// kind's worker the arguments decoded into its type.
func TestJobsStoredBeforeTypedArgsStillRun(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	q := queue.New(db, queue.Config{PollInterval: time.Hour})
	var mu sync.Mutex
	got := map[string][]queue.Args{}
	capture := func(kind string, a queue.Args) {
		mu.Lock()
		defer mu.Unlock()
		got[kind] = append(got[kind], a)
	}
	captureInto[leverEventArgs](q, capture)
	captureInto[orderEffectsArgs](q, capture)
	captureInto[providerWebhookArgs](q, capture)
	captureInto[reconcileArgs](q, capture)
	captureInto[exportSyncArgs](q, capture)
	captureInto[postingTagsArgs](q, capture)
	captureInto[postingSyncArgs](q, capture)
	captureInto[tokenRefreshArgs](q, capture)
	captureInto[pruneArgs](q, capture)
	// The rows are written as the engine wrote them, not through the
	// typed arguments.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, c := range storedJobs {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: c.kind, QueueKey: c.queueKey, MaxAttempts: c.maxAttempts, Args: json.RawMessage(c.args)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = q.Run(runCtx); close(done) }()
	defer func() { stop(); <-done }()
	waitCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := q.WaitIdle(waitCtx); err != nil {
		t.Fatal(err)
	}
	counts, err := db.JobCounts(ctx)
	if err != nil || counts[domain.JobDone] != len(storedJobs) {
		t.Fatalf("job counts %v (%v), want all %d done", counts, err, len(storedJobs))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range storedJobs {
		want := withoutQueueFields(c.typed)
		found := false
		for _, a := range got[c.kind] {
			found = found || reflect.DeepEqual(a, want)
		}
		if !found {
			t.Errorf("%s: row %s reached its worker as %#v, want %#v among them", c.kind, c.args, got[c.kind], want)
		}
	}
}

// captureInto registers a worker for T's kind that records the decoded
// arguments.
func captureInto[T queue.Args](q *queue.Runner, capture func(kind string, a queue.Args)) {
	queue.Register(q, func(_ context.Context, job *queue.Job, args T) error {
		capture(job.Kind, args)
		return nil
	})
}

// withoutQueueFields returns a without its fields that are not stored
// (they only name the queue key at insert time).
func withoutQueueFields(a queue.Args) queue.Args {
	v := reflect.New(reflect.TypeOf(a)).Elem()
	v.Set(reflect.ValueOf(a))
	for i := range v.NumField() {
		if v.Type().Field(i).Tag.Get("json") == "-" {
			v.Field(i).SetZero()
		}
	}
	return v.Interface().(queue.Args)
}
