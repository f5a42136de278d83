package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// The API's reads answer while another transaction holds the database's
// write lock (a webhook batch committing, a job being claimed), and see
// what is committed. On SQLite a read that began an immediate transaction
// would wait for the writer.
func TestReadsAnswerBesideAWriter(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stored := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "acme"})
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(path string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+keyIMocha)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s beside a writer: %v", path, err)
		}
		defer resp.Body.Close()
		var body json.RawMessage
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	ctx := context.Background()
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		o := domain.Order{ID: domain.NewID("ord"), ProviderID: "imocha", ConnectionID: "acme", IntegrationID: "int_imocha_acme",
			OpportunityID: "opp-uncommitted", PackageID: "go-coding", PackageName: "Go Coding", Status: domain.OrderCreated,
			Candidate: domain.Candidate{Name: "Ada Park", Email: "ada@example.org"}}
		if err := tx.OrderInsert(ctx, &o); err != nil {
			return err
		}
		status, body := get("/v1/orders")
		var pg orderPage
		if err := json.Unmarshal(body, &pg); status != http.StatusOK || err != nil {
			t.Fatalf("order list: %d %s", status, body)
		}
		if len(pg.Data) != 1 {
			t.Errorf("order list shows %d orders, want the 1 committed", len(pg.Data))
		}
		if status, body := get("/v1/orders/" + stored.ID); status != http.StatusOK {
			t.Errorf("order get: %d %s", status, body)
		}
		for _, path := range []string{"/v1/packages", "/v1/integrations", "/v1/lever-events"} {
			if status, body := get(path); status != http.StatusOK {
				t.Errorf("%s: %d %s", path, status, body)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
