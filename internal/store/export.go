package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"stagecoach/internal/domain"
)

const exportColumns = `id, integration_id, connection_id, provider_id, provider_candidate_id, status, outcome, pseudonym, profile, cv, cv_name, cv_url, cv_sha,
	role_id, provider_stage, stage_version, stage_synced, recruiter_email, posting_id, opportunity_id, opportunity_url, lever_stage_id, last_error, created_at, updated_at, deleted_at`

func scanExport(row interface{ Scan(...any) error }) (*domain.Export, error) {
	var x domain.Export
	var profile string
	var cv []byte
	var created, updated, deleted int64
	if err := row.Scan(&x.ID, &x.IntegrationID, &x.ConnectionID, &x.ProviderID, &x.ProviderCandidateID, &x.Status, &x.Outcome, &x.Pseudonym, &profile, &cv,
		&x.CVName, &x.CVURL, &x.CVSHA, &x.RoleID, &x.ProviderStage, &x.StageVersion, &x.StageSynced, &x.RecruiterEmail, &x.PostingID, &x.OpportunityID, &x.OpportunityURL,
		&x.LeverStageID, &x.LastError, &created, &updated, &deleted); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(profile), &x.Profile); err != nil {
		return nil, fmt.Errorf("export %s profile: %w", x.ID, err)
	}
	if len(cv) > 0 {
		x.CV = cv
	}
	x.CreatedAt, x.UpdatedAt, x.DeletedAt = fromMS(created), fromMS(updated), fromMS(deleted)
	return &x, nil
}

func blobOrNil(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// ExportInsert stores a new export unless the integration has one for the
// same provider candidate; it reports whether it stored it. Two exports of
// one candidate racing each other both end here, and only one inserts.
func (tx *Tx) ExportInsert(ctx context.Context, x *domain.Export) (bool, error) {
	profile, _ := json.Marshal(x.Profile)
	x.CreatedAt, x.UpdatedAt = tx.now, tx.now
	res, err := tx.exec(ctx, `INSERT INTO exports (`+exportColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (integration_id, provider_candidate_id) DO NOTHING`,
		x.ID, x.IntegrationID, x.ConnectionID, x.ProviderID, x.ProviderCandidateID, x.Status, x.Outcome, x.Pseudonym, string(profile), blobOrNil(x.CV),
		x.CVName, x.CVURL, x.CVSHA, x.RoleID, x.ProviderStage, x.StageVersion, x.StageSynced, x.RecruiterEmail, x.PostingID, x.OpportunityID, x.OpportunityURL,
		x.LeverStageID, x.LastError, ms(tx.now), ms(tx.now), ms(x.DeletedAt))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ExportUpdate saves every mutable field of an export.
func (tx *Tx) ExportUpdate(ctx context.Context, x *domain.Export) error {
	profile, _ := json.Marshal(x.Profile)
	x.UpdatedAt = tx.now
	res, err := tx.exec(ctx, `UPDATE exports SET status = ?, outcome = ?, pseudonym = ?, profile = ?, cv = ?, cv_name = ?, cv_url = ?, cv_sha = ?,
		role_id = ?, provider_stage = ?, stage_version = ?, stage_synced = ?, recruiter_email = ?, posting_id = ?, opportunity_id = ?, opportunity_url = ?, lever_stage_id = ?,
		last_error = ?, updated_at = ?, deleted_at = ? WHERE id = ?`,
		x.Status, x.Outcome, x.Pseudonym, string(profile), blobOrNil(x.CV), x.CVName, x.CVURL, x.CVSHA,
		x.RoleID, x.ProviderStage, x.StageVersion, x.StageSynced, x.RecruiterEmail, x.PostingID, x.OpportunityID, x.OpportunityURL, x.LeverStageID,
		x.LastError, ms(tx.now), ms(x.DeletedAt), x.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("export", x.ID)
	}
	return nil
}

// lockRow locks the selected row on PostgreSQL; SQLite's immediate
// transactions hold the write lock already. A ReadTx, which writes
// nothing, locks nothing (PostgreSQL refuses FOR UPDATE in a READ ONLY
// transaction).
func (tx *Tx) lockRow() string {
	if tx.db.dialect == Postgres && !tx.readOnly {
		return ` FOR UPDATE`
	}
	return ""
}

// ExportGet returns an export, or a not_found error. The row is locked for
// the rest of the transaction.
func (tx *Tx) ExportGet(ctx context.Context, id string) (*domain.Export, error) {
	x, err := scanExport(tx.queryRow(ctx, `SELECT `+exportColumns+` FROM exports WHERE id = ?`+tx.lockRow(), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("export", id)
	}
	return x, err
}

// ExportByCandidate returns an integration's export of a provider
// candidate, locked for the rest of the transaction, or a not_found error.
func (tx *Tx) ExportByCandidate(ctx context.Context, integrationID, candidateID string) (*domain.Export, error) {
	x, err := scanExport(tx.queryRow(ctx, `SELECT `+exportColumns+` FROM exports WHERE integration_id = ? AND provider_candidate_id = ?`+tx.lockRow(), integrationID, candidateID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("export of candidate", candidateID)
	}
	return x, err
}

// ExportsByOpportunity returns the exports linked to a Lever opportunity.
func (tx *Tx) ExportsByOpportunity(ctx context.Context, connectionID, opportunityID string) ([]*domain.Export, error) {
	rows, err := tx.query(ctx, `SELECT `+exportColumns+` FROM exports WHERE connection_id = ? AND opportunity_id = ? ORDER BY id`, connectionID, opportunityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Export
	for rows.Next() {
		x, err := scanExport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ExportFilter narrows ExportList. Empty fields match everything.
type ExportFilter struct {
	ProviderID          string
	ConnectionID        string
	Status              string
	ProviderCandidateID string
	Cursor              string
	Limit               int // default 50
}

// ExportList returns a page of exports ordered by (updated_at, id), and the
// cursor of the next page ("" on the last page).
func (tx *Tx) ExportList(ctx context.Context, f ExportFilter) ([]*domain.Export, string, error) {
	q := `SELECT ` + exportColumns + ` FROM exports WHERE 1=1`
	var args []any
	add := func(cond string, v any) { q += ` AND ` + cond; args = append(args, v) }
	if f.ProviderID != "" {
		add(`provider_id = ?`, f.ProviderID)
	}
	if f.ConnectionID != "" {
		add(`connection_id = ?`, f.ConnectionID)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.ProviderCandidateID != "" {
		add(`provider_candidate_id = ?`, f.ProviderCandidateID)
	}
	return listPage(ctx, tx, q, args, f.Cursor, f.Limit, scanExport, func(x *domain.Export) (time.Time, string) { return x.UpdatedAt, x.ID })
}

// ServerKey returns the server key called name, making a random 32-byte one
// the first time. It is sealed at rest.
func (tx *Tx) ServerKey(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := tx.exec(ctx, `INSERT INTO server_keys (name, value, created_at) VALUES (?,?,?) ON CONFLICT (name) DO NOTHING`,
		name, tx.db.box.Seal(fresh), ms(tx.now)); err != nil {
		return nil, err
	}
	var sealed []byte
	if err := tx.queryRow(ctx, `SELECT value FROM server_keys WHERE name = ?`, name).Scan(&sealed); err != nil {
		return nil, err
	}
	key, err := tx.db.box.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("server key %s: %w", name, err)
	}
	return key, nil
}
