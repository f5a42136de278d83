package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// A candidate deleted in Lever leaves no trace of their personal data in
// stagecoach: the test plants their name, e-mail, phone, links, CV, an
// assessment result in free text and an order's links everywhere a
// candidate reaches (a sourcing export made with an Idempotency-Key, an
// assessment order with its events and a completed result reported with an
// Idempotency-Key, an order webhook still retrying because its provider is
// down), deletes the opportunity in the sandbox, and then reads every
// column of every table, and on SQLite the raw database files, finding
// none of it. The webhook that was retrying is never delivered; the
// deletion notices carry no personal data.
func TestDeletedCandidateLeavesNoPersonalData(t *testing.T) {
	t.Parallel()
	env, cfg := startDemoConfigWith(t, time.Hour, func(cfg *demo.Config) {
		cfg.SourcingAddr = "127.0.0.1:0"
		base := cfg.App
		cfg.App = func(c *app.Config) {
			base(c)
			// Long enough retries that the webhook to the provider that is
			// down is still retrying when the candidate is deleted.
			c.Queue.MaxBackoff = 4 * time.Second
		}
	})
	ctx := context.Background()
	person := newSourcedPerson("purgatory")
	result := "RESULTMARK " + person.name + " explained the trade-offs well"
	takeURL := "https://assess.example/take/TAKEMARK-purgatory"

	// A sourcing export makes the opportunity.
	sourcerTP := addSourcer(t, env, "successful")
	x, _, err := sourcerTP.Client.ExportCandidate(ctx, person.export(provider.OutcomeSuccessful, "Phone Interview - 1st Round"), provider.WithIdempotencyKey("purge-export-1"))
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, sourcerTP, x.ID)
	oppID := x.Opportunity.ID

	// Two assessment tools: one up, one down.
	assessor := addTestProvider(t, env, "purge-assess", "Purge Assess", domain.KindAssessment,
		[]provider.Package{{ID: "go", Name: "Go", Kind: "assessment", LeverTag: "Purge: Go"}}, `{}`)
	down := addTestProvider(t, env, "purge-down", "Purge Down", domain.KindAssessment,
		[]provider.Package{{ID: "sql", Name: "SQL", Kind: "assessment", LeverTag: "Purge: SQL"}}, `{}`)
	var (
		mu          sync.Mutex
		refused     []string // the type of each message the tool refused
		realDownURL string
	)
	outage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m struct {
			Type string `json:"type"`
		}
		_ = json.NewDecoder(r.Body).Decode(&m)
		mu.Lock()
		refused = append(refused, m.Type)
		mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(outage.Close)
	setDownURL := func(u string) {
		t.Helper()
		err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
			p, err := tx.ProviderGet(ctx, down.ID)
			if err != nil {
				return err
			}
			if realDownURL == "" {
				realDownURL = p.WebhookURL
			}
			p.WebhookURL = u
			return tx.ProviderUpdate(ctx, p)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setDownURL(outage.URL)

	if err := env.Lever.AddTags(ctx, oppID, []string{"Purge: Go", "Purge: SQL"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := env.MoveToStage(ctx, oppID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "order.created at the assessment tool", func() bool { return len(assessor.messages("order.created")) == 1 })
	order := orderOf(t, assessor.messages("order.created")[0])
	if order.Candidate.Name != person.name || order.Candidate.Email != person.email {
		t.Fatalf("order.created candidate = %+v, want the exported person", order.Candidate)
	}
	if _, err := assessor.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "invited", CandidateURL: takeURL}); err != nil {
		t.Fatal(err)
	}
	score, maxScore := 7.0, 10.0
	if _, err := assessor.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "completed", Score: &score, MaxScore: &maxScore, Result: result,
		Attributes: map[string]any{"reviewer": "notes on " + person.name}}, provider.WithIdempotencyKey("purge-completed-1")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the summary note in Lever", func() bool {
		return view(t, env.Lever, oppID).notesContaining("assessment completed by "+person.name) == 1
	})
	// The tool that is down has been tried, and its order.created, which
	// names the candidate, is waiting for the next attempt.
	eventually(t, 20*time.Second, "the webhook to the tool that is down to be retrying", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM jobs WHERE kind = 'provider_webhook' AND status = 'available' AND attempt >= 1 AND queue_key LIKE '%s' AND args LIKE '%s'`,
			"hook:"+down.ID+":%", "%"+person.email+"%")).Scan(&n)
		return n == 1
	})

	// Before the deletion every marker is in the database (so that the
	// check after it can fail).
	markers := map[string]string{"name": person.name, "e-mail": person.email, "phone": person.phone, "profile link": person.profile,
		"link": person.link, "CV": person.cvMarker, "result text": "RESULTMARK", "candidate link": "TAKEMARK-purgatory"}
	before := allDatabaseText(t, env.App.DB)
	for _, what := range []string{"name", "e-mail", "result text", "candidate link"} {
		if !strings.Contains(before, markers[what]) {
			t.Fatalf("the candidate's %s is not in the database before the deletion: the check after it would prove nothing", what)
		}
	}
	var idem int
	_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM idempotency_keys`).Scan(&idem)
	if idem < 2 {
		t.Fatalf("%d stored idempotency answers, want the export's and the completed event's", idem)
	}

	if err := env.Delete(ctx, oppID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the purge", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM orders WHERE opportunity_id = '%s' AND status = 'cancelled' AND provider_id = '%s'`, oppID, down.ID)).Scan(&n)
		got, err := sourcerTP.Client.GetExport(ctx, x.ID)
		return n == 1 && err == nil && got.Status == provider.ExportDeleted
	})
	mu.Lock()
	attemptsBefore := len(refused)
	mu.Unlock()
	if attemptsBefore == 0 {
		t.Fatal("the tool that is down was never tried")
	}
	// (The cancellation may reach the outage before the tool is back: it is
	// retried like any webhook. The order.created must not.)
	// The tool comes back: it gets the cancellation, never the order.
	setDownURL(realDownURL)
	eventually(t, 20*time.Second, "order.cancelled at the tool that was down", func() bool { return len(down.messages("order.cancelled")) == 1 })
	eventually(t, 20*time.Second, "export.candidateDeleted at the sourcing tool", func() bool {
		return len(messagesFor(t, sourcerTP, provider.WebhookExportDeleted, x.ID)) == 1
	})
	eventually(t, 20*time.Second, "the outbox to drain", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE status IN ('available', 'running')`).Scan(&n)
		return n == 0
	})
	if n := len(down.messages("order.created")); n != 0 {
		t.Errorf("the tool that was down got %d order.created after the purge, want 0", n)
	}
	mu.Lock()
	for _, typ := range refused[attemptsBefore:] {
		if typ != "order.cancelled" {
			t.Errorf("the tool that was down was sent %s after the purge", typ)
		}
	}
	mu.Unlock()
	cancelled := orderOf(t, down.messages("order.cancelled")[0])
	if cancelled.Candidate.Name != "" || cancelled.Candidate.Email != "" {
		t.Errorf("the deletion notice names the candidate: %+v", cancelled.Candidate)
	}
	for _, tp := range []*testProvider{down, assessor, sourcerTP} {
		for _, typ := range []string{"order.cancelled", provider.WebhookExportDeleted} {
			for _, m := range tp.messages(typ) {
				for what, v := range markers {
					if strings.Contains(string(m.Data), v) {
						t.Errorf("%s's %s notice carries the candidate's %s: %s", tp.ID, typ, what, m.Data)
					}
				}
			}
		}
	}
	// A replay of the completed event's key gets no stored answer naming
	// the candidate, and reports nothing again.
	_, err = assessor.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "completed", Score: &score, MaxScore: &maxScore, Result: result,
		Attributes: map[string]any{"reviewer": "notes on " + person.name}}, provider.WithIdempotencyKey("purge-completed-1"))
	var pr *provider.Problem
	if !isProblem(err, &pr) || pr.Status != http.StatusGone {
		t.Errorf("replayed completed event: %v, want 410", err)
	}

	after := allDatabaseText(t, env.App.DB)
	for what, v := range markers {
		if strings.Contains(after, v) {
			t.Errorf("the database holds the candidate's %s (%q) after the purge", what, v)
		}
	}
	if env.App.DB.Dialect() == store.SQLite {
		if err := env.App.DB.Checkpoint(ctx); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(cfg.DataDir, "stagecoach.db")
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			raw, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			for what, v := range markers {
				if bytes.Contains(raw, []byte(v)) {
					t.Errorf("%s holds the candidate's %s (%q) after the purge", filepath.Base(f), what, v)
				}
			}
		}
	}
}

// allDatabaseText returns every value of every row of every table of the
// database, as text; the tables are listed from the database's catalogue.
func allDatabaseText(t *testing.T, db *store.DB) string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect() == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables found: %v", len(tables), tables)
	}
	return tablesText(t, db, tables)
}

// A candidate whose only order is finished (no export, nothing open) is
// purged all the same when Lever deletes them.
func TestDeletedCandidateWithOnlyACompletedOrderIsPurged(t *testing.T) {
	t.Parallel()
	env := startDemo(t, 50*time.Millisecond)
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the move to Assessment Complete", func() bool {
		return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
	})
	orders := ordersOf(t, env, opp.ID)
	if len(orders) != 1 || orders[0].Status != domain.OrderCompleted || orders[0].Candidate.Name != opp.Name {
		t.Fatalf("orders before the deletion = %+v, want one completed order naming %s", orders, opp.Name)
	}
	if err := env.Delete(ctx, opp.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the completed order purged", func() bool {
		o := ordersOf(t, env, opp.ID)
		return len(o) == 1 && o[0].Candidate.Name == "" && o[0].Candidate.Email == ""
	})
	if text := allDatabaseText(t, env.App.DB); strings.Contains(text, opp.Name) {
		t.Errorf("the database still holds the candidate's name %q after the purge", opp.Name)
	}
}
