package store_test

import (
	"context"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// A read in ReadTx runs while another transaction holds the write lock
// (on SQLite, InTx begins immediate and would wait for it) and sees the
// last committed state, not the writer's uncommitted rows.
func TestReadTxDoesNotWaitForAWriter(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	writing, readDone := make(chan struct{}), make(chan error, 1)
	var seen []*domain.Connection
	go func() {
		<-writing
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		readDone <- db.ReadTx(rctx, func(tx *store.Tx) (err error) {
			seen, err = tx.ConnectionList(rctx)
			return err
		})
	}()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConnectionCreate(ctx, &domain.Connection{ID: "acme", Name: "Acme", Environment: "custom", AuthKind: "api_key"}); err != nil {
			return err
		}
		close(writing)
		// The writer holds its lock until the read is done.
		if err := <-readDone; err != nil {
			t.Errorf("read beside a writer: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Fatalf("the read saw %d uncommitted connections", len(seen))
	}
}
