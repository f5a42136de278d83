// Package store keeps stagecoach's state in SQL: SQLite by default (a pure-Go
// driver, one file in the data folder) or PostgreSQL for several replicas.
// One schema is written per dialect in migrations/; SQL that differs between
// the dialects stays inside this package.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"stagecoach/internal/domain"
	"stagecoach/internal/secret"
)

//go:embed migrations
var migrationFS embed.FS

// Dialect names the SQL database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// IsNotFound reports whether err says a row does not exist.
func IsNotFound(err error) bool { return domain.ErrorCode(err) == domain.ENotFound }

// IsConflict reports whether err says a row already exists.
func IsConflict(err error) bool { return domain.ErrorCode(err) == domain.EConflict }

// DB is an open database.
type DB struct {
	db      *sql.DB
	dialect Dialect
	box     *secret.Box
	// NowFunc returns the current time; tests may replace it.
	NowFunc func() time.Time
	hooks   hooksCache  // connections' signing tokens, for the webhook receiver
	ingest  groupCommit // webhook deliveries committed together
	dsn     string      // for the connection that listens for jobs
	// traceQuery, when set (by tests), sees each query a Tx runs, rebound
	// for the dialect, so that its plan can be asked for.
	traceQuery func(q string, args []any)
}

// Options are the settings of OpenWith besides the database's name.
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous setting in WAL mode:
	// "normal" (the default) or "full". With normal a commit is durable
	// once the WAL is synced at the next checkpoint: it survives a crash
	// of the process, but the last commits before a power loss or a crash
	// of the operating system may be lost. With full every commit syncs
	// the WAL before it returns, and survives both. Ignored on
	// PostgreSQL, whose synchronous_commit is the operator's.
	SQLiteSynchronous string
	// Ingest tunes the group commit of webhook deliveries.
	Ingest IngestConfig
}

// SQLite synchronous settings.
const (
	SyncNormal = "normal"
	SyncFull   = "full"
)

// ParseSQLiteSynchronous checks a synchronous setting given by an operator:
// "" (the default, normal), "normal" or "full", in any case.
func ParseSQLiteSynchronous(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", SyncNormal:
		return SyncNormal, nil
	case SyncFull:
		return SyncFull, nil
	}
	return "", fmt.Errorf("SQLite synchronous %q: want normal or full", s)
}

// Open opens the database named by dsn (see ParseDSN): a postgres:// or
// postgresql:// URL, a sqlite: URL or a SQLite file path (its folder is
// created). Secrets are sealed with
// box.
func Open(ctx context.Context, dsn string, box *secret.Box) (*DB, error) {
	return OpenWith(ctx, dsn, box, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, box *secret.Box, opts Options) (*DB, error) {
	if box == nil {
		return nil, errors.New("open store: no secret box")
	}
	synchronous, err := ParseSQLiteSynchronous(opts.SQLiteSynchronous)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	d := &DB{box: box, NowFunc: time.Now, dsn: dsn}
	d.ingest.cfg, d.ingest.quit = opts.Ingest, make(chan struct{})
	dialect, path, err := ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if dialect == Postgres {
		d.dialect = Postgres
		d.db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %s", Redact(err.Error(), dsn))
		}
		d.db.SetMaxOpenConns(20)
		d.db.SetMaxIdleConns(20)
	} else {
		d.dialect = SQLite
		if path != ":memory:" {
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("create data folder: %w", err)
			}
		}
		// WAL lets readers run beside the writer; foreign keys keep rows of a
		// removed connection from lingering; the busy timeout makes a writer
		// wait for another rather than fail; immediate transactions take the
		// write lock up front, so a read-then-write transaction never fails
		// half-way with SQLITE_BUSY (reads use ReadTx, which begins
		// deferred and takes no lock); synchronous is normal unless the
		// operator asks for full (see Options); secure_delete overwrites
		// what a purge removes with zeros rather than leaving it in free
		// space.
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "busy_timeout(20000)")
		q.Add("_pragma", "synchronous("+strings.ToUpper(synchronous)+")")
		q.Add("_pragma", "secure_delete(1)")
		q.Set("_txlock", "immediate")
		d.db, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		if path == ":memory:" {
			d.db.SetMaxOpenConns(1)
		} else {
			// As many kept idle as may be open: database/sql keeps two by
			// default, and each connection opened again reads and parses
			// the whole schema before its first statement.
			d.db.SetMaxOpenConns(8)
			d.db.SetMaxIdleConns(8)
		}
	}
	if err := d.db.PingContext(ctx); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("connect to %s: %s", d.dialect, Redact(err.Error(), dsn))
	}
	return d, nil
}

