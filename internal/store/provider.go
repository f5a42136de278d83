package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"stagecoach/internal/domain"
)

const providerColumns = `id, name, kind, api_key_hash, webhook_url, webhook_secret, created_at, updated_at`

func (tx *Tx) scanProvider(row interface{ Scan(...any) error }) (*domain.Provider, error) {
	var p domain.Provider
	var sealed []byte
	var created, updated int64
	if err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.APIKeyHash, &p.WebhookURL, &sealed, &created, &updated); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	if len(sealed) > 0 {
		b, err := tx.db.box.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("provider %s webhook secret: %w", p.ID, err)
		}
		p.WebhookSecret = string(b)
	}
	return &p, nil
}

// ProviderCreate stores a new provider.
func (tx *Tx) ProviderCreate(ctx context.Context, p *domain.Provider) error {
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	_, err := tx.exec(ctx, `INSERT INTO providers (`+providerColumns+`) VALUES (?,?,?,?,?,?,?,?)`,
		p.ID, p.Name, p.Kind, p.APIKeyHash, p.WebhookURL, tx.db.box.Seal([]byte(p.WebhookSecret)), ms(tx.now), ms(tx.now))
	if IsUniqueViolation(err) {
		return domain.Errorf(domain.EConflict, "provider %q already exists", p.ID)
	}
	return err
}

// ProviderUpdate saves a provider's name, webhook URL, secret and key hash.
func (tx *Tx) ProviderUpdate(ctx context.Context, p *domain.Provider) error {
	p.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE providers SET name = ?, kind = ?, api_key_hash = ?, webhook_url = ?, webhook_secret = ?, updated_at = ? WHERE id = ?`,
		p.Name, p.Kind, p.APIKeyHash, p.WebhookURL, tx.db.box.Seal([]byte(p.WebhookSecret)), ms(tx.now), p.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("provider", p.ID)
	}
	return nil
}

// ProviderGet returns a provider, or a not_found error.
func (tx *Tx) ProviderGet(ctx context.Context, id string) (*domain.Provider, error) {
	p, err := tx.scanProvider(tx.queryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("provider", id)
	}
	return p, err
}

// ProviderByKeyHash returns the provider whose API key hashes to hash, or
// whose replaced key does and is still in its grace period; an unauthorized
// error otherwise.
func (tx *Tx) ProviderByKeyHash(ctx context.Context, hash string) (*domain.Provider, error) {
	p, err := tx.scanProvider(tx.queryRow(ctx, `SELECT `+providerColumns+` FROM providers WHERE api_key_hash = ?`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		// A key replaced by a rotation works until its grace period ends.
		return tx.providerByPreviousKeyHash(ctx, hash)
	}
	return p, err
}

// ProviderList returns every provider, by id.
func (tx *Tx) ProviderList(ctx context.Context) ([]*domain.Provider, error) {
	rows, err := tx.query(ctx, `SELECT `+providerColumns+` FROM providers ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Provider
	for rows.Next() {
		p, err := tx.scanProvider(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ProviderDelete removes a provider with its packages and integrations.
func (tx *Tx) ProviderDelete(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM providers WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("provider", id)
	}
	return nil
}

// PackagesReplace replaces the packages a provider publishes.
func (tx *Tx) PackagesReplace(ctx context.Context, providerID string, pkgs []domain.Package) error {
	if _, err := tx.exec(ctx, `DELETE FROM packages WHERE provider_id = ?`, providerID); err != nil {
		return err
	}
	for _, p := range pkgs {
		if _, err := tx.exec(ctx, `INSERT INTO packages (provider_id, id, name, kind, lever_tag, updated_at) VALUES (?,?,?,?,?,?)`,
			providerID, p.ID, p.Name, p.Kind, p.LeverTag, ms(tx.now)); err != nil {
			if IsUniqueViolation(err) {
				return domain.Errorf(domain.EInvalid, "package id %q appears twice", p.ID)
			}
			return err
		}
	}
	return nil
}

// PackageList returns a provider's packages, by id.
func (tx *Tx) PackageList(ctx context.Context, providerID string) ([]domain.Package, error) {
	rows, err := tx.query(ctx, `SELECT provider_id, id, name, kind, lever_tag FROM packages WHERE provider_id = ? ORDER BY id`, providerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Package{}
	for rows.Next() {
		var p domain.Package
		if err := rows.Scan(&p.ProviderID, &p.ID, &p.Name, &p.Kind, &p.LeverTag); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
