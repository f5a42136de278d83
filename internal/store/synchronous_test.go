package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// SQLite's synchronous setting is the operator's choice: normal by
// default, full when asked (every commit synced before it returns), and a
// misspelt value is refused by name.
func TestSQLiteSynchronousOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		opt  string
		want int // PRAGMA synchronous: 1 normal, 2 full
	}{{"", 1}, {"normal", 1}, {"FULL", 2}} {
		db, err := store.OpenWith(ctx, filepath.Join(t.TempDir(), "s.db"), storetest.Box(t), store.Options{SQLiteSynchronous: c.opt})
		if err != nil {
			t.Fatalf("%q: %v", c.opt, err)
		}
		// Every pooled connection has it, not only the first.
		conns := make([]interface{ Close() error }, 0, 3)
		for range 3 {
			conn, err := db.SQL().Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
			var got int
			if err := conn.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%q: synchronous %d, want %d", c.opt, got, c.want)
			}
		}
		for _, c := range conns {
			c.Close()
		}
		db.Close()
	}
	_, err := store.OpenWith(ctx, filepath.Join(t.TempDir(), "s.db"), storetest.Box(t), store.Options{SQLiteSynchronous: "fsync"})
	if err == nil || !strings.Contains(err.Error(), `"fsync"`) || !strings.Contains(err.Error(), "normal or full") {
		t.Fatalf("synchronous fsync: %v, want an error naming it and the choices", err)
	}
}
