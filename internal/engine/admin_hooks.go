package engine

import (
	"context"
	"encoding/json"
	"iter"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// What the operator's use cases (internal/admin) ask of the engine.

// OpenDriver opens a fresh driver for a connection, never cached: one not
// stored yet, or whose credentials are being checked.
func (e *Engine) OpenDriver(c *domain.Connection) (ats.FlowDriver, error) { return e.openDriver(c) }

// Events are the ATS's names of the events the engine stores and routes.
func (e *Engine) Events() ats.EventNames { return e.cfg.Events }

// CheckNewIntegration checks the settings of an integration to create
// against the ATS (CheckIntegrationSettings).
func (e *Engine) CheckNewIntegration(ctx context.Context, connID, providerID string, settings json.RawMessage) error {
	return e.checkNewIntegration(ctx, connID, providerID, settings)
}

// SameStage reports whether two trigger stage settings (ids or names) name
// the same stage. When the ATS cannot say, they are compared as written.
func (e *Engine) SameStage(ctx context.Context, conn *domain.Connection, a, b string) bool {
	return e.sameStage(ctx, conn, a, b)
}

// EnqueuePostingTags queues, in tx, a sync of an integration's tagged
// postings' package tags; it reports whether a job was queued.
func (e *Engine) EnqueuePostingTags(ctx context.Context, tx *store.Tx, in *domain.Integration, p *domain.Provider) (bool, error) {
	return e.enqueuePostingTags(ctx, tx, in, p)
}

// Restored tells, in tx, the providers on a reconnected connection that it
// works again and wakes the work that waited for it.
func (e *Engine) Restored(ctx context.Context, tx *store.Tx, c *domain.Connection) error {
	return e.restored(ctx, tx, c)
}

// WithConfidential lists records with confidential ones when the
// connection may see them (see withConfidential).
func WithConfidential[T any](c *domain.Connection, hidden *bool, list func(confidential bool) iter.Seq2[*T, error]) iter.Seq2[*T, error] {
	return withConfidential(c, hidden, list)
}

// ReadsPart reports whether the flows of kinds read a part of the account
// (all parts when no kind is given).
func ReadsPart(part string, kinds ...string) bool { return readsPart(part, kinds...) }

// MissingScopes returns the scopes of want that granted does not give.
func MissingScopes(granted, want []string) []string { return missingScopes(granted, want) }

// PackageTags returns the distinct, trimmed package tags of pkgs, sorted.
func PackageTags(pkgs []domain.Package) []string { return packageTags(pkgs) }

// FindStage finds a stage by id or by name (exact, then ignoring case).
func FindStage(stages []ats.Stage, idOrName string) (ats.Stage, error) {
	return findStage(stages, idOrName)
}

// NoWebhookURL is the reason a webhook to a provider without a URL waits.
const NoWebhookURL = noWebhookURL
