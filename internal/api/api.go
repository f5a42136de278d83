// Package api serves the provider REST API under /v1 (docs/provider-api.md,
// internal/api/openapi.json): a hiring tool authenticates with its API key,
// publishes its packages, reads its orders and reports what happened to
// them, and looks at the Lever events routed to it.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// Body size limits.
const (
	// defaultMaxBody caps a request body.
	defaultMaxBody = 1 << 20
	// eventMaxBody caps an order event: a 10 MiB PDF is about 13.4 MiB in
	// base64, plus the other fields.
	eventMaxBody = 15 << 20
)

// Config configures the API.
type Config struct {
	// Logger receives a line per request. Default: discard.
	Logger *slog.Logger
	// NowFunc is the clock request durations are measured with. Default
	// time.Now.
	NowFunc func() time.Time
}

// Engine is what the API asks of the engine; *engine.Engine is one. Its
// errors carry domain codes (invalid, not_found, conflict) that become the
// problem's status.
type Engine interface {
	// Export records a sourced candidate and enqueues its Lever work; it
	// reports whether the export is new.
	Export(ctx context.Context, p *domain.Provider, in engine.ExportInput) (*domain.Export, bool, error)
	// ExportStage records a stage change the provider reports for an export.
	ExportStage(ctx context.Context, p *domain.Provider, exportID, stage string) (*domain.Export, error)
	// ProviderIntegration returns an integration of the provider with its
	// provider and settings; another provider's is not found.
	ProviderIntegration(ctx context.Context, providerID, integrationID string) (*domain.Integration, *domain.Provider, engine.Settings, error)
	// SetKitMap replaces a video interview integration's kit map.
	SetKitMap(ctx context.Context, providerID, integrationID string, m engine.KitMap) (engine.KitMap, error)
	// ReportOrderEvent records what the provider reports about an order and
	// enqueues the Lever writes that follow.
	ReportOrderEvent(ctx context.Context, providerID, orderID string, in engine.OrderEventInput) (*domain.Order, error)
	// EnqueueProviderPostingTags queues, in tx, a posting-tag sync of every
	// integration of the provider.
	EnqueueProviderPostingTags(ctx context.Context, tx *store.Tx, providerID string) (int, error)
	// SyncPostings enqueues a posting sync of a connection unless one waits.
	SyncPostings(ctx context.Context, connectionID string) (bool, error)
	// Notify wakes the job runner after jobs were enqueued.
	Notify()
}

// Admin is what the API asks of the operator's use cases; *admin.Service
// is one.
type Admin interface {
	// CheckPackageTags refuses, in tx, packages whose Lever tag another
	// provider uses on the same connection.
	CheckPackageTags(ctx context.Context, tx *store.Tx, providerID string, pkgs []domain.Package) error
	// RotateProviderSecret gives a provider a new webhook secret; the old
	// one signs too for grace.
	RotateProviderSecret(ctx context.Context, providerID string, grace time.Duration) (string, time.Time, error)
}

// Store is where the API reads providers, orders, exports, events and
// packages and keeps idempotent answers; *store.DB is one. Reads go
// through ReadTx, which on SQLite neither waits for nor holds up a writer.
type Store interface {
	InTx(ctx context.Context, fn func(tx *store.Tx) error) error
	ReadTx(ctx context.Context, fn func(tx *store.Tx) error) error
}

// API is the provider REST API.
type API struct {
	eng     Engine
	adm     Admin
	db      Store
	cfg     Config
	log     *slog.Logger
	handler http.Handler
}

// New returns the API over eng and adm, reading and writing through db.
func New(eng Engine, adm Admin, db Store, cfg Config) *API {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	a := &API{eng: eng, adm: adm, db: db, cfg: cfg, log: cfg.Logger.With("component", "api")}
	a.handler = a.buildHandler()
	return a
}

// Handler returns the http.Handler serving the /v1 routes. Its patterns
// include /v1, so it is mounted at the root (or at "/v1/").
func (a *API) Handler() http.Handler { return a.handler }

// Routes returns every route as "METHOD /v1/path/{param}".
func (a *API) Routes() []string {
	var out []string
	for _, rt := range a.routes() {
		out = append(out, rt.pattern)
	}
	return out
}

// route is one entry of the route table.
type route struct {
	pattern string
	handle  handlerFunc
	// public routes need no API key.
	public bool
	// maxBody caps the request body; 0 means defaultMaxBody.
	maxBody int64
	// unreplayed POST routes take no Idempotency-Key: their answer holds a
	// secret, which is never kept to be answered again.
	unreplayed bool
}

