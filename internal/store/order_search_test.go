package store_test

import (
	"context"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

func TestOrderSearchFindsByCandidateAndFilters(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	mk := func(id, name, email, status, prov string) {
		o := &domain.Order{ID: id, IntegrationID: "int_" + id, ConnectionID: "acme", ProviderID: prov, PackageID: "p", PackageName: "Go Coding",
			OpportunityID: "opp_" + id, Status: status, Candidate: domain.Candidate{Name: name, Email: email}}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OrderInsert(ctx, o) }); err != nil {
			t.Fatal(err)
		}
	}
	mk("o1", "Ada Park", "ada@example.org", domain.OrderCompleted, "imocha")
	mk("o2", "Ben Carter", "ben@example.org", domain.OrderInvited, "imocha")
	mk("o3", "Ada_Lovelace 100%", "lovelace@example.org", domain.OrderInvited, "jobma")
	search := func(q store.OrderQuery) []string {
		var out []string
		err := db.InTx(ctx, func(tx *store.Tx) error {
			os, _, err := tx.OrderSearch(ctx, q)
			for _, o := range os {
				out = append(out, o.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	cases := []struct {
		q    store.OrderQuery
		want string
	}{
		{store.OrderQuery{Text: "ada"}, "o3,o1"},
		{store.OrderQuery{Text: "BEN@EXAMPLE"}, "o2"},
		{store.OrderQuery{Text: "opp_o2"}, "o2"},
		{store.OrderQuery{Text: "a_l"}, "o3"},  // _ is a character, not a wildcard
		{store.OrderQuery{Text: "100%"}, "o3"}, // so is %
		{store.OrderQuery{Status: domain.OrderInvited}, "o3,o2"},
		{store.OrderQuery{ProviderID: "imocha", Text: "example"}, "o2,o1"},
		{store.OrderQuery{Text: "nobody"}, ""},
	}
	for _, c := range cases {
		got := search(c.q)
		s := ""
		for i, id := range got {
			if i > 0 {
				s += ","
			}
			s += id
		}
		if s != c.want {
			t.Errorf("search %+v = %q, want %q", c.q, s, c.want)
		}
	}
}
