package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
)

// Locks for the package tag check. Two providers enabled on one connection
// must not share a package tag, so a transaction that publishes a
// provider's packages or enables a provider on a connection first reads the
// other providers' packages and integrations, then writes. On PostgreSQL at
// READ COMMITTED two such transactions could each pass the check before the
// other commits, and both write the same tag. So each locks, before it
// reads anything the check uses, the row of the provider it writes for and
// then the rows of the connections it checks, in id order: two
// transactions that could collide share a row, the second waits for the
// first to commit, and its reads, made after the lock, see what the first
// wrote. Each such transaction locks one provider and then connections in
// id order, so none of them waits for another in a cycle.
//
// On SQLite every transaction is immediate (see Open): it holds the
// database's write lock from its start, so a check and its write in one
// transaction are serialized already, and these are no-ops.

// ProviderLock locks the provider's row until the transaction ends, or
// returns a not_found error.
func (tx *Tx) ProviderLock(ctx context.Context, id string) error {
	if tx.db.dialect != Postgres {
		return nil
	}
	var got string
	err := tx.queryRow(ctx, `SELECT id FROM providers WHERE id = ? FOR UPDATE`, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("provider", id)
	}
	return err
}

// ConnectionsLock locks the rows of the connections ids, one after another
// in id order, until the transaction ends. An id with no row locks nothing.
func (tx *Tx) ConnectionsLock(ctx context.Context, ids []string) error {
	if tx.db.dialect != Postgres || len(ids) == 0 {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		var got string
		err := tx.queryRow(ctx, `SELECT id FROM connections WHERE id = ? FOR UPDATE`, id).Scan(&got)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	return nil
}