// routes is the API's route table.
func (a *API) routes() []route {
	return []route{
		{pattern: "GET /v1/openapi.json", handle: a.handleOpenAPIGet, public: true},
		{pattern: "GET /v1/me", handle: a.handleMeGet},
		{pattern: "POST /v1/me/webhook-secret/rotate", handle: a.handleWebhookSecretRotate, unreplayed: true},
		{pattern: "PUT /v1/packages", handle: a.handlePackagePut},
		{pattern: "GET /v1/packages", handle: a.handlePackageList},
		{pattern: "GET /v1/orders", handle: a.handleOrderList},
		{pattern: "GET /v1/orders/{id}", handle: a.handleOrderGet},
		{pattern: "POST /v1/orders/{id}/events", handle: a.handleOrderEventCreate, maxBody: eventMaxBody},
		{pattern: "GET /v1/lever-events", handle: a.handleLeverEventList},
		{pattern: "GET /v1/lever-events/{id}", handle: a.handleLeverEventGet},
		{pattern: "GET /v1/integrations", handle: a.handleIntegrationList},
		{pattern: "GET /v1/integrations/{id}", handle: a.handleIntegrationGet},
		{pattern: "GET /v1/integrations/{id}/kit-map", handle: a.handleKitMapGet},
		{pattern: "PUT /v1/integrations/{id}/kit-map", handle: a.handleKitMapPut},
		{pattern: "POST /v1/integrations/{id}/posting-sync", handle: a.handlePostingSyncCreate},
		{pattern: "POST /v1/exports", handle: a.handleExportCreate, maxBody: exportMaxBody},
		{pattern: "GET /v1/exports", handle: a.handleExportList},
		{pattern: "GET /v1/exports/{id}", handle: a.handleExportGet},
		{pattern: "POST /v1/exports/{id}/stage", handle: a.handleExportStage},
	}
}

func (a *API) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		maxBody := rt.maxBody
		if maxBody == 0 {
			maxBody = defaultMaxBody
		}
		var h http.Handler = a.serve(rt.handle, maxBody)
		if strings.HasPrefix(rt.pattern, http.MethodPost+" ") && !rt.unreplayed {
			h = a.idempotent(h, maxBody)
		}
		if !rt.public {
			h = a.authenticate(h)
		}
		mux.Handle(rt.pattern, h)
	}
	return a.logRequests(a.problemForUnmatched(mux))
}

// handlerFunc is a handler that returns its error for serve to render.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// serve adapts a handlerFunc: an error becomes a problem answer, and the
// body is capped at maxBody.
func (a *API) serve(h handlerFunc, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := h(w, r); err != nil {
			a.problem(w, r, err)
		}
	})
}

func (a *API) problem(w http.ResponseWriter, r *http.Request, err error) {
	web.WriteProblem(w, r, err, a.log)
}

// problemForUnmatched answers a request no route matches with a problem
// document rather than the mux's plain text: 404 for an unknown path, and
// 405 (with Allow) for a known path with another method.
func (a *API) problemForUnmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// Let the mux's own handler decide between 404 and 405 (and set
		// Allow); keep its status and headers, drop its text body.
		rec := &headerOnly{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			// No domain code says "method not allowed": "about:blank" is
			// RFC 9457's type for a problem that is just its status.
			p := web.Problem{Type: "about:blank", Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
				Detail: fmt.Sprintf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, rec.header.Get("Allow"))}
			web.WriteProblemDetails(w, p)
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			mux.ServeHTTP(w, r)
		default:
			a.problem(w, r, domain.Errorf(domain.ENotFound, "no route %s %s", r.Method, r.URL.Path))
		}
	})
}

// headerOnly records a handler's status and headers and drops its body.
type headerOnly struct {
	header http.Header
	status int
}

func (h *headerOnly) Header() http.Header { return h.header }
func (h *headerOnly) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *headerOnly) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return len(b), nil
}

// providerKey is the context key of the authenticated provider.
type providerKey struct{}

// providerFrom returns the provider authenticate put in ctx.
func providerFrom(ctx context.Context) *domain.Provider {
	p, _ := ctx.Value(providerKey{}).(*domain.Provider)
	return p
}

// mustProvider returns the authenticated provider; routes without one are a
// wiring mistake, answered as an internal error.
func mustProvider(r *http.Request) (*domain.Provider, error) {
	p := providerFrom(r.Context())
	if p == nil {
		return nil, fmt.Errorf("route %s %s: no authenticated provider", r.Method, r.URL.Path)
	}
	return p, nil
}

var (
	_ Engine = (*engine.Engine)(nil)
	_ Admin  = (*admin.Service)(nil)
	_ Store  = (*store.DB)(nil)
)
