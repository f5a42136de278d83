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
// elsewhere resets nothing; the account's count from an address restarts from its
// last success there, and an address's count never restarts on a success.
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
	// The owner's success restarts the account's count from that address;
	// the address's own count keeps its failure.
	if got, want := stats("owner@tool.example", "198.51.100.2"), (store.LoginStats{ByIP: 1, OldestByIP: at(24)}); got != want {
		t.Errorf("the owner's address, after its success: %+v, want %+v", got, want)
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
	// A success from the address for another account clears neither the
	// address's count nor this account's count from it.
	want = store.LoginStats{ByIP: 4, OldestByIP: at(20), ByEmailFromIP: 3, LastByEmailFromIP: at(23)}
	if got := stats("owner@tool.example", "203.0.113.7"); got != want {
		t.Errorf("the guessing address after it logged in to another account: %+v, want %+v", got, want)
	}
}

// A success from an address does not reset its failures: anyone with an
// account of their own could otherwise log into it every few guesses and
// never meet the address's limit.
func TestLoginFailuresFromAnAddressOutliveASuccessFromIt(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now()
	const ip = "203.0.113.9"
	var st store.LoginStats
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i := range 19 {
			if err := tx.LoginAttemptInsert(ctx, store.LoginAttemptParams{Email: "victim@x.example", IP: ip, At: now.Add(time.Duration(i) * time.Millisecond)}); err != nil {
				return err
			}
		}
		if err := tx.LoginAttemptInsert(ctx, store.LoginAttemptParams{Email: "me@x.example", IP: ip, Success: true, At: now.Add(time.Second)}); err != nil {
			return err
		}
		var err error
		st, err = tx.LoginFailures(ctx, "victim@x.example", ip, now.Add(-time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.ByIP != 19 || st.ByEmailFromIP != 19 {
		t.Errorf("after 19 failures and a success for another e-mail from the address: ByIP=%d, ByEmailFromIP=%d; want 19 and 19", st.ByIP, st.ByEmailFromIP)
	}
}