// Redact removes the password of a database URL from s.
func Redact(s, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return s
	}
	if pw, ok := u.User.Password(); ok && pw != "" {
		s = strings.ReplaceAll(s, pw, "xxxxx")
	}
	return s
}

// Dialect reports which database this is.
func (d *DB) Dialect() Dialect { return d.dialect }

// SQL returns the underlying *sql.DB, for tests and benchmarks.
func (d *DB) SQL() *sql.DB { return d.db }

// Close closes the database. Deliveries given to IngestDelivery after it
// fail.
func (d *DB) Close() error {
	d.closeIngest()
	return d.db.Close()
}

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.db.PingContext(ctx) }

func (d *DB) rebind(q string) string {
	if d.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Tx is a transaction. Its clock is fixed when it starts.
type Tx struct {
	tx      *sql.Tx
	db      *DB
	now     time.Time
	touched []string // connections written, forgotten by the hooks cache on commit
	jobs    bool     // a job was inserted or made due: runners are notified on commit
	// readOnly: begun by ReadTx. Reads that lock their rows for a later
	// write in the same transaction (ExportGet) do not lock in it.
	readOnly bool
}

// Now returns the transaction's time.
func (tx *Tx) Now() time.Time { return tx.now }

// InTx runs fn in a transaction and commits it if fn returns nil.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := d.inTx(ctx, nil, fn)
		// A transaction that lost to a concurrent one on PostgreSQL
		// (serialization failure, deadlock, lock not available) did nothing
		// and is run again. SQLite is not retried here: its busy timeout
		// has already waited for the other writer.
		if err != nil && d.dialect == Postgres && attempt < 5 && IsRetryable(err) {
			time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
			continue
		}
		return err
	}
}

// ReadTx runs fn in a read-only transaction, for reads that must come from
// one snapshot. On SQLite it begins deferred, not immediate as InTx does,
// so it does not wait for (or hold up) a writer: WAL gives it the last
// committed state. On PostgreSQL it is READ ONLY. fn must not write: on
// PostgreSQL a write fails, and on SQLite it would take the write lock
// half-way through, where a busy database fails it.
func (d *DB) ReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	return d.inTx(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

func (d *DB) inTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *Tx) error) error {
	stx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: stx, db: d, now: d.NowFunc().UTC().Truncate(time.Millisecond), readOnly: opts != nil && opts.ReadOnly}
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if tx.jobs && d.dialect == Postgres {
		// Delivered to every listening runner when the transaction
		// commits (store.JobsListen), not at all if it rolls back.
		if _, err := stx.ExecContext(ctx, `SELECT pg_notify($1, '')`, JobsChannel); err != nil {
			_ = stx.Rollback()
			return fmt.Errorf("notify job runners: %w", err)
		}
	}
	if err := stx.Commit(); err != nil {
		// The outcome is unknown: the connections are forgotten anyway.
		if len(tx.touched) > 0 {
			d.hooks.forget(tx.touched...)
		}
		return fmt.Errorf("commit: %w", err)
	}
	if len(tx.touched) > 0 {
		d.hooks.forget(tx.touched...)
	}
	return nil
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, tx.db.rebind(q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = tx.db.rebind(q)
	if tx.db.traceQuery != nil {
		tx.db.traceQuery(q, args)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(q), args...)
}

// Migrate applies the migrations not yet applied, one transaction per file.
func (d *DB) Migrate(ctx context.Context) error {
	if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	names, err := d.migrationNames()
	if err != nil {
		return err
	}
	for _, name := range names {
		err := d.InTx(ctx, func(tx *Tx) error {
			var n int
			if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			body, err := fs.ReadFile(migrationFS, "migrations/"+string(d.dialect)+"/"+name)
			if err != nil {
				return err
			}
			for _, stmt := range splitStatements(string(body)) {
				if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
			_, err = tx.exec(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)`, name, tx.now.UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// SchemaUpToDate reports whether every migration has been applied.
func (d *DB) SchemaUpToDate(ctx context.Context) (bool, error) {
	names, err := d.migrationNames()
	if err != nil {
		return false, err
	}
	var n int
	err = d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if err != nil {
		return false, nil // no table yet
	}
	return n >= len(names), nil
}

func (d *DB) migrationNames() ([]string, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations/"+string(d.dialect))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// splitStatements splits a migration file on semicolons that end a line.
func splitStatements(body string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(body, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func notFound(what, id string) error {
	return domain.Errorf(domain.ENotFound, "%s %q not found", what, id)
}
