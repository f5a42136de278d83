package store

import (
	"context"
	"strings"

	"stagecoach/internal/domain"
)

// EffectsByKeyPrefix returns the journal's entries whose key starts with
// prefix, oldest first: the writes an integration shares between its orders
// (its form template, keyed "<integration>:form-template:<name>").
func (tx *Tx) EffectsByKeyPrefix(ctx context.Context, prefix string) ([]*domain.Effect, error) {
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix) + "%"
	rows, err := tx.query(ctx, `SELECT `+effectColumns+` FROM effects WHERE key LIKE ? ESCAPE '\' ORDER BY created_at, key`, like)
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
		if strings.HasPrefix(e.Key, prefix) { // LIKE ignores case on SQLite
			out = append(out, e)
		}
	}
	return out, rows.Err()
}
