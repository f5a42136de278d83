package store

import (
	"context"
	"database/sql"
	"errors"

	"stagecoach/internal/domain"
)

const effectColumns = `key, connection_id, opportunity_id, order_id, kind, payload, status, attempts, result, last_error, created_at, updated_at`

func scanEffect(row interface{ Scan(...any) error }) (*domain.Effect, error) {
	var e domain.Effect
	var payload string
	var created, updated int64
	if err := row.Scan(&e.Key, &e.ConnectionID, &e.OpportunityID, &e.OrderID, &e.Kind, &payload, &e.Status, &e.Attempts, &e.Result, &e.LastError, &created, &updated); err != nil {
		return nil, err
	}
	e.Payload, e.CreatedAt, e.UpdatedAt = []byte(payload), fromMS(created), fromMS(updated)
	return &e, nil
}

// EffectEnsure records e in the journal unless its key is there already, and
// returns the journal's row for the key.
func (tx *Tx) EffectEnsure(ctx context.Context, e *domain.Effect) (*domain.Effect, error) {
	_, err := tx.exec(ctx, `INSERT INTO effects (`+effectColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (key) DO NOTHING`,
		e.Key, e.ConnectionID, e.OpportunityID, e.OrderID, e.Kind, string(e.Payload), domain.EffectPending, 0, "", "", ms(tx.now), ms(tx.now))
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

// EffectMarkSending records that an attempt is about to be sent.
func (tx *Tx) EffectMarkSending(ctx context.Context, key string) error {
	_, err := tx.exec(ctx, `UPDATE effects SET status = ?, attempts = attempts + 1, updated_at = ? WHERE key = ?`, domain.EffectSending, ms(tx.now), key)
	return err
}

// EffectFinish records an effect's outcome.
func (tx *Tx) EffectFinish(ctx context.Context, key, status, result, lastError string) error {
	_, err := tx.exec(ctx, `UPDATE effects SET status = ?, result = ?, last_error = ?, updated_at = ? WHERE key = ?`, status, result, lastError, ms(tx.now), key)
	return err
}

// EffectNote records an error on an effect without changing its status.
func (tx *Tx) EffectNote(ctx context.Context, key, lastError string) error {
	_, err := tx.exec(ctx, `UPDATE effects SET last_error = ?, updated_at = ? WHERE key = ?`, lastError, ms(tx.now), key)
	return err
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
