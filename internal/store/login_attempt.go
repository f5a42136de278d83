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

// LoginFailures counts the failed attempts since t for an e-mail and for an
// IP address, each counted since that key's last success.
func (tx *Tx) LoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int, oldest time.Time, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	count := func(col, v string) (int, int64, error) {
		var n int
		var first sql.NullInt64
		err := tx.queryRow(ctx, `SELECT COUNT(*), MIN(created_at) FROM ui_login_attempts WHERE `+col+` = ? AND success = 0 AND created_at >= ?
			AND created_at > COALESCE((SELECT MAX(created_at) FROM ui_login_attempts WHERE `+col+` = ? AND success = 1), 0)`, v, ms(since), v).Scan(&n, &first)
		return n, first.Int64, err
	}
	n1, f1, err := count("email", email)
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	n2, f2, err := count("ip", ip)
	if err != nil {
		return 0, 0, time.Time{}, err
	}
	f := f1
	if f == 0 || (f2 != 0 && f2 < f) {
		f = f2
	}
	return n1, n2, fromMS(f), nil
}

// LoginAttemptPrune deletes attempts older than t.
func (tx *Tx) LoginAttemptPrune(ctx context.Context, t time.Time) error {
	_, err := tx.exec(ctx, `DELETE FROM ui_login_attempts WHERE created_at < ?`, ms(t))
	return err
}
