package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// openWithDSN returns a migrated database and the DSN it was opened with.
func openWithDSN(t *testing.T) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn, storetest.Box(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, dsn
}

// A duplicate key is told from other failures by the driver's code, on
// whichever database the store runs: a taken e-mail is a conflict the
// operator is told about, a missing column is not.
func TestIsUniqueViolationOnARealDuplicate(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	insert := func(id, email string) error {
		e := "NULL"
		if email != "" {
			e = "'" + email + "'"
		}
		_, err := db.SQL().ExecContext(ctx, `INSERT INTO ui_users (id, email, role, password_hash, created_at, updated_at) VALUES ('`+id+`', `+e+`, 'admin', 'x', 0, 0)`)
		return err
	}
	if err := insert("u1", "ada@example.org"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, email string
		unique          bool
	}{
		{"unique index", "u2", "ada@example.org", true},
		{"primary key", "u1", "ben@example.org", true},
		{"not null", "u3", "", false},
	} {
		err := insert(tc.id, tc.email)
		if err == nil {
			t.Fatalf("%s: insert succeeded, want an error", tc.name)
		}
		if got := store.IsUniqueViolation(err); got != tc.unique {
			t.Errorf("%s on %s: IsUniqueViolation(%v)=%v, want %v", tc.name, db.Dialect(), err, got, tc.unique)
		}
		if got := store.IsUniqueViolation(fmt.Errorf("insert user: %w", err)); got != tc.unique {
			t.Errorf("%s on %s: wrapped: IsUniqueViolation=%v, want %v", tc.name, db.Dialect(), got, tc.unique)
		}
		if store.IsRetryable(err) {
			t.Errorf("%s on %s: IsRetryable(%v)=true, want false", tc.name, db.Dialect(), err)
		}
	}
	if store.IsUniqueViolation(errors.New("UNIQUE constraint failed: ui_users.email (SQLSTATE 23505)")) {
		t.Error("an error that only reads like a duplicate key was classified as one")
	}

	// Through the store: the operator adding a second account with the
	// same e-mail is told it exists.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		return tx.UserCreate(ctx, &store.User{ID: "u4", Email: " ADA@example.org", Role: "member", PasswordHash: "x"})
	})
	if !store.IsConflict(err) || err.Error() != "a user with e-mail ada@example.org exists" {
		t.Fatalf("second account with a taken e-mail: %v, want the conflict naming the e-mail", err)
	}
}

// Another writer holding the database is a retryable failure: on SQLite a
// writer that does not wait gets SQLITE_BUSY.
func TestIsRetryableOnSQLiteBusy(t *testing.T) {
	t.Parallel()
	db, dsn := openWithDSN(t)
	if db.Dialect() != store.SQLite {
		t.Skip("SQLite only")
	}
	ctx := context.Background()
	holder, err := db.SQL().BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	other, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err == nil {
		tx.Rollback()
		t.Fatal("a second writer began while the first held the write lock")
	}
	if !store.IsRetryable(err) || !store.IsRetryable(fmt.Errorf("begin: %w", err)) {
		t.Fatalf("IsRetryable(%v)=false, want true", err)
	}
	if store.IsUniqueViolation(err) {
		t.Fatalf("IsUniqueViolation(%v)=true, want false", err)
	}
}

