package store

import (
	"context"
	"database/sql"
	"errors"

	"stagecoach/internal/domain"
)

const eventColumns = `id, connection_id, event, dedupe_key, opportunity_id, triggered_at, payload, source, received_at`

func scanEvent(row interface{ Scan(...any) error }) (*domain.LeverEvent, error) {
	var e domain.LeverEvent
	var payload string
	var received int64
	if err := row.Scan(&e.ID, &e.ConnectionID, &e.Event, &e.DedupeKey, &e.OpportunityID, &e.TriggeredAt, &payload, &e.Source, &received); err != nil {
		return nil, err
	}
	e.Payload, e.ReceivedAt = []byte(payload), fromMS(received)
	return &e, nil
}

// LeverEventInsert stores a Lever event unless one with the same dedupe key
// was stored for the connection; it reports whether it stored it.
func (tx *Tx) LeverEventInsert(ctx context.Context, e *domain.LeverEvent) (bool, error) {
	e.ReceivedAt = tx.now
	res, err := tx.exec(ctx, `INSERT INTO lever_events (`+eventColumns+`) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (connection_id, dedupe_key) DO NOTHING`,
		e.ID, e.ConnectionID, e.Event, e.DedupeKey, e.OpportunityID, e.TriggeredAt, string(e.Payload), e.Source, ms(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LeverEventGet returns a stored Lever event.
func (tx *Tx) LeverEventGet(ctx context.Context, id string) (*domain.LeverEvent, error) {
	e, err := scanEvent(tx.queryRow(ctx, `SELECT `+eventColumns+` FROM lever_events WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("lever event", id)
	}
	return e, err
}

// LeverEventFilter narrows LeverEventList.
type LeverEventFilter struct {
	ConnectionIDs []string // empty: all
	OpportunityID string
	Limit         int // default 100
}

// LeverEventList returns Lever events, newest first.
func (tx *Tx) LeverEventList(ctx context.Context, f LeverEventFilter) ([]*domain.LeverEvent, error) {
	q := `SELECT ` + eventColumns + ` FROM lever_events WHERE 1=1`
	var args []any
	if len(f.ConnectionIDs) > 0 {
		q += ` AND connection_id IN (` + placeholders(len(f.ConnectionIDs)) + `)`
		for _, c := range f.ConnectionIDs {
			args = append(args, c)
		}
	}
	if f.OpportunityID != "" {
		q += ` AND opportunity_id = ?`
		args = append(args, f.OpportunityID)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += ` ORDER BY received_at DESC, id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.LeverEvent
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

// DecisionInsert records a routing decision.
func (tx *Tx) DecisionInsert(ctx context.Context, d *domain.Decision) error {
	d.CreatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO decisions (event_id, integration_id, opportunity_id, decision, reason, order_id, created_at) VALUES (?,?,?,?,?,?,?)`,
		d.EventID, d.IntegrationID, d.OpportunityID, d.Decision, d.Reason, d.OrderID, ms(tx.now))
	return err
}

// DecisionList returns the decisions taken for an event, oldest first.
func (tx *Tx) DecisionList(ctx context.Context, eventID string) ([]*domain.Decision, error) {
	rows, err := tx.query(ctx, `SELECT event_id, integration_id, opportunity_id, decision, reason, order_id, created_at FROM decisions WHERE event_id = ? ORDER BY id`, eventID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Decision
	for rows.Next() {
		var d domain.Decision
		var created int64
		if err := rows.Scan(&d.EventID, &d.IntegrationID, &d.OpportunityID, &d.Decision, &d.Reason, &d.OrderID, &created); err != nil {
			return nil, err
		}
		d.CreatedAt = fromMS(created)
		out = append(out, &d)
	}
	return out, rows.Err()
}
