package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/domain"
)

const orderColumns = `id, integration_id, connection_id, provider_id, package_id, package_name, opportunity_id, posting_id, status, candidate, details, candidate_url, evaluation_url, result, last_error, created_at, updated_at`

func scanOrder(row interface{ Scan(...any) error }) (*domain.Order, error) {
	var o domain.Order
	var cand, details string
	var result sql.NullString
	var created, updated int64
	if err := row.Scan(&o.ID, &o.IntegrationID, &o.ConnectionID, &o.ProviderID, &o.PackageID, &o.PackageName, &o.OpportunityID, &o.PostingID,
		&o.Status, &cand, &details, &o.CandidateURL, &o.EvaluationURL, &result, &o.LastError, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cand), &o.Candidate); err != nil {
		return nil, fmt.Errorf("order %s candidate: %w", o.ID, err)
	}
	if err := json.Unmarshal([]byte(details), &o.Details); err != nil {
		return nil, fmt.Errorf("order %s details: %w", o.ID, err)
	}
	if result.Valid && result.String != "" {
		o.Result = json.RawMessage(result.String)
	}
	o.CreatedAt, o.UpdatedAt = fromMS(created), fromMS(updated)
	return &o, nil
}

func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// OrderInsert stores a new order. A live order for the same integration and
// opportunity makes it a conflict.
func (tx *Tx) OrderInsert(ctx context.Context, o *domain.Order) error {
	cand, _ := json.Marshal(o.Candidate)
	details, _ := json.Marshal(o.Details)
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	_, err := tx.exec(ctx, `INSERT INTO orders (`+orderColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		o.ID, o.IntegrationID, o.ConnectionID, o.ProviderID, o.PackageID, o.PackageName, o.OpportunityID, o.PostingID,
		o.Status, string(cand), string(details), o.CandidateURL, o.EvaluationURL, nullJSON(o.Result), o.LastError, ms(tx.now), ms(tx.now))
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "opportunity %s already has a live order for integration %s", o.OpportunityID, o.IntegrationID)
	}
	return err
}

// OrderUpdate saves an order's status, links, result and last error.
func (tx *Tx) OrderUpdate(ctx context.Context, o *domain.Order) error {
	cand, _ := json.Marshal(o.Candidate)
	details, _ := json.Marshal(o.Details)
	o.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE orders SET status = ?, candidate = ?, details = ?, candidate_url = ?, evaluation_url = ?, result = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		o.Status, string(cand), string(details), o.CandidateURL, o.EvaluationURL, nullJSON(o.Result), o.LastError, ms(tx.now), o.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("order", o.ID)
	}
	return nil
}

// OrderGet returns an order, or a not_found error.
func (tx *Tx) OrderGet(ctx context.Context, id string) (*domain.Order, error) {
	o, err := scanOrder(tx.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("order", id)
	}
	return o, err
}

// OrderLive returns the live (not cancelled, not expired) order of an
// integration for an opportunity, or a not_found error.
func (tx *Tx) OrderLive(ctx context.Context, integrationID, opportunityID string) (*domain.Order, error) {
	o, err := scanOrder(tx.queryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE integration_id = ? AND opportunity_id = ? AND status NOT IN ('cancelled', 'expired')`, integrationID, opportunityID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("live order for opportunity", opportunityID)
	}
	return o, err
}

// OrderFilter narrows OrderList. Empty fields match everything.
type OrderFilter struct {
	ProviderID    string
	ConnectionID  string
	OpportunityID string
	PostingID     string
	Status        string
	Statuses      []string
	UpdatedSince  time.Time
	Cursor        string // from a previous page's next cursor
	Limit         int    // default 50
}

// OrderList returns a page of orders, ordered by (updated_at, id), and the
// cursor of the next page ("" on the last page).
func (tx *Tx) OrderList(ctx context.Context, f OrderFilter) ([]*domain.Order, string, error) {
	q := `SELECT ` + orderColumns + ` FROM orders` + tx.indexedBy(orderIndex(f.OpportunityID, f.PostingID, f.ConnectionID, f.ProviderID, f.Status)) + ` WHERE 1=1`
	var args []any
	add := func(cond string, v any) { q += ` AND ` + cond; args = append(args, v) }
	if f.ProviderID != "" {
		add(`provider_id = ?`, f.ProviderID)
	}
	if f.ConnectionID != "" {
		add(`connection_id = ?`, f.ConnectionID)
	}
	if f.OpportunityID != "" {
		add(`opportunity_id = ?`, f.OpportunityID)
	}
	if f.PostingID != "" {
		add(`posting_id = ?`, f.PostingID)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if len(f.Statuses) > 0 {
		q += ` AND status IN (` + placeholders(len(f.Statuses)) + `)`
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if !f.UpdatedSince.IsZero() {
		add(`updated_at >= ?`, ms(f.UpdatedSince))
	}
	return listPage(ctx, tx, q, args, f.Cursor, f.Limit, scanOrder, func(o *domain.Order) (time.Time, string) { return o.UpdatedAt, o.ID })
}

// listPage runs q (a SELECT with its WHERE conditions) for one page of at
// most limit rows (default 50) ordered by (updated_at, id) after cursor,
// and returns the rows and the cursor of the next page ("" on the last).
// key gives a row's updated_at and id.
func listPage[T any](ctx context.Context, tx *Tx, q string, args []any, cursor string, limit int, scan func(interface{ Scan(...any) error }) (*T, error), key func(*T) (time.Time, string)) ([]*T, string, error) {
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		// A row value, so that the index's range starts at the cursor
		// rather than at the filter's first row.
		q += ` AND (updated_at, id) > (?, ?)`
		args = append(args, at, id)
	}
	if limit <= 0 {
		limit = 50
	}
	q += ` ORDER BY updated_at, id LIMIT ?`
	args = append(args, limit+1)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		at, id := key(out[len(out)-1])
		next = encodeCursor(ms(at), id)
	}
	return out, next, nil
}

func encodeCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + "|" + id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		at, id, ok := strings.Cut(string(b), "|")
		if ok {
			if n, err := strconv.ParseInt(at, 10, 64); err == nil {
				return n, id, nil
			}
		}
	}
	return 0, "", domain.Errorf(domain.EInvalid, "cursor %q is not one this API handed out", c)
}

// OrderEventInsert appends a step to an order's timeline.
func (tx *Tx) OrderEventInsert(ctx context.Context, e *domain.OrderEvent) error {
	e.CreatedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO order_events (id, order_id, type, payload, created_at) VALUES (?,?,?,?,?)`,
		e.ID, e.OrderID, e.Type, string(e.Payload), ms(tx.now))
	return err
}

// OrderEventList returns an order's timeline, oldest first.
func (tx *Tx) OrderEventList(ctx context.Context, orderID string) ([]*domain.OrderEvent, error) {
	rows, err := tx.query(ctx, `SELECT id, order_id, type, payload, created_at FROM order_events WHERE order_id = ? ORDER BY created_at, id`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.OrderEvent
	for rows.Next() {
		var e domain.OrderEvent
		var payload string
		var created int64
		if err := rows.Scan(&e.ID, &e.OrderID, &e.Type, &payload, &created); err != nil {
			return nil, err
		}
		e.Payload, e.CreatedAt = []byte(payload), fromMS(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}
