package store

import (
	"context"
	"database/sql"
	"errors"

	"stagecoach/internal/domain"
)

const integrationColumns = `id, connection_id, provider_id, settings, enabled, activated_at, trigger_changed_at, created_at, updated_at`

func scanIntegration(row interface{ Scan(...any) error }) (*domain.Integration, error) {
	var in domain.Integration
	var settings string
	var enabled int
	var activated, triggerChanged, created, updated int64
	if err := row.Scan(&in.ID, &in.ConnectionID, &in.ProviderID, &settings, &enabled, &activated, &triggerChanged, &created, &updated); err != nil {
		return nil, err
	}
	in.Settings, in.Enabled = []byte(settings), enabled == 1
	in.ActivatedAt, in.TriggerChangedAt = fromMS(activated), fromMS(triggerChanged)
	in.CreatedAt, in.UpdatedAt = fromMS(created), fromMS(updated)
	return &in, nil
}

// IntegrationCreate stores a new integration. A provider is enabled once per
// connection: a second one is a conflict. One created enabled is activated
// now.
func (tx *Tx) IntegrationCreate(ctx context.Context, in *domain.Integration) error {
	in.CreatedAt, in.UpdatedAt = tx.now, tx.now
	if in.Enabled && in.ActivatedAt.IsZero() {
		in.ActivatedAt = tx.now
	}
	_, err := tx.exec(ctx, `INSERT INTO integrations (`+integrationColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`,
		in.ID, in.ConnectionID, in.ProviderID, string(in.Settings), boolInt(in.Enabled), ms(in.ActivatedAt), ms(in.TriggerChangedAt), ms(tx.now), ms(tx.now))
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "provider %q is already enabled on connection %q", in.ProviderID, in.ConnectionID)
	}
	return err
}

// IntegrationGet returns an integration, or a not_found error.
func (tx *Tx) IntegrationGet(ctx context.Context, id string) (*domain.Integration, error) {
	in, err := scanIntegration(tx.queryRow(ctx, `SELECT `+integrationColumns+` FROM integrations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("integration", id)
	}
	return in, err
}

// IntegrationFilter narrows IntegrationList. Empty fields match everything.
type IntegrationFilter struct {
	ConnectionID string
	ProviderID   string
	EnabledOnly  bool
}

// IntegrationList returns the integrations matching f, by id.
func (tx *Tx) IntegrationList(ctx context.Context, f IntegrationFilter) ([]*domain.Integration, error) {
	q := `SELECT ` + integrationColumns + ` FROM integrations WHERE 1=1`
	var args []any
	if f.ConnectionID != "" {
		q += ` AND connection_id = ?`
		args = append(args, f.ConnectionID)
	}
	if f.ProviderID != "" {
		q += ` AND provider_id = ?`
		args = append(args, f.ProviderID)
	}
	if f.EnabledOnly {
		q += ` AND enabled = 1`
	}
	rows, err := tx.query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Integration
	for rows.Next() {
		in, err := scanIntegration(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// IntegrationUpdate saves an integration's settings, enabled flag,
// activation time and trigger-stage change time.
func (tx *Tx) IntegrationUpdate(ctx context.Context, in *domain.Integration) error {
	in.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE integrations SET settings = ?, enabled = ?, activated_at = ?, trigger_changed_at = ?, updated_at = ? WHERE id = ?`,
		string(in.Settings), boolInt(in.Enabled), ms(in.ActivatedAt), ms(in.TriggerChangedAt), ms(tx.now), in.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("integration", in.ID)
	}
	return nil
}

// IntegrationDelete removes an integration.
func (tx *Tx) IntegrationDelete(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM integrations WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("integration", id)
	}
	return nil
}
