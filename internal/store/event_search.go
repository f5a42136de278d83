package store

import (
	"context"
	"encoding/json"
	"time"

	"stagecoach/internal/domain"
)

// DecisionNone filters EventSearch to the events no integration acted on.
const DecisionNone = "none"

// EventSearch narrows LeverEventSearch: the event log's filters.
type EventSearch struct {
	ConnectionID  string
	OpportunityID string
	Event         string // a Lever event name
	// IntegrationID and Decision keep the events an integration (any,
	// when empty) decided on, with that decision (any, when empty);
	// Decision DecisionNone keeps those no integration (or not that one)
	// decided on.
	IntegrationID string
	Decision      string
	Since, Until  time.Time // received in [Since, Until); zero: unbounded
	Limit         int       // default 100
}

// LeverEventSearch returns the Lever events matching q, newest first.
func (tx *Tx) LeverEventSearch(ctx context.Context, q EventSearch) ([]*domain.LeverEvent, error) {
	sq := `SELECT ` + eventColumns + ` FROM lever_events WHERE 1=1`
	var args []any
	add := func(cond string, v ...any) { sq += ` AND ` + cond; args = append(args, v...) }
	if q.ConnectionID != "" {
		add(`connection_id = ?`, q.ConnectionID)
	}
	if q.OpportunityID != "" {
		add(`opportunity_id = ?`, q.OpportunityID)
	}
	if q.Event != "" {
		add(`event = ?`, q.Event)
	}
	if !q.Since.IsZero() {
		add(`received_at >= ?`, ms(q.Since))
	}
	if !q.Until.IsZero() {
		add(`received_at < ?`, ms(q.Until))
	}
	if q.IntegrationID != "" || q.Decision != "" {
		sub := `SELECT 1 FROM decisions d WHERE d.event_id = lever_events.id`
		var sargs []any
		if q.IntegrationID != "" {
			sub += ` AND d.integration_id = ?`
			sargs = append(sargs, q.IntegrationID)
		}
		if q.Decision == DecisionNone {
			add(`NOT EXISTS (`+sub+`)`, sargs...)
		} else {
			if q.Decision != "" {
				sub += ` AND d.decision = ?`
				sargs = append(sargs, q.Decision)
			}
			add(`EXISTS (`+sub+`)`, sargs...)
		}
	}
	if q.Limit <= 0 {
		q.Limit = 100
	}
	sq += ` ORDER BY received_at DESC, id DESC LIMIT ?`
	args = append(args, q.Limit)
	rows, err := tx.query(ctx, sq, args...)
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

// CandidateNamesByOpportunity returns the candidate's name of each of the
// opportunities that have an order, from their latest order.
func (tx *Tx) CandidateNamesByOpportunity(ctx context.Context, oppIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(oppIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(oppIDs))
	for i, id := range oppIDs {
		args[i] = id
	}
	rows, err := tx.query(ctx, `SELECT opportunity_id, candidate FROM orders WHERE opportunity_id IN (`+placeholders(len(oppIDs))+`) ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var opp, cand string
		if err := rows.Scan(&opp, &cand); err != nil {
			return nil, err
		}
		var c domain.Candidate
		if json.Unmarshal([]byte(cand), &c) == nil && c.Name != "" {
			out[opp] = c.Name
		}
	}
	return out, rows.Err()
}
