package store

import (
	"context"
	"time"
)

// WebhookTokenClaim records that a Lever delivery carrying token was
// accepted for a connection, until expires (when the delivery's triggeredAt
// leaves the receiver's window and the delivery would be refused anyway). It
// reports false when the token was recorded already: the delivery is a
// replay. Tokens whose time has passed are pruned on the way. Only a hash of
// the token is kept.
func (tx *Tx) WebhookTokenClaim(ctx context.Context, connID, token string, expires time.Time) (bool, error) {
	if _, err := tx.exec(ctx, `DELETE FROM lever_webhook_tokens WHERE expires_at < ?`, ms(tx.now)); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, `INSERT INTO lever_webhook_tokens (connection_id, token, expires_at) VALUES (?,?,?) ON CONFLICT (connection_id, token) DO NOTHING`,
		connID, tokenHash(token), ms(expires))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// WebhookTokenCount returns how many delivery tokens are remembered for a
// connection.
func (tx *Tx) WebhookTokenCount(ctx context.Context, connID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM lever_webhook_tokens WHERE connection_id = ?`, connID).Scan(&n)
	return n, err
}
