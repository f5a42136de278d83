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

func TestOAuthStateWorksOnceForItsSession(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	type pending struct{ Secret string }
	put := func(state string) {
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OAuthStatePut(ctx, state, "sess-a", pending{"client-secret"}) }); err != nil {
			t.Fatal(err)
		}
	}
	take := func(state, sess string) (pending, error) {
		var p pending
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.OAuthStateTake(ctx, state, sess, time.Minute, &p) })
		return p, err
	}
	put("s1")
	var raw []byte
	if err := db.SQL().QueryRow(`SELECT data FROM ui_oauth_states`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if containsBytes(raw, "client-secret") {
		t.Fatal("the pending client secret is stored in the clear")
	}
	if _, err := take("s1", "sess-b"); !store.IsNotFound(err) {
		t.Fatalf("another session took the state: %v", err)
	}
	put("s2")
	if p, err := take("s2", "sess-a"); err != nil || p.Secret != "client-secret" {
		t.Fatalf("take = %+v, %v", p, err)
	}
	if _, err := take("s2", "sess-a"); !store.IsNotFound(err) {
		t.Fatalf("a state worked twice: %v", err)
	}
}

// Login failures are counted per address, and per e-mail from that address:
// failures for the e-mail from elsewhere do not count, a success for it from
// elsewhere resets nothing, and each key restarts from its own last success.
func TestLoginFailuresCountTheAccountPerAddress(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return start.Add(time.Duration(min) * time.Minute) }
	attempts := []store.LoginAttemptParams{
		{Email: "owner@tool.example", IP: "203.0.113.7", At: at(0)}, // before the window
		{Email: "owner@tool.example", IP: "203.0.113.7", At: at(20)},
		{Email: " Owner@Tool.example", IP: "203.0.113.7", At: at(21)},
		{Email: "other@tool.example", IP: "203.0.113.7", At: at(22)},
		{Email: "owner@tool.example", IP: "203.0.113.7", At: at(23)},
		{Email: "owner@tool.example", IP: "198.51.100.2", At: at(24)},
		{Email: "owner@tool.example", IP: "198.51.100.2", Success: true, At: at(25)},
		{Email: "owner@tool.example", IP: "192.0.2.9", At: at(26)},
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, a := range attempts {
			if err := tx.LoginAttemptInsert(ctx, a); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stats := func(email, ip string) store.LoginStats {
		t.Helper()
		var st store.LoginStats
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			st, err = tx.LoginFailures(ctx, email, ip, at(30).Add(-15*time.Minute))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	want := store.LoginStats{ByIP: 4, OldestByIP: at(20), ByEmailFromIP: 3, LastByEmailFromIP: at(23)}
	if got := stats("OWNER@tool.example", "203.0.113.7"); got != want {
		t.Errorf("the guessing address: %+v, want %+v", got, want)
	}
	if got := stats("owner@tool.example", "198.51.100.2"); got != (store.LoginStats{}) {
		t.Errorf("the owner's address, after its success: %+v, want no failures", got)
	}
	want = store.LoginStats{ByIP: 1, OldestByIP: at(26), ByEmailFromIP: 1, LastByEmailFromIP: at(26)}
	if got := stats("owner@tool.example", "192.0.2.9"); got != want {
		t.Errorf("a third address: %+v, want %+v", got, want)
	}

	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.LoginAttemptInsert(ctx, store.LoginAttemptParams{Email: "other@tool.example", IP: "203.0.113.7", Success: true, At: at(27)})
	}); err != nil {
		t.Fatal(err)
	}
	// A success from the address for another account clears the address's
	// count, not this account's count from it.
	want = store.LoginStats{ByEmailFromIP: 3, LastByEmailFromIP: at(23)}
	if got := stats("owner@tool.example", "203.0.113.7"); got != want {
		t.Errorf("the guessing address after it logged in to another account: %+v, want %+v", got, want)
	}
}
