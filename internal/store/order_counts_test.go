package store_test

import (
	"context"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// The counts by status are those of the orders OrderSearch finds with the
// same filters.
func TestOrderStatusCountsMatchTheSearch(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	mk := func(id, name, status, prov string) {
		o := &domain.Order{ID: id, IntegrationID: "int_" + id, ConnectionID: "acme", ProviderID: prov, PackageID: "p", PackageName: "Go Coding",
			OpportunityID: "opp_" + id, Status: status, Candidate: domain.Candidate{Name: name, Email: id + "@example.org"}}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OrderInsert(ctx, o) }); err != nil {
			t.Fatal(err)
		}
	}
	mk("o1", "Ada Park", domain.OrderCompleted, "imocha")
	mk("o2", "Ben Carter", domain.OrderInvited, "imocha")
	mk("o3", "Ada_Lovelace", domain.OrderInvited, "jobma")
	mk("o4", "Cy Adams", domain.OrderInvited, "imocha")
	for _, q := range []store.OrderQuery{{}, {ProviderID: "imocha"}, {Text: "ada"}, {Text: "ada_"}, {ConnectionID: "other"}, {Text: "o2"}} {
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			counts, err := tx.OrderStatusCounts(ctx, q)
			if err != nil {
				return err
			}
			for _, st := range []string{domain.OrderCompleted, domain.OrderInvited, domain.OrderStarted} {
				qs := q
				qs.Status, qs.Limit = st, 1000
				page, err := tx.OrderSearch(ctx, qs)
				if err != nil {
					return err
				}
				os := page.Orders
				if counts[st] != len(os) {
					t.Errorf("%+v: %d %s counted, %d found", q, counts[st], st, len(os))
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// Ada Park and Cy Adams match "ada" (and so does Ada_Lovelace).
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.OrderStatusCounts(ctx, store.OrderQuery{Text: "ada"})
		if c[domain.OrderInvited] != 2 || c[domain.OrderCompleted] != 1 {
			t.Errorf("counts for ada: %v", c)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
