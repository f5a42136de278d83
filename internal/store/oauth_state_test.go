package store_test

import (
	"context"
	"testing"
	"time"

	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

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
