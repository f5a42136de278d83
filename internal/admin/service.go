// Package admin holds the operator's use cases: connecting to an ATS
// (API key or OAuth, webhooks, disconnecting), providers (creation, edits,
// key and secret rotation, deliveries), integrations (creation, settings,
// enabling and activation), the setup check, the package tag collisions,
// and what the command line lists and removes. It writes through the store
// and asks the engine, through the Engine interface it declares, for the
// ATS drivers, the engine's settings checks and the work to enqueue.
package admin

import (
	"context"
	"encoding/json"
	"log/slog"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// Engine is what the admin use cases ask of the engine; *engine.Engine is
// one.
type Engine interface {
	// Driver returns a connection's cached ATS driver; OpenDriver a fresh
	// one (for credentials not stored yet).
	Driver(c *domain.Connection) (ats.FlowDriver, error)
	OpenDriver(c *domain.Connection) (ats.FlowDriver, error)
	// Events are the ATS's names of the events the engine acts on;
	// WebhookEvents those the flows of kinds need.
	Events() ats.EventNames
	WebhookEvents(kinds ...string) []string
	// CheckIntegrationSettings and CheckNewIntegration check settings
	// against the ATS and the kind's rules.
	CheckIntegrationSettings(ctx context.Context, conn *domain.Connection, p *domain.Provider, raw json.RawMessage) error
	CheckNewIntegration(ctx context.Context, connID, providerID string, settings json.RawMessage) error
	// SameStage reports whether two trigger stage settings name one stage.
	SameStage(ctx context.Context, conn *domain.Connection, a, b string) bool
	// EnqueuePostingTags enqueues, in tx, the tagging of an integration's
	// postings; Restored tells a reconnected connection's providers.
	EnqueuePostingTags(ctx context.Context, tx *store.Tx, in *domain.Integration, p *domain.Provider) (bool, error)
	Restored(ctx context.Context, tx *store.Tx, c *domain.Connection) error
	// StageOccupants lists the candidates in an integration's trigger
	// stage; OrderOccupants routes those of them include names.
	StageOccupants(ctx context.Context, integrationID string, settings json.RawMessage) (string, []engine.StageOccupant, error)
	OrderOccupants(ctx context.Context, in *domain.Integration, occupants []engine.StageOccupant, include []string) ([]string, error)
	// Notify wakes the job runner after jobs were enqueued.
	Notify()
}

var _ Engine = (*engine.Engine)(nil)

// Service runs the operator's use cases.
type Service struct {
	db  *store.DB
	eng Engine
	log *slog.Logger
}

// New returns a Service writing through db and asking eng.
func New(db *store.DB, eng Engine, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, eng: eng, log: logger.With("component", "admin")}
}
