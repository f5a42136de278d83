package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// Asking for a posting sync while one already waits queues nothing more,
// and says so; once it has run, the next request queues a new one.
func TestPostingSyncIsCoalesced(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	const key = "sc_test_jobtwine_key"
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ProviderCreate(ctx, &domain.Provider{ID: "jobtwine", Name: "JobTwine", Kind: domain.KindInterviewService, APIKeyHash: admin.HashAPIKey(key)}); err != nil {
			return err
		}
		return tx.IntegrationCreate(ctx, &domain.Integration{ID: "int_jobtwine_acme", ProviderID: "jobtwine", ConnectionID: "acme", Settings: json.RawMessage(`{}`), Enabled: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Status string `json:"status"`
		Queued bool   `json:"queued"`
	}
	post := func() answer {
		t.Helper()
		r := b.call(t, "POST", "/v1/integrations/int_jobtwine_acme/posting-sync", key, nil)
		if r.status != http.StatusAccepted {
			t.Fatalf("status %d, want 202: %s", r.status, r.body)
		}
		var a answer
		if err := json.Unmarshal(r.body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	syncs := func() int {
		return b.count(t, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, engine.JobPostingSync)
	}

	if got, want := post(), (answer{"queued", true}); got != want {
		t.Fatalf("first request = %+v, want %+v", got, want)
	}
	for range 3 {
		if got, want := post(), (answer{"already_queued", false}); got != want {
			t.Fatalf("request while one waits = %+v, want %+v", got, want)
		}
	}
	if n := syncs(); n != 1 {
		t.Fatalf("%d syncs queued, want 1", n)
	}

	// The waiting sync ran: a new request queues another.
	if _, err := b.db.SQL().Exec(`UPDATE jobs SET status = 'done'`); err != nil {
		t.Fatal(err)
	}
	if got, want := post(), (answer{"queued", true}); got != want {
		t.Fatalf("request after the sync ran = %+v, want %+v", got, want)
	}
	if n := syncs(); n != 2 {
		t.Fatalf("%d syncs queued, want 2", n)
	}
}
