package store_test

import (
	"context"
	"errors"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// The webhook receiver's read of a connection's signing tokens is kept in
// memory and reused while nothing changed; a write committed through the
// same handle drops the copy at once, one rolled back keeps it, and a
// write through another handle (another replica) is seen on the next read.
func TestConnectionHooksGetKeepsACopyUntilTheConnectionChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.DSN(t)
	open := func() *store.DB {
		db, err := store.Open(ctx, dsn, storetest.Box(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	db, other := open(), open()
	put := func(db *store.DB, event, token string) error {
		return db.InTx(ctx, func(tx *store.Tx) error {
			return tx.ConnectionWebhookPut(ctx, &domain.ConnectionWebhook{ConnectionID: "acme", Event: event, SigningToken: token})
		})
	}
	tokens := func(h *store.ConnectionHooks) map[string]string {
		m := map[string]string{}
		for _, w := range h.Webhooks {
			m[w.Event] = w.SigningToken
		}
		return m
	}
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.ConnectionCreate(ctx, &domain.Connection{ID: "acme", Name: "Acme", Environment: "custom", AuthKind: "api_key"})
	}); err != nil {
		t.Fatal(err)
	}
	h, err := db.ConnectionHooksGet(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != domain.ConnActive || len(h.Webhooks) != 0 {
		t.Fatalf("new connection: status %q, webhooks %v; want active, none", h.Status, tokens(h))
	}
	if err := put(db, "*", "one"); err != nil {
		t.Fatal(err)
	}
	if db.HooksCached("acme") {
		t.Fatal("the copy was kept after a committed write through the same handle")
	}
	first, err := db.ConnectionHooksGet(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens(first)["*"]; got != "one" {
		t.Fatalf("token %q, want one", got)
	}
	again, _ := db.ConnectionHooksGet(ctx, "acme")
	if again != first {
		t.Fatal("an unchanged connection was read afresh rather than from memory")
	}

	refused := errors.New("refused")
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConnectionWebhookPut(ctx, &domain.ConnectionWebhook{ConnectionID: "acme", Event: "*", SigningToken: "never"}); err != nil {
			return err
		}
		return refused
	}); !errors.Is(err, refused) {
		t.Fatal(err)
	}
	if again, _ := db.ConnectionHooksGet(ctx, "acme"); again != first {
		t.Fatal("a rolled-back write dropped the copy")
	}

	if err := put(other, "*", "two"); err != nil {
		t.Fatal(err)
	}
	h, err = db.ConnectionHooksGet(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens(h)["*"]; got != "two" {
		t.Fatalf("after another handle's write: token %q, want two", got)
	}
	if err := other.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, "acme")
		if err != nil {
			return err
		}
		c.Status = domain.ConnBroken
		return tx.ConnectionUpdate(ctx, c)
	}); err != nil {
		t.Fatal(err)
	}
	if h, _ := db.ConnectionHooksGet(ctx, "acme"); h.Status != domain.ConnBroken {
		t.Fatalf("after another handle marked it broken: status %q", h.Status)
	}
	if err := other.InTx(ctx, func(tx *store.Tx) error { return tx.ConnectionDelete(ctx, "acme") }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ConnectionHooksGet(ctx, "acme"); !store.IsNotFound(err) {
		t.Fatalf("after another handle deleted it: %v, want not_found", err)
	}
	if _, err := db.ConnectionHooksGet(ctx, "nobody"); !store.IsNotFound(err) {
		t.Fatalf("unknown connection: %v, want not_found", err)
	}
}
