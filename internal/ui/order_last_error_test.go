package ui_test

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// The order page shows why the provider's last event could not be written
// to Lever, now that such an order leaves no dead letter behind.
func TestOrderPageShowsWhyTheLastEventFailed(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	ctx := context.Background()
	const why = "report.url: it redirects to 127.0.0.1, a loopback address; stagecoach fetches only public addresses (see --allow-private-fetch)"
	err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		return tx.OrderInsert(ctx, &domain.Order{ID: "ord_failed", IntegrationID: "int_x", ConnectionID: "acme", ProviderID: "acme-assess", PackageID: "java", PackageName: "Java",
			OpportunityID: "opp_1", Status: domain.OrderStarted, Candidate: domain.Candidate{Name: "Ada Park", Email: "ada@example.org"}, LastError: why})
	})
	if err != nil {
		t.Fatal(err)
	}
	r := b.get("/orders/ord_failed")
	if r.status != http.StatusOK {
		t.Fatalf("order page: %d\n%s", r.status, r.body)
	}
	if !strings.Contains(html.UnescapeString(r.body), `id="order-last-error">`+why) {
		t.Fatalf("the order page does not show the last error %q:\n%s", why, r.body)
	}
}
