package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"stagecoach/internal/domain"
)

// ConnectionHooks is what the webhook receiver needs of a connection: its
// status and its signing tokens (no Lever credentials).
type ConnectionHooks struct {
	ConnectionID string
	Status       string
	Webhooks     []*domain.ConnectionWebhook
	version      string
}

// hooksCache keeps each connection's ConnectionHooks in memory between
// webhooks. An entry is dropped when this process commits a write to the
// connection or its webhooks (Tx.touchConnection), and checked against the
// connection's version column before each use, which catches a write by
// another process (a replica, a command).
type hooksCache struct {
	mu  sync.Mutex
	gen uint64 // bumped by every invalidation; a load begun before one is not kept
	m   map[string]*ConnectionHooks
}

func (c *hooksCache) get(id string) (*ConnectionHooks, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id], c.gen
}

// put keeps h unless a write was committed since gen was read: the load
// may have read the state from before it.
func (c *hooksCache) put(h *ConnectionHooks, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if c.m == nil {
		c.m = map[string]*ConnectionHooks{}
	}
	c.m[h.ConnectionID] = h
}

func (c *hooksCache) forget(ids ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, id := range ids {
		delete(c.m, id)
	}
}

// ConnectionHooksGet returns a connection's status and signing tokens, or
// a not_found error. It runs no transaction: a copy kept from an earlier
// call is returned while the connection's version is unchanged (one
// primary-key read), else they are read afresh in one statement. A write
// committed through this DB is seen by the next call; a write by another
// process, as soon as it is committed.
func (d *DB) ConnectionHooksGet(ctx context.Context, id string) (*ConnectionHooks, error) {
	cached, gen := d.hooks.get(id)
	if cached != nil {
		var version string
		err := d.db.QueryRowContext(ctx, d.rebind(`SELECT version FROM connections WHERE id = ?`), id).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			d.hooks.forget(id)
			return nil, notFound("connection", id)
		}
		if err != nil {
			return nil, err
		}
		if version == cached.version {
			return cached, nil
		}
	}
	h, err := d.loadConnectionHooks(ctx, id)
	if err != nil {
		return nil, err
	}
	d.hooks.put(h, gen)
	return h, nil
}

// loadConnectionHooks reads a connection's version, status and webhooks in
// one statement, so they come from one snapshot.
func (d *DB) loadConnectionHooks(ctx context.Context, id string) (*ConnectionHooks, error) {
	rows, err := d.db.QueryContext(ctx, d.rebind(`SELECT c.version, c.status, COALESCE(w.event, ''), COALESCE(w.lever_webhook_id, ''), COALESCE(w.url, ''), w.signing_token, COALESCE(w.managed, 0), COALESCE(w.created_at, 0)
		FROM connections c LEFT JOIN connection_webhooks w ON w.connection_id = c.id WHERE c.id = ? ORDER BY w.event`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var h *ConnectionHooks
	for rows.Next() {
		var version, status string
		var w domain.ConnectionWebhook
		var sealed []byte
		var managed int
		var created int64
		if err := rows.Scan(&version, &status, &w.Event, &w.LeverWebhookID, &w.URL, &sealed, &managed, &created); err != nil {
			return nil, err
		}
		if h == nil {
			h = &ConnectionHooks{ConnectionID: id, Status: status, version: version}
		}
		if w.Event == "" {
			continue // a connection without webhooks
		}
		tok, err := d.box.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("connection %s webhook %s: %w", id, w.Event, err)
		}
		w.ConnectionID, w.SigningToken, w.Managed, w.CreatedAt = id, string(tok), managed == 1, fromMS(created)
		h.Webhooks = append(h.Webhooks, &w)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, notFound("connection", id)
	}
	return h, nil
}

// touchConnection gives the connection a new version (for other processes)
// and has this process forget its copy when the transaction commits.
func (tx *Tx) touchConnection(ctx context.Context, id string) error {
	tx.touched = append(tx.touched, id)
	_, err := tx.exec(ctx, `UPDATE connections SET version = ? WHERE id = ?`, newConnectionVersion(), id)
	return err
}

func newConnectionVersion() string { return domain.NewID("v") }
