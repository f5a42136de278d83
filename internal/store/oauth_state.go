package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"
)

// OAuthStatePut stores the pending OAuth authorization of a browser session;
// v (which may hold a client secret) is sealed.
func (tx *Tx) OAuthStatePut(ctx context.Context, stateHash, sessionHash string, v any) error {
	sealed, err := tx.sealJSON(v)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO ui_oauth_states (state_hash, session_hash, data, created_at) VALUES (?,?,?,?)`, stateHash, sessionHash, sealed, ms(tx.now))
	return err
}

// OAuthStateTake returns and deletes a pending OAuth authorization: each
// state works once. It is not found when absent, older than maxAge, or made
// by another session.
func (tx *Tx) OAuthStateTake(ctx context.Context, stateHash, sessionHash string, maxAge time.Duration, v any) error {
	var sess string
	var sealed []byte
	var created int64
	err := tx.queryRow(ctx, `SELECT session_hash, data, created_at FROM ui_oauth_states WHERE state_hash = ?`, stateHash).Scan(&sess, &sealed, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("oauth state", "")
	}
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM ui_oauth_states WHERE state_hash = ? OR created_at < ?`, stateHash, ms(tx.now.Add(-maxAge))); err != nil {
		return err
	}
	if sess != sessionHash || fromMS(created).Before(tx.now.Add(-maxAge)) {
		return notFound("oauth state", "")
	}
	plain, err := tx.db.box.Open(sealed)
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}
