package store

import (
	"context"
	"time"
)

// IntegrationCheck is the outcome of an integration's last setup check.
type IntegrationCheck struct {
	IntegrationID string
	CheckedAt     time.Time
	Errors        int
	Warnings      int
	FirstError    string // the first error in words; "" when none
}

// IntegrationCheckPut records c as its integration's last check, at the
// transaction's time.
func (tx *Tx) IntegrationCheckPut(ctx context.Context, c *IntegrationCheck) error {
	c.CheckedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO integration_checks (integration_id, checked_at, errors, warnings, first_error) VALUES (?,?,?,?,?)
		ON CONFLICT (integration_id) DO UPDATE SET checked_at = excluded.checked_at, errors = excluded.errors, warnings = excluded.warnings, first_error = excluded.first_error`,
		c.IntegrationID, ms(tx.now), c.Errors, c.Warnings, c.FirstError)
	return err
}

// IntegrationCheckList returns every integration's last check, by
// integration id.
func (tx *Tx) IntegrationCheckList(ctx context.Context) (map[string]*IntegrationCheck, error) {
	rows, err := tx.query(ctx, `SELECT integration_id, checked_at, errors, warnings, first_error FROM integration_checks`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*IntegrationCheck{}
	for rows.Next() {
		var c IntegrationCheck
		var at int64
		if err := rows.Scan(&c.IntegrationID, &at, &c.Errors, &c.Warnings, &c.FirstError); err != nil {
			return nil, err
		}
		c.CheckedAt = fromMS(at)
		out[c.IntegrationID] = &c
	}
	return out, rows.Err()
}
