package store

import (
	"context"
	"strings"
)

// OrderStatusCounts counts the orders matching q's connection, provider and
// text, by status (q.Status, Offset and Limit are ignored): the counts the
// orders list shows beside its filters. It narrows as OrderSearch does.
func (tx *Tx) OrderStatusCounts(ctx context.Context, q OrderQuery) (map[string]int, error) {
	sq := `SELECT status, COUNT(*) FROM orders WHERE 1=1`
	var args []any
	add := func(cond string, v ...any) { sq += ` AND ` + cond; args = append(args, v...) }
	if q.ConnectionID != "" {
		add(`connection_id = ?`, q.ConnectionID)
	}
	if q.ProviderID != "" {
		add(`provider_id = ?`, q.ProviderID)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(t)) + "%"
		add(`(LOWER(candidate) LIKE ? ESCAPE '\' OR id = ? OR opportunity_id = ? OR LOWER(package_name) LIKE ? ESCAPE '\')`, like, t, t, like)
	}
	rows, err := tx.query(ctx, sq+` GROUP BY status`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
