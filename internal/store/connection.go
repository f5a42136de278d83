package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"stagecoach/internal/domain"
)

const connectionColumns = `id, name, environment, base_url, auth_kind, credentials, status, status_reason, perform_as, created_at, updated_at`

func (tx *Tx) scanConnection(row interface{ Scan(...any) error }) (*domain.Connection, error) {
	var c domain.Connection
	var sealed []byte
	var created, updated int64
	if err := row.Scan(&c.ID, &c.Name, &c.Environment, &c.BaseURL, &c.AuthKind, &sealed, &c.Status, &c.StatusReason, &c.PerformAs, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	if len(sealed) > 0 {
		plain, err := tx.db.box.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("connection %s credentials: %w", c.ID, err)
		}
		if err := json.Unmarshal(plain, &c.Credentials); err != nil {
			return nil, fmt.Errorf("connection %s credentials: %w", c.ID, err)
		}
	}
	return &c, nil
}

func (tx *Tx) sealJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return tx.db.box.Seal(b), nil
}

// ConnectionCreate stores a new connection. It returns a conflict error if the
// id is taken.
func (tx *Tx) ConnectionCreate(ctx context.Context, c *domain.Connection) error {
	sealed, err := tx.sealJSON(c.Credentials)
	if err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	if c.Status == "" {
		c.Status = domain.ConnActive
	}
	tx.touched = append(tx.touched, c.ID)
	_, err = tx.exec(ctx, `INSERT INTO connections (`+connectionColumns+`, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		c.ID, c.Name, c.Environment, c.BaseURL, c.AuthKind, sealed, c.Status, c.StatusReason, c.PerformAs, ms(tx.now), ms(tx.now), newConnectionVersion())
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "connection %q already exists", c.ID)
	}
	return err
}

// ConnectionGet returns a connection, or a not_found error.
func (tx *Tx) ConnectionGet(ctx context.Context, id string) (*domain.Connection, error) {
	c, err := tx.scanConnection(tx.queryRow(ctx, `SELECT `+connectionColumns+` FROM connections WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("connection", id)
	}
	return c, err
}

// ConnectionList returns every connection, by id.
func (tx *Tx) ConnectionList(ctx context.Context) ([]*domain.Connection, error) {
	rows, err := tx.query(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Connection
	for rows.Next() {
		c, err := tx.scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Every write below changes the connection's version and has this process
// forget its copy of the connection's signing tokens (ConnectionHooksGet)
// once committed; a write to these tables that bypasses them would leave
// the webhook receiver with a stale copy.

// ConnectionUpdate saves a connection's mutable fields (name, base URL,
// credentials, status and reason, perform-as user).
func (tx *Tx) ConnectionUpdate(ctx context.Context, c *domain.Connection) error {
	sealed, err := tx.sealJSON(c.Credentials)
	if err != nil {
		return err
	}
	c.UpdatedAt = tx.now
	tx.touched = append(tx.touched, c.ID)
	res, err := tx.exec(ctx, `UPDATE connections SET name = ?, environment = ?, base_url = ?, auth_kind = ?, credentials = ?, status = ?, status_reason = ?, perform_as = ?, updated_at = ?, version = ? WHERE id = ?`,
		c.Name, c.Environment, c.BaseURL, c.AuthKind, sealed, c.Status, c.StatusReason, c.PerformAs, ms(tx.now), newConnectionVersion(), c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("connection", c.ID)
	}
	return nil
}

// ConnectionDelete removes a connection with its webhooks and integrations.
func (tx *Tx) ConnectionDelete(ctx context.Context, id string) error {
	tx.touched = append(tx.touched, id)
	res, err := tx.exec(ctx, `DELETE FROM connections WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("connection", id)
	}
	return nil
}

// ConnectionWebhookPut stores (or replaces) the signing token of one event.
func (tx *Tx) ConnectionWebhookPut(ctx context.Context, w *domain.ConnectionWebhook) error {
	sealed := tx.db.box.Seal([]byte(w.SigningToken))
	w.CreatedAt = tx.now
	if err := tx.touchConnection(ctx, w.ConnectionID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO connection_webhooks (connection_id, event, lever_webhook_id, url, signing_token, managed, created_at) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (connection_id, event) DO UPDATE SET lever_webhook_id = excluded.lever_webhook_id, url = excluded.url, signing_token = excluded.signing_token, managed = excluded.managed, created_at = excluded.created_at`,
		w.ConnectionID, w.Event, w.LeverWebhookID, w.URL, sealed, boolInt(w.Managed), ms(tx.now))
	return err
}

// ConnectionWebhookList returns a connection's signing tokens, by event.
func (tx *Tx) ConnectionWebhookList(ctx context.Context, connectionID string) ([]*domain.ConnectionWebhook, error) {
	rows, err := tx.query(ctx, `SELECT connection_id, event, lever_webhook_id, url, signing_token, managed, created_at FROM connection_webhooks WHERE connection_id = ? ORDER BY event`, connectionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.ConnectionWebhook
	for rows.Next() {
		var w domain.ConnectionWebhook
		var sealed []byte
		var managed int
		var created int64
		if err := rows.Scan(&w.ConnectionID, &w.Event, &w.LeverWebhookID, &w.URL, &sealed, &managed, &created); err != nil {
			return nil, err
		}
		tok, err := tx.db.box.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("connection %s webhook %s: %w", w.ConnectionID, w.Event, err)
		}
		w.SigningToken, w.Managed, w.CreatedAt = string(tok), managed == 1, fromMS(created)
		out = append(out, &w)
	}
	return out, rows.Err()
}

// ConnectionWebhookDelete removes the signing token of one event.
func (tx *Tx) ConnectionWebhookDelete(ctx context.Context, connectionID, event string) error {
	if err := tx.touchConnection(ctx, connectionID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `DELETE FROM connection_webhooks WHERE connection_id = ? AND event = ?`, connectionID, event)
	return err
}
