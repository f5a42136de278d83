package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"stagecoach/internal/domain"
)

// User is an operator who logs in to the web UI.
type User struct {
	ID           string
	Email        string
	Name         string
	Role         string // admin or member
	PasswordHash string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Session is a logged-in browser. Only the hash of its cookie is stored.
type Session struct {
	TokenHash  string
	UserID     string
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

const userColumns = `id, email, name, role, password_hash, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var created, updated int64
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return &u, nil
}

// UserCount returns how many UI users exist.
func (tx *Tx) UserCount(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM ui_users`).Scan(&n)
	return n, err
}

// UserCreate stores a new user; a taken e-mail is a conflict.
func (tx *Tx) UserCreate(ctx context.Context, u *User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt, u.UpdatedAt = tx.now, tx.now
	_, err := tx.exec(ctx, `INSERT INTO ui_users (`+userColumns+`) VALUES (?,?,?,?,?,?,?)`,
		u.ID, u.Email, u.Name, u.Role, u.PasswordHash, ms(tx.now), ms(tx.now))
	if isUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "a user with e-mail %s exists", u.Email)
	}
	return err
}

// UserGet returns a user by id.
func (tx *Tx) UserGet(ctx context.Context, id string) (*User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM ui_users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", id)
	}
	return u, err
}

// UserByEmail returns a user by e-mail (case-insensitive).
func (tx *Tx) UserByEmail(ctx context.Context, email string) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM ui_users WHERE email = ?`, email))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", email)
	}
	return u, err
}

// UserList returns every user, by e-mail.
func (tx *Tx) UserList(ctx context.Context) ([]*User, error) {
	rows, err := tx.query(ctx, `SELECT `+userColumns+` FROM ui_users ORDER BY email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserUpdate saves a user's name, role and password hash.
func (tx *Tx) UserUpdate(ctx context.Context, u *User) error {
	u.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE ui_users SET name = ?, role = ?, password_hash = ?, updated_at = ? WHERE id = ?`, u.Name, u.Role, u.PasswordHash, ms(tx.now), u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user", u.ID)
	}
	return nil
}

// UserAdminIDs returns the ids of the admins. On PostgreSQL it locks their
// rows until the transaction ends (SQLite's immediate transactions hold the
// write lock already), so two admins demoting or removing each other at once
// cannot leave nobody an admin.
func (tx *Tx) UserAdminIDs(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT id FROM ui_users WHERE role = 'admin' ORDER BY id`+tx.lockRow())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// UserDelete removes a user and their sessions.
func (tx *Tx) UserDelete(ctx context.Context, id string) error {
	if _, err := tx.exec(ctx, `DELETE FROM ui_sessions WHERE user_id = ?`, id); err != nil {
		return err
	}
	res, err := tx.exec(ctx, `DELETE FROM ui_users WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user", id)
	}
	return nil
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
// attempts, each key counted since its own last success.
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

// LoginFailures counts the failed attempts since t from an IP address, and
// for an e-mail from that address; each is counted since that key's last
// success (a success for the e-mail from another address resets nothing).
func (tx *Tx) LoginFailures(ctx context.Context, email, ip string, since time.Time) (LoginStats, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	count := func(where string, args ...any) (int, int64, int64, error) {
		var n int
		var first, last sql.NullInt64
		q := `SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM ui_login_attempts WHERE ` + where + ` AND success = 0 AND created_at >= ?
			AND created_at > COALESCE((SELECT MAX(created_at) FROM ui_login_attempts WHERE ` + where + ` AND success = 1), 0)`
		all := append(append(append([]any{}, args...), ms(since)), args...)
		err := tx.queryRow(ctx, q, all...).Scan(&n, &first, &last)
		return n, first.Int64, last.Int64, err
	}
	var st LoginStats
	n, first, _, err := count(`ip = ?`, ip)
	if err != nil {
		return st, err
	}
	st.ByIP, st.OldestByIP = n, fromMS(first)
	n, _, last, err := count(`email = ? AND ip = ?`, email, ip)
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

// WebhookArrival is the last delivery of one Lever event to a connection.
type WebhookArrival struct {
	ConnectionID string
	Event        string
	Result       string
	ArrivedAt    time.Time
}

// Lever's "verify connection" test request leaves its result under the
// connection-wide arrival event VerifyArrival: ArrivalVerified when a signing
// token of the connection matched its signature, ArrivalSignatureMismatch
// when none did. A webhook whose token matched also records ArrivalVerified
// under its own event.
const (
	VerifyArrival            = "verify"
	ArrivalVerified          = "verified"
	ArrivalSignatureMismatch = "signature_mismatch"
)

// WebhookArrivalPut records that a signed Lever delivery arrived.
func (d *DB) WebhookArrivalPut(ctx context.Context, connID, event, result string) error {
	return d.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO lever_webhook_arrivals (connection_id, event, result, arrived_at) VALUES (?,?,?,?)
			ON CONFLICT (connection_id, event) DO UPDATE SET result = excluded.result, arrived_at = excluded.arrived_at`, connID, event, result, ms(tx.now))
		return err
	})
}

// WebhookArrivalList returns the last arrival of each event of a connection.
func (tx *Tx) WebhookArrivalList(ctx context.Context, connID string) ([]*WebhookArrival, error) {
	rows, err := tx.query(ctx, `SELECT connection_id, event, result, arrived_at FROM lever_webhook_arrivals WHERE connection_id = ? ORDER BY event`, connID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*WebhookArrival
	for rows.Next() {
		var a WebhookArrival
		var at int64
		if err := rows.Scan(&a.ConnectionID, &a.Event, &a.Result, &at); err != nil {
			return nil, err
		}
		a.ArrivedAt = fromMS(at)
		out = append(out, &a)
	}
	return out, rows.Err()
}

// OrderQuery narrows OrderSearch.
type OrderQuery struct {
	ConnectionID string
	ProviderID   string
	Status       string
	Text         string // part of the candidate's name or e-mail, an order or opportunity id
	Offset       int
	Limit        int // default 50
}

// OrderSearch returns orders matching q, most recently updated first, and
// whether more follow.
func (tx *Tx) OrderSearch(ctx context.Context, q OrderQuery) ([]*domain.Order, bool, error) {
	sq := `SELECT ` + orderColumns + ` FROM orders WHERE 1=1`
	var args []any
	add := func(cond string, v ...any) { sq += ` AND ` + cond; args = append(args, v...) }
	if q.ConnectionID != "" {
		add(`connection_id = ?`, q.ConnectionID)
	}
	if q.ProviderID != "" {
		add(`provider_id = ?`, q.ProviderID)
	}
	if q.Status != "" {
		add(`status = ?`, q.Status)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(t)) + "%"
		add(`(LOWER(candidate) LIKE ? ESCAPE '\' OR id = ? OR opportunity_id = ? OR LOWER(package_name) LIKE ? ESCAPE '\')`, like, t, t, like)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	sq += ` ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`
	args = append(args, q.Limit+1, max(q.Offset, 0))
	rows, err := tx.query(ctx, sq, args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []*domain.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, o)
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, rows.Err()
}

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
