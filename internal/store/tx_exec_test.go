package store

import "context"

// Exec runs a statement in the transaction, so tests in package store_test
// can provoke the database errors the store classifies.
func (tx *Tx) Exec(ctx context.Context, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	return err
}
