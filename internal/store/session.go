package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Session is a logged-in browser. Only the hash of its cookie is stored.
type Session struct {
	TokenHash  string
	UserID     string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// SessionCreate stores a session.
func (tx *Tx) SessionCreate(ctx context.Context, s *Session) error {
	s.CreatedAt, s.LastSeenAt = tx.now, tx.now
	_, err := tx.exec(ctx, `INSERT INTO ui_sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES (?,?,?,?,?,?)`,
		s.TokenHash, s.UserID, s.CSRFToken, ms(tx.now), ms(tx.now), ms(s.ExpiresAt))
	return err
}

// SessionGet returns a session by the hash of its token.
func (tx *Tx) SessionGet(ctx context.Context, tokenHash string) (*Session, error) {
	var s Session
	var created, seen, expires int64
	err := tx.queryRow(ctx, `SELECT token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at FROM ui_sessions WHERE token_hash = ?`, tokenHash).
		Scan(&s.TokenHash, &s.UserID, &s.CSRFToken, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session", "")
	}
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return &s, nil
}

// SessionTouch records that a session was used now.
func (tx *Tx) SessionTouch(ctx context.Context, tokenHash string) error {
	_, err := tx.exec(ctx, `UPDATE ui_sessions SET last_seen_at = ? WHERE token_hash = ?`, ms(tx.now), tokenHash)
	return err
}

// SessionDelete ends a session.
func (tx *Tx) SessionDelete(ctx context.Context, tokenHash string) error {
	_, err := tx.exec(ctx, `DELETE FROM ui_sessions WHERE token_hash = ?`, tokenHash)
	return err
}

// SessionPrune deletes sessions that expired before t.
func (tx *Tx) SessionPrune(ctx context.Context, t time.Time) error {
	_, err := tx.exec(ctx, `DELETE FROM ui_sessions WHERE expires_at < ?`, ms(t))
	return err
}
