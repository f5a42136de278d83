package store

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The database errors are told apart by the codes the drivers report, never
// by their text: SQLite's extended result codes (the driver turns them on
// for every connection) and PostgreSQL's SQLSTATE.
//
// PostgreSQL SQLSTATE codes (Appendix A of the PostgreSQL manual).
const (
	pgUniqueViolation      = "23505" // unique_violation
	pgSerializationFailure = "40001" // serialization_failure
	pgDeadlockDetected     = "40P01" // deadlock_detected
	pgLockNotAvailable     = "55P03" // lock_not_available
)

// IsUniqueViolation reports whether err, or an error it wraps, is the
// database refusing a row because a unique index or primary key already
// holds its key: SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY on
// SQLite, unique_violation (23505) on PostgreSQL. Other constraint failures
// (NOT NULL, CHECK, foreign keys) are not.
func IsUniqueViolation(err error) bool {
	if code, ok := sqliteCode(err); ok {
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	if code, ok := pgCode(err); ok {
		return code == pgUniqueViolation
	}
	return false
}

// IsRetryable reports whether err, or an error it wraps, says the
// transaction lost to a concurrent one and did nothing, so running it again
// may succeed: SQLITE_BUSY or SQLITE_LOCKED (with any extended code) on
// SQLite; serialization_failure (40001), deadlock_detected (40P01) or
// lock_not_available (55P03) on PostgreSQL.
func IsRetryable(err error) bool {
	if code, ok := sqliteCode(err); ok {
		primary := code & 0xff
		return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
	}
	if code, ok := pgCode(err); ok {
		return code == pgSerializationFailure || code == pgDeadlockDetected || code == pgLockNotAvailable
	}
	return false
}

// sqliteCode returns the extended result code of a SQLite error in err.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

// pgCode returns the SQLSTATE of a PostgreSQL error in err.
func pgCode(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, true
	}
	return "", false
}
