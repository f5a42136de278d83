// Package engine is stagecoach's core: it routes Lever events to the flow of
// each integration, keeps orders, writes to Lever through one effect journal,
// tells providers what happened through signed webhooks, and sweeps Lever for
// what a lost webhook would have ordered.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/fetch"
	"stagecoach/internal/journal"
	"stagecoach/internal/metrics"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// Job kinds. They are stored: never rename one. Each has its args type
// (queue.Args), whose JSON is stored too.
const (
	JobLeverEvent      = "lever_event"
	JobOrderEffects    = "order_effects"
	JobProviderWebhook = "provider_webhook"
	JobReconcile       = "reconcile"
	JobPostingTags     = "posting_tags"
)

// Config configures an Engine.
type Config struct {
	// LeverRate and LeverBurst bound calls to Lever per connection, across
	// every process sharing the database. Defaults 10/s and 20.
	LeverRate  float64
	LeverBurst int
	// LeverTimeout is the deadline of one Lever call. Default 30s.
	LeverTimeout time.Duration
	// ReconcileInterval is how often each connection is swept. Default 10m;
	// negative disables the schedule (sweeps on demand still run).
	ReconcileInterval time.Duration
	// PostingSyncInterval is how often the postings of interview service
	// integrations are polled (jobsync.go). Default 5m; negative disables
	// the schedule (syncs on demand still run).
	PostingSyncInterval time.Duration
	// TokenRefreshInterval is how often every active OAuth connection's
	// token pair is renewed (tokens.go), so that Lever's 90-day idle limit
	// on refresh tokens never passes. Default 24h; negative disables the
	// schedule.
	TokenRefreshInterval time.Duration
	// RetainJobs is how long finished (done or dead-lettered) jobs are kept;
	// RetainIdempotency how long a stored answer to an Idempotency-Key is
	// kept once it has expired (IdempotencyTTL after it was stored).
	// Defaults a week and 24h. PruneInterval is how often they are pruned,
	// once per interval across replicas: default 1h, negative never.
	RetainJobs, RetainIdempotency, PruneInterval time.Duration
	// RetainAudit is how long audit log entries (operators' actions) are
	// kept, pruned with the rest; 0 keeps them for ever.
	RetainAudit time.Duration
	// HTTPClient sends provider webhooks.
	HTTPClient *http.Client
	// OpenATS opens a connection's ATS driver (leverats.Opener for Lever);
	// the wiring sets it. Without it nothing can reach an ATS.
	OpenATS ats.Opener
	// Events are the ATS's names of the events the engine stores and
	// routes (leverats.Events); the wiring sets it. Without it no event
	// has a kind, and none is routed.
	Events ats.EventNames
	// Fetch configures the client that fetches the URLs providers give
	// (cv.url, report.url): public addresses only unless
	// Fetch.AllowPrivate (serve --allow-private-fetch).
	Fetch fetch.Config
	// EffectLease is how long a job holds a journal entry it is checking or
	// sending without renewing its claim (renewed every third of it while it
	// works); only once it has run out may another job take the entry as
	// left by a crashed one. Default 30s; app sets the job lease.
	EffectLease time.Duration
	Logger      *slog.Logger
	Metrics     *metrics.Metrics
}

// Engine routes events and applies effects.
type Engine struct {
	db      *store.DB
	q       *queue.Runner
	journal *journal.Journal
	cfg     Config
	log     *slog.Logger

	fetch *fetch.Client

	mu      sync.Mutex
	drivers map[string]*cachedDriver
	stages  map[string]stageCache
	titles  map[string]titleCache // by connection and job id
	// pseudoKey is the key sourcing pseudonyms are derived from; users the
	// Lever users exports were made as, by connection and e-mail or id.
	pseudoKey []byte
	users     map[string]cachedLeverUser
}

type cachedDriver struct {
	updated time.Time
	driver  ats.FlowDriver
}

type stageCache struct {
	at     time.Time
	stages []ats.Stage
}

