package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// LoginAttemptInsert records a login attempt.
func (tx *Tx) LoginAttemptInsert(ctx context.Context, email, ip string, success bool) error {
	_, err := tx.exec(ctx, `INSERT INTO ui_login_attempts (email, ip, success, created_at) VALUES (?,?,?,?)`,
		strings.ToLower(strings.TrimSpace(email)), ip, boolInt(success), ms(tx.now))
	return err
}

// LoginStats is what login throttling needs to know about recent failed
// attempts, each key counted since its last success.
type LoginStats struct {
	// ByEmail and LastByEmail: failures for the e-mail (from any address)
	// and the latest of them.
	ByEmail     int
	LastByEmail time.Time
	// ByIP and OldestByIP: failures from the address (for any e-mail) and
	// the oldest of them.
	ByIP       int
	OldestByIP time.Time
}

// LoginFailures counts the failed attempts since t for an e-mail and for an
// IP address, each counted since that key's last success.
func (tx *Tx) LoginFailures(ctx context.Context, email, ip string, since time.Time) (LoginStats, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	count := func(col, v string) (int, int64, int64, error) {
		var n int
		var first, last sql.NullInt64
		err := tx.queryRow(ctx, `SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM ui_login_attempts WHERE `+col+` = ? AND success = 0 AND created_at >= ?
			AND created_at > COALESCE((SELECT MAX(created_at) FROM ui_login_attempts WHERE `+col+` = ? AND success = 1), 0)`, v, ms(since), v).Scan(&n, &first, &last)
		return n, first.Int64, last.Int64, err
	}
	var st LoginStats
	n, _, last, err := count("email", email)
	if err != nil {
		return st, err
	}
	st.ByEmail, st.LastByEmail = n, fromMS(last)
	n, first, _, err := count("ip", ip)
	if err != nil {
		return st, err
	}
	st.ByIP, st.OldestByIP = n, fromMS(first)
	return st, nil
}

// LoginAttemptPrune deletes attempts older than t.
func (tx *Tx) LoginAttemptPrune(ctx context.Context, t time.Time) error {
	_, err := tx.exec(ctx, `DELETE FROM ui_login_attempts WHERE created_at < ?`, ms(t))
	return err
}
