package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"stagecoach/internal/domain"
)

// Kinds of a provider's previous credentials.
const (
	PreviousAPIKey        = "api_key"
	PreviousWebhookSecret = "webhook_secret"
)

// PreviousCredential is a provider's API key or webhook secret that a
// rotation replaced and that keeps working until ExpiresAt.
type PreviousCredential struct {
	Kind      string // PreviousAPIKey or PreviousWebhookSecret
	ExpiresAt time.Time
	CreatedAt time.Time // when it was replaced
}

// ProviderRetireKey keeps the provider's replaced API key (by its hash)
// working until until. An until not after the transaction's time keeps
// nothing: the old key stops at once. Expired entries are removed.
func (tx *Tx) ProviderRetireKey(ctx context.Context, providerID, oldHash string, until time.Time) error {
	if err := tx.providerForgetExpired(ctx, providerID); err != nil {
		return err
	}
	if !until.After(tx.now) || oldHash == "" {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO provider_previous_credentials (provider_id, kind, key_hash, expires_at, created_at) VALUES (?,?,?,?,?)`,
		providerID, PreviousAPIKey, oldHash, ms(until), ms(tx.now))
	return err
}

// ProviderRetireSecret keeps the provider's replaced webhook secret (sealed)
// signing deliveries beside the current one until until. An until not after
// the transaction's time keeps nothing.
func (tx *Tx) ProviderRetireSecret(ctx context.Context, providerID, oldSecret string, until time.Time) error {
	if err := tx.providerForgetExpired(ctx, providerID); err != nil {
		return err
	}
	if !until.After(tx.now) || oldSecret == "" {
		return nil
	}
	_, err := tx.exec(ctx, `INSERT INTO provider_previous_credentials (provider_id, kind, secret, expires_at, created_at) VALUES (?,?,?,?,?)`,
		providerID, PreviousWebhookSecret, tx.db.box.Seal([]byte(oldSecret)), ms(until), ms(tx.now))
	return err
}

func (tx *Tx) providerForgetExpired(ctx context.Context, providerID string) error {
	_, err := tx.exec(ctx, `DELETE FROM provider_previous_credentials WHERE provider_id = ? AND expires_at <= ?`, providerID, ms(tx.now))
	return err
}

// providerByPreviousKeyHash returns the provider whose replaced API key,
// still in its grace period, hashes to hash.
func (tx *Tx) providerByPreviousKeyHash(ctx context.Context, hash string) (*domain.Provider, error) {
	var id string
	err := tx.queryRow(ctx, `SELECT provider_id FROM provider_previous_credentials WHERE key_hash = ? AND kind = ? AND expires_at > ?`,
		hash, PreviousAPIKey, ms(tx.now)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.EUnauthorized, "unknown API key")
	}
	if err != nil {
		return nil, err
	}
	return tx.ProviderGet(ctx, id)
}

// ProviderPreviousSecrets returns the provider's replaced webhook secrets
// still in their grace period, newest first: each delivery is signed with
// them too.
func (tx *Tx) ProviderPreviousSecrets(ctx context.Context, providerID string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT secret FROM provider_previous_credentials WHERE provider_id = ? AND kind = ? AND expires_at > ? ORDER BY id DESC`,
		providerID, PreviousWebhookSecret, ms(tx.now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sealed []byte
		if err := rows.Scan(&sealed); err != nil {
			return nil, err
		}
		b, err := tx.db.box.Open(sealed)
		if err != nil {
			return nil, fmt.Errorf("provider %s previous webhook secret: %w", providerID, err)
		}
		out = append(out, string(b))
	}
	return out, rows.Err()
}

// ProviderPreviousCredentials lists the provider's replaced keys and
// secrets still in their grace period (never their values), newest first.
func (tx *Tx) ProviderPreviousCredentials(ctx context.Context, providerID string) ([]PreviousCredential, error) {
	rows, err := tx.query(ctx, `SELECT kind, expires_at, created_at FROM provider_previous_credentials WHERE provider_id = ? AND expires_at > ? ORDER BY id DESC`,
		providerID, ms(tx.now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PreviousCredential
	for rows.Next() {
		var c PreviousCredential
		var exp, created int64
		if err := rows.Scan(&c.Kind, &exp, &created); err != nil {
			return nil, err
		}
		c.ExpiresAt, c.CreatedAt = fromMS(exp), fromMS(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

// ProviderDeliveries returns the webhook jobs of kind sent to the provider
// (their queue keys are "hook:<provider id>:…"), newest first, at most limit.
func (tx *Tx) ProviderDeliveries(ctx context.Context, kind, providerID string, limit int) ([]*domain.Job, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := tx.query(ctx, `SELECT `+jobColumns+` FROM jobs WHERE kind = ? AND queue_key LIKE ? ESCAPE '\' ORDER BY id DESC LIMIT ?`,
		kind, likePrefix("hook:"+providerID+":"), limit)
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

// JobGet returns a job, or a not_found error.
func (tx *Tx) JobGet(ctx context.Context, id int64) (*domain.Job, error) {
	j, err := scanJob(tx.queryRow(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, domain.Errorf(domain.ENotFound, "job %d not found", id)
	}
	return j, err
}

// JobSendAgain runs a finished job once more: a dead job is made available
// again (as JobRetryDead does); a done one is copied into a new job with
// the same kind, queue key and arguments. A job still waiting or running
// is a conflict.
func (tx *Tx) JobSendAgain(ctx context.Context, id int64) error {
	j, err := tx.JobGet(ctx, id)
	if err != nil {
		return err
	}
	switch j.Status {
	case domain.JobDead:
		return tx.JobRetryDead(ctx, id)
	case domain.JobDone:
		_, err := tx.JobInsert(ctx, JobParams{Kind: j.Kind, QueueKey: j.QueueKey, Args: j.Args, MaxAttempts: j.MaxAttempts})
		return err
	}
	return domain.Errorf(domain.EConflict, "job %d is %s: it will be sent without asking", id, j.Status)
}
