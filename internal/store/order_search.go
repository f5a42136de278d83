package store

import (
	"context"
	"slices"
	"strings"

	"stagecoach/internal/domain"
)

// OrderQuery narrows OrderSearch.
type OrderQuery struct {
	ConnectionID string
	ProviderID   string
	Status       string
	Text         string // part of the candidate's name or e-mail, an order or opportunity id
	Before       string // a page's Older cursor: the page of orders updated before it
	After        string // a page's Newer cursor: the page of orders updated after it
	Limit        int    // default 50
}

// OrderPage is a page of OrderSearch, most recently updated first, with the
// cursors of the pages on either side ("" when there is none).
type OrderPage struct {
	Orders       []*domain.Order
	Newer, Older string
}

// OrderSearch returns the page of orders matching q, most recently updated
// first. Pages are keyed by (updated_at, id), not counted by an offset: a
// page deep down costs what the first does. A cursor that is not one
// OrderSearch handed out is an invalid error.
func (tx *Tx) OrderSearch(ctx context.Context, q OrderQuery) (*OrderPage, error) {
	index := orderIndex("", "", q.ConnectionID, q.ProviderID, q.Status)
	sq := `SELECT ` + orderColumns + ` FROM orders` + tx.indexedBy(index) + ` WHERE 1=1`
	var args []any
	add := func(cond string, v ...any) { sq += ` AND ` + cond; args = append(args, v...) }
	if q.ConnectionID != "" {
		add(`connection_id = ?`, q.ConnectionID)
	}
	if q.ProviderID != "" {
		add(`provider_id = ?`, q.ProviderID)
	}
	if q.Status != "" {
		add(`status = ?`, q.Status)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		// A part of a text is found by reading the rows in order until the
		// page is full: a rare text reads the whole table (or the part the
		// other filters select).
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(t)) + "%"
		add(`(LOWER(candidate) LIKE ? ESCAPE '\' OR id = ? OR opportunity_id = ? OR LOWER(package_name) LIKE ? ESCAPE '\')`, like, t, t, like)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	newerFirst := q.After == ""
	switch {
	case q.After != "":
		at, id, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		add(`(updated_at, id) > (?, ?)`, at, id)
		sq += ` ORDER BY updated_at, id`
	case q.Before != "":
		at, id, err := decodeCursor(q.Before)
		if err != nil {
			return nil, err
		}
		add(`(updated_at, id) < (?, ?)`, at, id)
		fallthrough
	default:
		sq += ` ORDER BY updated_at DESC, id DESC`
	}
	sq += ` LIMIT ?`
	args = append(args, q.Limit+1)
	rows, err := tx.query(ctx, sq, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	if !newerFirst {
		slices.Reverse(out)
	}
	p := &OrderPage{Orders: out}
	if len(out) == 0 {
		return p, nil
	}
	key := func(o *domain.Order) string { return encodeCursor(ms(o.UpdatedAt), o.ID) }
	// Going older, the page we came from is newer; going newer, the one we
	// came from is older.
	if (newerFirst && more) || !newerFirst {
		p.Older = key(out[len(out)-1])
	}
	if (!newerFirst && more) || q.Before != "" {
		p.Newer = key(out[0])
	}
	return p, nil
}
