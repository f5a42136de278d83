package store

import "context"

// Exec runs a statement in the transaction, so tests in package store_test
// can provoke the database errors the store classifies.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}

// HooksCached reports whether the DB holds a copy of the connection's
// signing tokens in memory.
func (d *DB) HooksCached(id string) bool {
	h, _ := d.hooks.get(id)
	return h != nil
}
