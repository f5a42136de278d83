package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

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
	Before        *LeverEventKey // the events received before this one; nil: from the newest
	Limit         int            // default 100
}

// LeverEventKey is an event's place in the newest-first order of
// LeverEventList: a page's last event, from which the next page starts.
type LeverEventKey struct {
	ReceivedAt time.Time
	ID         string
}

// Above this many connections, LeverEventList reads the events of all
// connections newest first and keeps the wanted ones; at or below it, it
// reads each connection's newest events from its own index and merges them.
const eventListMergeMax = 32

// LeverEventList returns Lever events, newest first. A page is read from an
// index in that order, from f.Before on, and stops at the limit, however
// many events are stored: with an opportunity, from the opportunity's
// events; with one connection, from its events; with up to
// eventListMergeMax connections, from each one's newest events, merged; with
// more, or none, from all events newest first.
func (tx *Tx) LeverEventList(ctx context.Context, f LeverEventFilter) ([]*domain.LeverEvent, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	// where returns the conditions and arguments for the events of conns.
	where := func(conns []string) (string, []any) {
		q := ` WHERE 1=1`
		var args []any
		switch len(conns) {
		case 0:
		case 1:
			q += ` AND connection_id = ?`
			args = append(args, conns[0])
		default:
			if tx.db.dialect == Postgres {
				// One array, not a parameter per connection: PostgreSQL
				// plans a list of thousands of values element by element
				// (50 ms for a provider on 4,000 connections), an unnested
				// array as a whole.
				q += ` AND connection_id IN (SELECT unnest(CAST(? AS text[])))`
				args = append(args, conns)
				break
			}
			q += ` AND connection_id IN (` + placeholders(len(conns)) + `)`
			for _, c := range conns {
				args = append(args, c)
			}
		}
		if f.OpportunityID != "" {
			q += ` AND opportunity_id = ?`
			args = append(args, f.OpportunityID)
		}
		if f.Before != nil {
			// A row value, so that the index's range starts at the key.
			q += ` AND (received_at, id) < (?, ?)`
			args = append(args, ms(f.Before.ReceivedAt), f.Before.ID)
		}
		return q + ` ORDER BY received_at DESC, id DESC LIMIT ?`, append(args, f.Limit)
	}
	index := "lever_events_received"
	switch {
	case f.OpportunityID != "":
		index = "lever_events_opportunity_received"
	case len(f.ConnectionIDs) == 1:
		index = "lever_events_connection_received"
	case len(f.ConnectionIDs) > 1 && len(f.ConnectionIDs) <= eventListMergeMax:
		index = "lever_events_connection_received"
		var q string
		var args []any
		for i, c := range f.ConnectionIDs {
			w, a := where([]string{c})
			if i > 0 {
				q += ` UNION ALL `
			}
			q += `SELECT * FROM (SELECT ` + eventColumns + ` FROM lever_events` + tx.indexedBy(index) + w + `) AS c` + strconv.Itoa(i)
			args = append(args, a...)
		}
		return tx.listEvents(ctx, q+` ORDER BY received_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	}
	w, args := where(f.ConnectionIDs)
	return tx.listEvents(ctx, `SELECT `+eventColumns+` FROM lever_events`+tx.indexedBy(index)+w, args...)
}

func (tx *Tx) listEvents(ctx context.Context, q string, args ...any) ([]*domain.LeverEvent, error) {
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
