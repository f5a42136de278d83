package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// IdempotentResponse is a stored answer to a POST with an Idempotency-Key.
type IdempotentResponse struct {
	RequestHash string
	Status      int
	Body        []byte
}

// IdempotencyTTL is how long a stored answer is replayed; after that the
// key may be used again (and the answer is pruned, see IdempotencyPrune).
const IdempotencyTTL = 24 * time.Hour

// IdempotencyGet returns the stored answer for a provider's key, or nil.
func (tx *Tx) IdempotencyGet(ctx context.Context, providerID, key string) (*IdempotentResponse, error) {
	var r IdempotentResponse
	err := tx.queryRow(ctx, `SELECT request_hash, status, body FROM idempotency_keys WHERE provider_id = ? AND key = ? AND created_at >= ?`,
		providerID, key, ms(tx.now.Add(-IdempotencyTTL))).Scan(&r.RequestHash, &r.Status, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// IdempotencyPut stores the answer for a provider's key.
func (tx *Tx) IdempotencyPut(ctx context.Context, providerID, key string, r IdempotentResponse) error {
	_, err := tx.exec(ctx, `INSERT INTO idempotency_keys (provider_id, key, request_hash, status, body, created_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT (provider_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status, body = excluded.body, created_at = excluded.created_at`,
		providerID, key, r.RequestHash, r.Status, r.Body, ms(tx.now))
	return err
}

// IdempotencyPrune deletes the answers stored before before, and reports
// how many it deleted.
func (d *DB) IdempotencyPrune(ctx context.Context, before time.Time) (int64, error) {
	res, err := d.db.ExecContext(ctx, d.rebind(`DELETE FROM idempotency_keys WHERE created_at < ?`), ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", err)
	}
	return res.RowsAffected()
}

// RateTake takes one token from the bucket named key (refilled at rate per
// second up to burst). It returns 0 when a token was taken, or how long to
// wait before one will be there. The bucket lives in the database, so every
// process sharing it shares the budget.
func (d *DB) RateTake(ctx context.Context, key string, rate float64, burst int) (time.Duration, error) {
	var wait time.Duration
	err := d.InTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		if _, err := tx.exec(ctx, `INSERT INTO rate_buckets (key, tokens, updated_at) VALUES (?,?,?) ON CONFLICT (key) DO NOTHING`, key, float64(burst), now); err != nil {
			return err
		}
		q := `SELECT tokens, updated_at FROM rate_buckets WHERE key = ?`
		if d.dialect == Postgres {
			q += ` FOR UPDATE`
		}
		var tokens float64
		var updated int64
		if err := tx.queryRow(ctx, q, key).Scan(&tokens, &updated); err != nil {
			return err
		}
		// The bucket is locked from here on. Read the clock now, not when
		// the transaction began: it may have waited for the lock while
		// another process refilled the bucket up to a later time. Counting
		// from the earlier time would hand out that refill twice.
		now = max(ms(d.NowFunc()), updated)
		elapsed := float64(max(now-updated, 0)) / 1000
		tokens = math.Min(float64(burst), tokens+elapsed*rate)
		// The sums are floating point: a bucket that has refilled to one
		// token may hold 0.9999999999999999. Count that as a token; and
		// never answer "wait 0" without taking one (a wait shorter than the
		// bucket's millisecond clock would round to nothing and let every
		// waiter through).
		if tokens >= 1-1e-9 {
			tokens = math.Max(tokens-1, 0)
			wait = 0
		} else {
			wait = max(time.Duration(math.Ceil((1-tokens)/rate*1000))*time.Millisecond, time.Millisecond)
		}
		_, err := tx.exec(ctx, `UPDATE rate_buckets SET tokens = ?, updated_at = ? WHERE key = ?`, tokens, now, key)
		return err
	})
	return wait, err
}
