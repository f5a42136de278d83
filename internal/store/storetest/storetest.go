// Package storetest opens a fresh, migrated database for a test: SQLite in
// the test's temporary folder, or, when TEST_DATABASE_URL is set, a new
// schema in that PostgreSQL database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"stagecoach/internal/secret"
	"stagecoach/internal/store"
)

// EnvURL names the variable that selects PostgreSQL.
const EnvURL = "TEST_DATABASE_URL"

// Box returns a secret box with a fixed test key.
func Box(tb testing.TB) *secret.Box {
	tb.Helper()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	b, err := secret.New(key)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// DSN returns the data source name of a new empty database for tb: a schema
// of its own on PostgreSQL, or a file in tb's temporary folder.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return filepath.Join(tb.TempDir(), "stagecoach.db")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated database for tb, closed when tb ends.
func Open(tb testing.TB) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), DSN(tb), Box(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return db
}
