package store

import (
	"context"
	"database/sql"
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
	if IsUniqueViolation(err) {
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
