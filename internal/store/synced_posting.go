package store

import (
	"context"

	"stagecoach/internal/domain"
)

// SyncedPostingList returns the postings an integration has synced (or
// removed), by posting id.
func (tx *Tx) SyncedPostingList(ctx context.Context, integrationID string) ([]*domain.SyncedPosting, error) {
	rows, err := tx.query(ctx, `SELECT integration_id, posting_id, title, content_hash, status, reason, created_at, updated_at
		FROM synced_postings WHERE integration_id = ? ORDER BY posting_id`, integrationID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.SyncedPosting
	for rows.Next() {
		var p domain.SyncedPosting
		var created, updated int64
		if err := rows.Scan(&p.IntegrationID, &p.PostingID, &p.Title, &p.ContentHash, &p.Status, &p.Reason, &created, &updated); err != nil {
			return nil, err
		}
		p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, &p)
	}
	return out, rows.Err()
}

// SyncedPostingPut inserts or updates a synced posting.
func (tx *Tx) SyncedPostingPut(ctx context.Context, p *domain.SyncedPosting) error {
	p.UpdatedAt = tx.now
	if p.CreatedAt.IsZero() {
		p.CreatedAt = tx.now
	}
	_, err := tx.exec(ctx, `INSERT INTO synced_postings (integration_id, posting_id, title, content_hash, status, reason, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?)
		ON CONFLICT (integration_id, posting_id) DO UPDATE SET title = excluded.title, content_hash = excluded.content_hash,
			status = excluded.status, reason = excluded.reason, updated_at = excluded.updated_at`,
		p.IntegrationID, p.PostingID, p.Title, p.ContentHash, p.Status, p.Reason, ms(p.CreatedAt), ms(tx.now))
	return err
}