// New returns an Engine and registers its workers on q.
func New(db *store.DB, q *queue.Runner, cfg Config) *Engine {
	if cfg.LeverRate <= 0 {
		cfg.LeverRate = 10
	}
	if cfg.LeverBurst <= 0 {
		cfg.LeverBurst = 20
	}
	if cfg.LeverTimeout <= 0 {
		cfg.LeverTimeout = 30 * time.Second
	}
	if cfg.ReconcileInterval == 0 {
		cfg.ReconcileInterval = 10 * time.Minute
	}
	if cfg.RetainJobs <= 0 {
		cfg.RetainJobs = DefaultRetainJobs
	}
	if cfg.RetainIdempotency <= 0 {
		cfg.RetainIdempotency = DefaultRetainIdempotency
	}
	if cfg.PruneInterval == 0 {
		cfg.PruneInterval = DefaultPruneInterval
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	e := &Engine{db: db, q: q, cfg: cfg, log: cfg.Logger.With("component", "engine"), fetch: fetch.New(cfg.Fetch), drivers: map[string]*cachedDriver{}, stages: map[string]stageCache{}, titles: map[string]titleCache{}}
	if cfg.Events == nil {
		cfg.Events = noEvents{}
	}
	e.cfg.Events = cfg.Events
	e.journal = journal.New(journal.Config{Store: db, Lease: cfg.EffectLease, ClassifyFunc: classifyLever, Logger: cfg.Logger})
	queue.Register(q, e.workLeverEvent)
	queue.Register(q, e.workOrderEffects)
	queue.Register(q, e.workProviderWebhook)
	queue.Register(q, e.workReconcile)
	queue.Register(q, e.workExportSync)
	queue.Register(q, e.workPostingTags)
	queue.Register(q, e.workPostingSync)
	queue.Register(q, e.workTokenRefresh)
	queue.Register(q, e.workPrune)
	return e
}

// DB returns the engine's store.
func (e *Engine) DB() *store.DB { return e.db }

// Notify wakes the job runner.
func (e *Engine) Notify() { e.q.Notify() }

// Driver returns the ATS driver of a connection, opened once per version of
// the connection's credentials.
func (e *Engine) Driver(c *domain.Connection) (ats.FlowDriver, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cd, ok := e.drivers[c.ID]; ok && cd.updated.Equal(c.UpdatedAt) {
		return cd.driver, nil
	}
	d, err := e.openDriver(c)
	if err != nil {
		return nil, err
	}
	e.drivers[c.ID] = &cachedDriver{updated: c.UpdatedAt, driver: d}
	return d, nil
}

// openDriver opens a fresh driver for a connection (one not stored yet,
// whose credentials are being checked, is never cached). The engine runs
// its flows on FlowDrivers only.
func (e *Engine) openDriver(c *domain.Connection) (ats.FlowDriver, error) {
	if e.cfg.OpenATS == nil {
		return nil, domain.Errorf(domain.EInternal, "connection %s: no ATS driver is configured", c.ID)
	}
	d, err := e.cfg.OpenATS(c, ats.Lent{
		Limiter: &dbLimiter{db: e.db, key: "lever:" + c.ID, rate: e.cfg.LeverRate, burst: max(e.cfg.LeverBurst-1, 1)},
		Tokens:  tokenStore{e}, Timeout: e.cfg.LeverTimeout, Logger: e.cfg.Logger, Observe: e.cfg.Metrics.LeverCall,
	})
	if err != nil {
		return nil, err
	}
	fd, ok := d.(ats.FlowDriver)
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "connection %s: the %s driver does not offer everything the flows need (ats.FlowDriver) yet", c.ID, d.Name())
	}
	return fd, nil
}

// tokenStore is the ats.TokenStore drivers are lent: a connection's OAuth
// token pair lives in its row.
type tokenStore struct{ e *Engine }

func (ts tokenStore) SaveToken(ctx context.Context, connID string, t ats.Token) error {
	return ts.e.saveToken(ctx, connID, t)
}

func (ts tokenStore) LoadToken(ctx context.Context, connID string) (ats.Token, error) {
	var cr domain.Credentials
	err := ts.e.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, connID)
		if err == nil {
			cr = c.Credentials
		}
		return err
	})
	return ats.Token{AccessToken: cr.AccessToken, RefreshToken: cr.RefreshToken, Expiry: cr.Expiry}, err
}

// saveToken stores a refreshed token pair. The cached driver keeps its token
// source (it already holds the new pair), so the cache entry follows the row.
func (e *Engine) saveToken(ctx context.Context, connID string, t ats.Token) error {
	var updated time.Time
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, connID)
		if err != nil {
			return err
		}
		c.Credentials.AccessToken, c.Credentials.RefreshToken, c.Credentials.Expiry = t.AccessToken, t.RefreshToken, t.Expiry
		c.Credentials.RefreshedAt = tx.Now()
		if err := tx.ConnectionUpdate(ctx, c); err != nil {
			return err
		}
		updated = c.UpdatedAt
		return nil
	})
	if err != nil {
		return fmt.Errorf("save refreshed token: %w", err)
	}
	e.mu.Lock()
	if cd, ok := e.drivers[connID]; ok {
		cd.updated = updated
	}
	e.mu.Unlock()
	return nil
}

