package store_test

import (
	"context"
	"testing"
	"time"

	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// A delivery token is accepted once per connection while its window lasts;
// once the window has passed it is forgotten (the receiver refuses such a
// delivery on its time anyway).
func TestWebhookTokenClaimRefusesReuseWithinTheWindow(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	db.NowFunc = func() time.Time { return now }
	claim := func(conn, token string, expires time.Time) bool {
		t.Helper()
		var ok bool
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { ok, err = tx.WebhookTokenClaim(ctx, conn, token, expires); return }); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	count := func(conn string) int {
		t.Helper()
		var n int
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) { n, err = tx.WebhookTokenCount(ctx, conn); return }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	until := now.Add(72 * time.Hour)
	if !claim("acme", "tok-1", until) {
		t.Fatal("first use of a token refused")
	}
	if claim("acme", "tok-1", until) {
		t.Fatal("second use of a token accepted within the window")
	}
	if !claim("other", "tok-1", until) {
		t.Fatal("a token of one connection refused on another")
	}
	if !claim("acme", "tok-2", now.Add(time.Minute)) {
		t.Fatal("a new token refused")
	}
	now = now.Add(2 * time.Minute) // tok-2's window is over
	if !claim("acme", "tok-3", until) {
		t.Fatal("a new token refused")
	}
	if got, want := count("acme"), 2; got != want {
		t.Fatalf("remembered tokens = %d, want %d (the expired one pruned)", got, want)
	}
}
