package store

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// LoginAttemptParams is one login attempt to record.
type LoginAttemptParams struct {
	// Email as typed; it is stored trimmed and lower-cased.
	Email string
	// IP is the client address the attempt came from, as throttling
	// counts it (the UI counts an IPv6 client by its /64).
	IP      string
	Success bool
	// At is when the attempt was made, by the clock the throttle reads
	// (LoginFailures' since). Zero: the transaction's time.
	At time.Time
}

// LoginAttemptInsert records a login attempt.
func (tx *Tx) LoginAttemptInsert(ctx context.Context, p LoginAttemptParams) error {
	at := p.At
	if at.IsZero() {
		at = tx.now
	}
	_, err := tx.exec(ctx, `INSERT INTO ui_login_attempts (email, ip, success, created_at) VALUES (?,?,?,?)`,
		strings.ToLower(strings.TrimSpace(p.Email)), p.IP, boolInt(p.Success), ms(at))
	return err
}

// LoginStats is what login throttling needs to know about recent failed
// attempts.
type LoginStats struct {
	// ByIP and OldestByIP: failures from the address (for any e-mail) and
	// the oldest of them.
	ByIP       int
	OldestByIP time.Time
	// ByEmailFromIP and LastByEmailFromIP: failures for the e-mail from
	// this address and the latest of them. Failures for the e-mail from
	// other addresses are not counted: they slow those addresses only, so
	// a stranger cannot slow the account's owner.
	ByEmailFromIP     int
	LastByEmailFromIP time.Time
}

// LoginFailures counts the failed attempts since t from an IP address
// (whatever succeeded since), and for an e-mail from that address since its
// last success there (a success for the e-mail from another address resets
// nothing).
func (tx *Tx) LoginFailures(ctx context.Context, email, ip string, since time.Time) (LoginStats, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	count := func(sinceSuccess bool, where string, args ...any) (int, int64, int64, error) {
		var n int
		var first, last sql.NullInt64
		q := `SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM ui_login_attempts WHERE ` + where + ` AND success = 0 AND created_at >= ?`
		all := append(append([]any{}, args...), ms(since))
		if sinceSuccess {
			q += ` AND created_at > COALESCE((SELECT MAX(created_at) FROM ui_login_attempts WHERE ` + where + ` AND success = 1), 0)`
			all = append(all, args...)
		}
		err := tx.queryRow(ctx, q, all...).Scan(&n, &first, &last)
		return n, first.Int64, last.Int64, err
	}
	var st LoginStats
	// An address's failures are not reset by a success from it: anyone
	// with an account of their own could otherwise log into it every 19
	// guesses and never meet the address's limit.
	n, first, _, err := count(false, `ip = ?`, ip)
	if err != nil {
		return st, err
	}
	st.ByIP, st.OldestByIP = n, fromMS(first)
	n, _, last, err := count(true, `email = ? AND ip = ?`, email, ip)
	if err != nil {
		return st, err
	}
	st.ByEmailFromIP, st.LastByEmailFromIP = n, fromMS(last)
	return st, nil
}

// LoginAttemptPrune deletes attempts older than t.
func (tx *Tx) LoginAttemptPrune(ctx context.Context, t time.Time) error {
	_, err := tx.exec(ctx, `DELETE FROM ui_login_attempts WHERE created_at < ?`, ms(t))
	return err
}