// On PostgreSQL the three ways a transaction loses to a concurrent one are
// retryable: a lock taken with NOWAIT, a serialization failure and a
// deadlock.
func TestIsRetryableOnPostgresConflicts(t *testing.T) {
	t.Parallel()
	db, _ := openWithDSN(t)
	if db.Dialect() != store.Postgres {
		t.Skip("PostgreSQL only (set " + storetest.EnvURL + ")")
	}
	ctx := context.Background()
	sqldb := db.SQL()
	if _, err := sqldb.ExecContext(ctx, `CREATE TABLE lock_probe (id INT PRIMARY KEY, v INT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := sqldb.ExecContext(ctx, `INSERT INTO lock_probe VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	begin := func(opts *sql.TxOptions) *sql.Tx {
		t.Helper()
		tx, err := sqldb.BeginTx(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tx.Rollback() })
		return tx
	}
	check := func(name, sqlstate string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error, want SQLSTATE %s", name, sqlstate)
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != sqlstate {
			t.Fatalf("%s: %v, want SQLSTATE %s", name, err, sqlstate)
		}
		if !store.IsRetryable(err) || !store.IsRetryable(fmt.Errorf("commit: %w", err)) {
			t.Errorf("%s: IsRetryable(%v)=false, want true", name, err)
		}
		if store.IsUniqueViolation(err) {
			t.Errorf("%s: IsUniqueViolation(%v)=true, want false", name, err)
		}
	}

	t.Run("lock not available", func(t *testing.T) {
		holder := begin(nil)
		if _, err := holder.ExecContext(ctx, `SELECT v FROM lock_probe WHERE id = 1 FOR UPDATE`); err != nil {
			t.Fatal(err)
		}
		_, err := begin(nil).ExecContext(ctx, `SELECT v FROM lock_probe WHERE id = 1 FOR UPDATE NOWAIT`)
		check("lock not available", "55P03", err)
		holder.Rollback()
	})

	t.Run("serialization failure", func(t *testing.T) {
		loser := begin(&sql.TxOptions{Isolation: sql.LevelRepeatableRead})
		if _, err := loser.ExecContext(ctx, `SELECT v FROM lock_probe WHERE id = 1`); err != nil {
			t.Fatal(err) // the snapshot is taken here
		}
		if _, err := sqldb.ExecContext(ctx, `UPDATE lock_probe SET v = v + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		_, err := loser.ExecContext(ctx, `UPDATE lock_probe SET v = v + 1 WHERE id = 1`)
		check("serialization failure", "40001", err)
	})

	t.Run("deadlock", func(t *testing.T) {
		a, b := begin(nil), begin(nil)
		if _, err := a.ExecContext(ctx, `UPDATE lock_probe SET v = v + 1 WHERE id = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ExecContext(ctx, `UPDATE lock_probe SET v = v + 1 WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		// Each now waits for the row the other holds; PostgreSQL aborts one
		// of them after deadlock_timeout (1s by default) and the other
		// goes on.
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, step := range []struct {
			tx *sql.Tx
			id int
		}{{a, 2}, {b, 1}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = step.tx.ExecContext(ctx, `UPDATE lock_probe SET v = v + 1 WHERE id = $1`, step.id)
				if errs[i] != nil {
					step.tx.Rollback() // let the other finish
				}
			}()
		}
		wg.Wait()
		switch {
		case errs[0] != nil && errs[1] == nil:
			check("deadlock", "40P01", errs[0])
		case errs[1] != nil && errs[0] == nil:
			check("deadlock", "40P01", errs[1])
		default:
			t.Fatalf("errors %v, %v; want exactly one deadlock victim", errs[0], errs[1])
		}
	})
}

// A transaction that loses a race on PostgreSQL is run again by InTx, and
// its write lands once.
func TestInTxRunsATransactionThatLostARaceAgain(t *testing.T) {
	t.Parallel()
	db, _ := openWithDSN(t)
	if db.Dialect() != store.Postgres {
		t.Skip("PostgreSQL only: SQLite's busy timeout waits for the other writer instead")
	}
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE lock_probe (id INT PRIMARY KEY, v INT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO lock_probe VALUES (1, 0)`); err != nil {
		t.Fatal(err)
	}
	attempts := 0
	var firstErr error
	err := db.InTx(ctx, func(tx *store.Tx) error {
		attempts++
		if attempts == 1 {
			if err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`); err != nil {
				return err
			}
			if err := tx.Exec(ctx, `SELECT v FROM lock_probe WHERE id = 1`); err != nil {
				return err
			}
			// Another writer changes the row after this snapshot.
			if _, err := db.SQL().ExecContext(ctx, `UPDATE lock_probe SET v = v + 1 WHERE id = 1`); err != nil {
				return fmt.Errorf("concurrent update: %w", err)
			}
		}
		err := tx.Exec(ctx, `UPDATE lock_probe SET v = v + 10 WHERE id = 1`)
		if attempts == 1 {
			firstErr = err
		}
		return err
	})
	if err != nil {
		t.Fatalf("InTx: %v (first attempt: %v)", err, firstErr)
	}
	if attempts != 2 || !store.IsRetryable(firstErr) {
		t.Fatalf("attempts=%d, first attempt's error %v; want 2 after a serialization failure", attempts, firstErr)
	}
	var v int
	if err := db.SQL().QueryRowContext(ctx, `SELECT v FROM lock_probe WHERE id = 1`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != 11 {
		t.Fatalf("v=%d, want 11: the other writer's 1 and this transaction's 10, once", v)
	}
}
