package store_test

import (
	"context"
	"testing"
	"time"

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
			page, err := tx.OrderSearch(ctx, q)
			if err != nil {
				return err
			}
			for _, o := range page.Orders {
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

func TestOrderSearchPagesByKeyset(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.NowFunc = func() time.Time { return at }
	mk := func(id string) {
		t.Helper()
		at = at.Add(time.Minute)
		o := &domain.Order{ID: id, IntegrationID: "int_1", ConnectionID: "acme", ProviderID: "imocha", PackageID: "p", PackageName: "Go",
			OpportunityID: "opp_" + id, Status: domain.OrderInvited}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OrderInsert(ctx, o) }); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"o1", "o2", "o3", "o4", "o5", "o6", "o7"} {
		mk(id)
	}
	search := func(q store.OrderQuery) (ids string, p *store.OrderPage) {
		t.Helper()
		q.ConnectionID, q.Limit = "acme", 3
		err := db.ReadTx(ctx, func(tx *store.Tx) (err error) { p, err = tx.OrderSearch(ctx, q); return err })
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range p.Orders {
			if i > 0 {
				ids += ","
			}
			ids += o.ID
		}
		return ids, p
	}
	ids, p1 := search(store.OrderQuery{})
	if ids != "o7,o6,o5" || p1.Newer != "" || p1.Older == "" {
		t.Fatalf("page 1 = %s, newer %q, older %q", ids, p1.Newer, p1.Older)
	}
	// An order updated after the first page was read moves to the top and
	// shifts nothing on the pages below.
	mk("o8")
	ids, p2 := search(store.OrderQuery{Before: p1.Older})
	if ids != "o4,o3,o2" || p2.Newer == "" || p2.Older == "" {
		t.Fatalf("page 2 = %s, newer %q, older %q", ids, p2.Newer, p2.Older)
	}
	ids, p3 := search(store.OrderQuery{Before: p2.Older})
	if ids != "o1" || p3.Older != "" || p3.Newer == "" {
		t.Fatalf("page 3 = %s, newer %q, older %q", ids, p3.Newer, p3.Older)
	}
	// Back up: the page newer than page 3 is page 2 again, and the one
	// newer than that holds the three after it, o8 included, with a way on.
	if ids, _ := search(store.OrderQuery{After: p3.Newer}); ids != "o4,o3,o2" {
		t.Fatalf("newer than page 3 = %s, want o4,o3,o2", ids)
	}
	ids, back := search(store.OrderQuery{After: p2.Newer})
	if ids != "o7,o6,o5" || back.Newer == "" || back.Older == "" {
		t.Fatalf("newer than page 2 = %s, newer %q, older %q", ids, back.Newer, back.Older)
	}
	if ids, top := search(store.OrderQuery{After: back.Newer}); ids != "o8" || top.Newer != "" {
		t.Fatalf("newest page = %s, newer %q", ids, top.Newer)
	}
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		_, err := tx.OrderSearch(ctx, store.OrderQuery{Before: "not-a-cursor"})
		return err
	})
	if domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a made-up cursor: %v, want an invalid error", err)
	}
}
