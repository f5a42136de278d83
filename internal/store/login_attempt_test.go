package store_test

import (
	"context"
	"testing"
	"time"

	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

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
