package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// AuditEntry is one operator action: who did what to what, and when. It
// never holds a secret.
type AuditEntry struct {
	ID     int64
	At     time.Time
	Actor  string // the user's e-mail, or "cli:<system user>"
	Action string // e.g. "provider.rotate_key"
	Target string // e.g. "provider:acme"
	Detail string // a line in words, e.g. "old key works until 2026-01-02 15:04 UTC"
}

// AuditInsert records e at the transaction's time.
func (tx *Tx) AuditInsert(ctx context.Context, e *AuditEntry) error {
	e.At = tx.now
	_, err := tx.exec(ctx, `INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?,?,?,?,?)`,
		ms(tx.now), e.Actor, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("record %s in the audit log: %w", e.Action, err)
	}
	return nil
}

// AuditPrune deletes the entries recorded before before and reports how
// many.
func (tx *Tx) AuditPrune(ctx context.Context, before time.Time) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM audit_log WHERE at < ?`, ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune the audit log: %w", err)
	}
	return res.RowsAffected()
}

// AuditFilter narrows AuditList; empty fields match everything. Actor and
// Action match exactly; Target matches a prefix ("provider:" is every
// provider), so does Action when it ends in '.'.
type AuditFilter struct {
	Actor  string
	Action string
	Target string
	Since  time.Time // inclusive
	Until  time.Time // exclusive
	Limit  int       // default 200
}

// AuditList returns the entries f selects, newest first.
func (tx *Tx) AuditList(ctx context.Context, f AuditFilter) ([]*AuditEntry, error) {
	q := `SELECT id, at, actor, action, target, detail FROM audit_log WHERE 1=1`
	var args []any
	if f.Actor != "" {
		q += ` AND actor = ?`
		args = append(args, f.Actor)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			q += ` AND action LIKE ? ESCAPE '\'`
			args = append(args, likePrefix(f.Action))
		} else {
			q += ` AND action = ?`
			args = append(args, f.Action)
		}
	}
	if f.Target != "" {
		q += ` AND target LIKE ? ESCAPE '\'`
		args = append(args, likePrefix(f.Target))
	}
	if !f.Since.IsZero() {
		q += ` AND at >= ?`
		args = append(args, ms(f.Since))
	}
	if !f.Until.IsZero() {
		q += ` AND at < ?`
		args = append(args, ms(f.Until))
	}
	if f.Limit <= 0 {
		f.Limit = 200
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// AuditActors returns every actor in the log, for the filter's choices.
func (tx *Tx) AuditActors(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT actor FROM audit_log ORDER BY actor`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
