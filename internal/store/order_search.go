package store

import (
	"context"
	"strings"

	"stagecoach/internal/domain"
)

// OrderQuery narrows OrderSearch.
type OrderQuery struct {
	ConnectionID string
	ProviderID   string
	Status       string
	Text         string // part of the candidate's name or e-mail, an order or opportunity id
	Offset       int
	Limit        int // default 50
}

// OrderSearch returns orders matching q, most recently updated first, and
// whether more follow.
func (tx *Tx) OrderSearch(ctx context.Context, q OrderQuery) ([]*domain.Order, bool, error) {
	sq := `SELECT ` + orderColumns + ` FROM orders WHERE 1=1`
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
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(t)) + "%"
		add(`(LOWER(candidate) LIKE ? ESCAPE '\' OR id = ? OR opportunity_id = ? OR LOWER(package_name) LIKE ? ESCAPE '\')`, like, t, t, like)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	sq += ` ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, q.Limit+1, max(q.Offset, 0))
	rows, err := tx.query(ctx, sq, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []*domain.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, o)
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, rows.Err()
}
