package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"stagecoach/internal/domain"
)

const effectColumns = `key, connection_id, opportunity_id, order_id, kind, payload, status, attempts, result, last_error, owner, lease_until, created_at, updated_at`

func scanEffect(row interface{ Scan(...any) error }) (*domain.Effect, error) {
	var e domain.Effect
	var payload string
	var lease, created, updated int64
	if err := row.Scan(&e.Key, &e.ConnectionID, &e.OpportunityID, &e.OrderID, &e.Kind, &payload, &e.Status, &e.Attempts, &e.Result, &e.LastError, &e.Owner, &lease, &created, &updated); err != nil {
		return nil, err
	}
	e.Payload, e.LeaseUntil, e.CreatedAt, e.UpdatedAt = []byte(payload), fromMS(lease), fromMS(created), fromMS(updated)
	return &e, nil
}

// EffectEnsure records e in the journal unless its key is there already, and
// returns the journal's row for the key.
func (tx *Tx) EffectEnsure(ctx context.Context, e *domain.Effect) (*domain.Effect, error) {
	_, err := tx.exec(ctx, `INSERT INTO effects (`+effectColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`,
		e.Key, e.ConnectionID, e.OpportunityID, e.OrderID, e.Kind, string(e.Payload), domain.EffectPending, 0, "", "", "", 0, ms(tx.now), ms(tx.now))
	if err != nil {
		return nil, err
	}
	return tx.EffectGet(ctx, e.Key)
}

// EffectGet returns the journal's row for key.
func (tx *Tx) EffectGet(ctx context.Context, key string) (*domain.Effect, error) {
	e, err := scanEffect(tx.queryRow(ctx, `SELECT `+effectColumns+` FROM effects WHERE key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("effect", key)
	}
	return e, err
}

// The methods below are what the journal (internal/journal) needs: each is
// one transaction, and every change after the claim is made only by the
// claim's owner.

// EffectEnsure records e in the journal unless its key is there already, and
// returns the journal's row for the key.
func (d *DB) EffectEnsure(ctx context.Context, e *domain.Effect) (row *domain.Effect, err error) {
	err = d.InTx(ctx, func(tx *Tx) error {
		row, err = tx.EffectEnsure(ctx, e)
		return err
	})
	return row, err
}

// EffectClaim makes owner the holder of the unfinished entry key until lease
// from now, unless another owner holds it and its lease has not run out (a
// compare-and-set: of concurrent claimants exactly one wins). It returns the
// row as it is after the attempt and whether owner holds it.
func (d *DB) EffectClaim(ctx context.Context, key, owner string, lease time.Duration) (row *domain.Effect, claimed bool, err error) {
	err = d.InTx(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		res, err := tx.exec(ctx, `UPDATE effects SET owner = ?, lease_until = ?, updated_at = ?
			WHERE key = ? AND status IN (?, ?) AND (owner = '' OR owner = ? OR lease_until <= ?)`,
			owner, now+lease.Milliseconds(), now, key, domain.EffectPending, domain.EffectSending, owner, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		claimed = n == 1
		row, err = tx.EffectGet(ctx, key)
		return err
	})
	return row, claimed, err
}

// EffectExtend renews owner's lease on key to lease from now; false when
// owner no longer holds it.
func (d *DB) EffectExtend(ctx context.Context, key, owner string, lease time.Duration) (held bool, err error) {
	err = d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE effects SET lease_until = ? WHERE key = ? AND owner = ?`, ms(tx.now)+lease.Milliseconds(), key, owner)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// EffectMarkSending records that owner is about to send key; false when
// owner no longer holds it (nothing is recorded, and it must not send).
func (d *DB) EffectMarkSending(ctx context.Context, key, owner string) (held bool, err error) {
	err = d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE effects SET status = ?, attempts = attempts + 1, updated_at = ? WHERE key = ? AND owner = ?`, domain.EffectSending, ms(tx.now), key, owner)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// EffectRelease records what owner's attempt at key came to (its status,
// result and error) and lets the entry go; false when owner no longer held
// it (nothing is recorded: the entry's new holder decides).
func (d *DB) EffectRelease(ctx context.Context, key, owner, status, result, lastError string) (held bool, err error) {
	err = d.InTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE effects SET status = ?, result = ?, last_error = ?, owner = '', lease_until = 0, updated_at = ? WHERE key = ? AND owner = ?`,
			status, result, lastError, ms(tx.now), key, owner)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

// EffectList returns the journal rows of an order, oldest first.
func (tx *Tx) EffectList(ctx context.Context, orderID string) ([]*domain.Effect, error) {
	rows, err := tx.query(ctx, `SELECT `+effectColumns+` FROM effects WHERE order_id = ? ORDER BY created_at, key`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Effect
	for rows.Next() {
		e, err := scanEffect(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// EffectCounts returns the number of journal rows by status.
func (d *DB) EffectCounts(ctx context.Context) (map[string]int, error) {
	return d.countBy(ctx, `SELECT status, COUNT(*) FROM effects GROUP BY status`)
}

func (d *DB) countBy(ctx context.Context, q string) (map[string]int, error) {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}
