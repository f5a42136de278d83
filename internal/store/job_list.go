package store

import (
	"context"

	"stagecoach/internal/domain"
)

// JobListByQueue returns the jobs of one queue key, oldest first.
func (tx *Tx) JobListByQueue(ctx context.Context, queueKey string) ([]*domain.Job, error) {
	rows, err := tx.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE queue_key = ? ORDER BY id`, queueKey)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}
