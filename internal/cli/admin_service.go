package cli

import (
	"context"
	"encoding/json"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// Admin is what the admin commands ask of the operator's use cases;
// *admin.Service is one.
type Admin interface {
	ActivateIntegration(ctx context.Context, id string, settings json.RawMessage, include []string) (*domain.Integration, []string, error)
	CheckAPIKey(ctx context.Context, in admin.ConnectionInput) error
	CheckIntegration(ctx context.Context, integrationID string, settings json.RawMessage) (admin.Findings, error)
	ConnectionWebhookEvents(ctx context.Context, connID string) ([]string, error)
	Connections(ctx context.Context) (cs []*domain.Connection, err error)
	CreateConnection(ctx context.Context, in admin.ConnectionInput) (*domain.Connection, error)
	CreateIntegrationDraft(ctx context.Context, connID, providerID string, settings json.RawMessage) (*domain.Integration, error)
	CreateProvider(ctx context.Context, in admin.ProviderInput) (p *domain.Provider, apiKey string, err error)
	DeleteConnection(ctx context.Context, id string) error
	DeleteIntegration(ctx context.Context, id string) error
	DeleteProvider(ctx context.Context, id string) error
	Disconnect(ctx context.Context, connID string) error
	Exports(ctx context.Context, f store.ExportFilter) (xs []*domain.Export, next string, err error)
	Integration(ctx context.Context, id string) (in *domain.Integration, err error)
	Integrations(ctx context.Context, f store.IntegrationFilter) (ins []*domain.Integration, err error)
	Interviews(ctx context.Context, f admin.InterviewFilter) (out []*domain.Order, err error)
	Jobs(ctx context.Context, f store.JobFilter) (jobs []*domain.Job, err error)
	LeverEvents(ctx context.Context, f store.LeverEventFilter) (out []admin.EventDecisions, err error)
	Providers(ctx context.Context) (ps []*domain.Provider, err error)
	RegisterWebhooks(ctx context.Context, connID, publicURL string, events []string) ([]*domain.ConnectionWebhook, error)
	RetryDeadJob(ctx context.Context, id int64) error
	RotateProviderKey(ctx context.Context, id string, grace time.Duration) (key string, until time.Time, err error)
	RotateProviderSecret(ctx context.Context, id string, grace time.Duration) (secret string, until time.Time, err error)
	SaveIntegration(ctx context.Context, id string, settings json.RawMessage, enabled bool) (*domain.Integration, error)
	SyncedPostings(ctx context.Context, connectionID string) (out []*domain.SyncedPosting, err error)
	UpdateIntegration(ctx context.Context, id string, settings json.RawMessage) (*domain.Integration, error)
	UpdateProvider(ctx context.Context, id string, in admin.ProviderUpdate) (*domain.Provider, error)
}

var _ Admin = (*admin.Service)(nil)