// markBroken records that Lever refused a connection's credentials and tells
// the providers enabled on it (connection.broken). Its work waits (snoozed)
// until an operator reconnects it.
func (e *Engine) markBroken(ctx context.Context, connID string, cause error) {
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, connID)
		if err != nil {
			return err
		}
		if c.Status != domain.ConnActive {
			return nil
		}
		c.Status = domain.ConnBroken
		c.StatusReason = "Lever refused the credentials: " + cause.Error()
		if err := tx.ConnectionUpdate(ctx, c); err != nil {
			return err
		}
		return e.notifyConnection(ctx, tx, c, WebhookConnectionBroken)
	})
	if err != nil {
		e.log.Error("mark connection broken failed", slog.String("connection_id", connID), slog.Any("error", err))
		return
	}
	e.log.Warn("connection broken", slog.String("connection_id", connID), slog.Any("error", cause))
}

// leverError turns an ATS error into what the job runner should do.
func (e *Engine) leverError(ctx context.Context, connID string, err error) error {
	switch {
	case errors.Is(err, ats.ErrUnauthorized):
		e.markBroken(ctx, connID, err)
		return queue.Snooze(time.Minute, "connection broken")
	case errors.Is(err, ats.ErrRateLimited):
		return queue.RetryAfter(2*time.Second, err)
	case errors.Is(err, ats.ErrRefused), errors.Is(err, ats.ErrForbidden), errors.Is(err, ats.ErrNotFound):
		return queue.Cancel(err)
	}
	return err
}

// Stages returns a connection's stages, cached for a minute.
func (e *Engine) Stages(ctx context.Context, c *domain.Connection) ([]ats.Stage, error) {
	e.mu.Lock()
	sc, ok := e.stages[c.ID]
	e.mu.Unlock()
	if ok && time.Since(sc.at) < time.Minute {
		return sc.stages, nil
	}
	d, err := e.Driver(c)
	if err != nil {
		return nil, err
	}
	stages, err := d.Stages(ctx, "")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.stages[c.ID] = stageCache{at: time.Now(), stages: stages}
	e.mu.Unlock()
	return stages, nil
}

// ResolveStage finds a stage by id or by name (exact, then ignoring case).
func (e *Engine) ResolveStage(ctx context.Context, c *domain.Connection, idOrName string) (ats.Stage, error) {
	stages, err := e.Stages(ctx, c)
	if err != nil {
		return ats.Stage{}, err
	}
	return findStage(stages, idOrName)
}

func findStage(stages []ats.Stage, idOrName string) (ats.Stage, error) {
	if s, ok := ats.FindStage(stages, idOrName); ok {
		return s, nil
	}
	return ats.Stage{}, domain.Errorf(domain.EInvalid, "Lever has no stage %q", idOrName)
}

func stageText(stages []ats.Stage, id string) string {
	for _, s := range stages {
		if s.ID == id {
			return s.Name
		}
	}
	return id
}

// dbLimiter is an ats.Limiter whose token bucket lives in the database, so
// that every stagecoach process sharing it keeps one connection under
// Lever's limit. Like the Lever client's own token bucket it holds one token fewer than
// Lever's burst: Lever counts a request when it arrives, the bucket when it
// leaves, and the spare token absorbs the difference.
type dbLimiter struct {
	db    *store.DB
	key   string
	rate  float64
	burst int
}

func (l *dbLimiter) Wait(ctx context.Context) error {
	for {
		wait, err := l.db.RateTake(ctx, l.key, l.rate, l.burst)
		if err != nil {
			return fmt.Errorf("rate limiter: %w", err)
		}
		if wait == 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// noEvents names no event: an engine not given an ATS's names.
type noEvents struct{}

func (noEvents) Names() []string                   { return nil }
func (noEvents) Native(ats.EventKind) string       { return "" }
func (noEvents) Kind(string) (ats.EventKind, bool) { return "", false }
func (noEvents) Decode(n string, data []byte) (ats.Event, error) {
	return ats.Event{Native: n, Data: data}, nil
}
