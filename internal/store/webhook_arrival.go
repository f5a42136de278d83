package store

import (
	"context"
	"time"
)

// WebhookArrival is the last delivery of one Lever event to a connection.
type WebhookArrival struct {
	ConnectionID string
	Event        string
	Result       string
	ArrivedAt    time.Time
}

// Lever's "verify connection" test request leaves its result under the
// connection-wide arrival event VerifyArrival: ArrivalVerified when a signing
// token of the connection matched its signature, ArrivalSignatureMismatch
// when none did. A webhook whose token matched also records ArrivalVerified
// under its own event.
const (
	VerifyArrival            = "verify"
	ArrivalVerified          = "verified"
	ArrivalSignatureMismatch = "signature_mismatch"
)

// WebhookArrivalPut records that a signed Lever delivery arrived.
func (d *DB) WebhookArrivalPut(ctx context.Context, connID, event, result string) error {
	return d.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO lever_webhook_arrivals (connection_id, event, result, arrived_at) VALUES (?,?,?,?)
			ON CONFLICT (connection_id, event) DO UPDATE SET result = excluded.result, arrived_at = excluded.arrived_at`, connID, event, result, ms(tx.now))
		return err
	})
}

// WebhookArrivalList returns the last arrival of each event of a connection.
func (tx *Tx) WebhookArrivalList(ctx context.Context, connID string) ([]*WebhookArrival, error) {
	rows, err := tx.query(ctx, `SELECT connection_id, event, result, arrived_at FROM lever_webhook_arrivals WHERE connection_id = ? ORDER BY event`, connID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*WebhookArrival
	for rows.Next() {
		var a WebhookArrival
		var at int64
		if err := rows.Scan(&a.ConnectionID, &a.Event, &a.Result, &at); err != nil {
			return nil, err
		}
		a.ArrivedAt = fromMS(at)
		out = append(out, &a)
	}
	return out, rows.Err()
}
