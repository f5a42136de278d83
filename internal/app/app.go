// Package app is stagecoach's composition root: it builds the store, the
// engine, the job runner and the HTTP surfaces from a Config, and runs them.
// The serve and demo commands and the end-to-end tests all use it.
package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/api"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/engine"
	"stagecoach/internal/inbound"
	"stagecoach/internal/metrics"
	"stagecoach/internal/queue"
	"stagecoach/internal/secret"
	"stagecoach/internal/store"
	"stagecoach/internal/ui"
	"stagecoach/internal/web"
)

// Config configures a stagecoach server.
type Config struct {
	// Addr is where HTTP is served. Default 127.0.0.1:8080; port 0 picks one.
	Addr string
	// DataDir holds the SQLite database and the secret key file. Default "data".
	DataDir string
	// Database is a postgres:// URL; empty means SQLite in DataDir.
	Database string
	// SQLiteSynchronous is "normal" (default) or "full": see
	// store.Options.
	SQLiteSynchronous string
	// SecretKey is the base64 AES-256 key for secrets at rest; empty reads
	// (or creates) DataDir/secret.key.
	SecretKey string
	// NowFunc, when set, is the clock of the store's transactions (what
	// expiries such as a rotated API key's grace are measured by); tests
	// move it. Default time.Now.
	NowFunc func() time.Time
	// Migrate applies pending migrations on start instead of refusing to run.
	Migrate bool
	Logger  *slog.Logger

	// How stagecoach is reached from outside (--public-url, --trust-proxy,
	// --metrics-addr, --metrics-token-file).
	//
	// PublicURL is stagecoach's address as browsers and Lever reach it, such
	// as https://stagecoach.acme.example: the OAuth redirect URI and the
	// webhook URL are built on it, and when it is https cookies are Secure
	// and HSTS is sent. Lever delivers webhooks to https URLs only. Empty:
	// each request's own scheme and host (UI.PublicURL, if set, wins).
	PublicURL string
	// TrustProxy lists the reverse proxies whose X-Forwarded-For, -Proto
	// and -Host headers are believed. Empty: none (the headers are ignored).
	TrustProxy web.Proxies
	// MetricsAddr, when set, serves /metrics on this address only, and not
	// on Addr.
	MetricsAddr string
	// MetricsToken, when set, is the bearer token /metrics requires.
	MetricsToken string

	Queue   queue.Config
	Engine  engine.Config
	Inbound inbound.Config
	// UI configures the operator's web UI at /.
	UI ui.Config
}

// DSN returns the database the config names.
func (c Config) DSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.dataDir(), "stagecoach.db")
}

func (c Config) dataDir() string {
	if c.DataDir == "" {
		return "data"
	}
	return c.DataDir
}

// OpenStore opens (and, with migrate, migrates) the configured database.
func OpenStore(ctx context.Context, c Config) (*store.DB, error) {
	key, err := secret.LoadKey(c.SecretKey, filepath.Join(c.dataDir(), "secret.key"))
	if err != nil {
		return nil, err
	}
	box, err := secret.New(key)
	if err != nil {
		return nil, err
	}
	db, err := store.OpenWith(ctx, c.DSN(), box, store.Options{SQLiteSynchronous: c.SQLiteSynchronous})
	if err != nil {
		return nil, err
	}
	if c.Migrate {
		if err := db.Migrate(ctx); err != nil {
			db.Close()
			return nil, err
		}
	}
	ok, err := db.SchemaUpToDate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	if !ok {
		db.Close()
		return nil, errors.New("the database schema is not up to date: run `stagecoach migrate` first")
	}
	return db, nil
}

// App is a running stagecoach.
type App struct {
	cfg    Config
	log    *slog.Logger
	DB     *store.DB
	Engine *engine.Engine
	// Admin runs the operator's use cases (connections, providers,
	// integrations, the setup check) over the store and the engine.
	Admin   *admin.Service
	Queue   *queue.Runner
	Metrics *metrics.Metrics
	API     *api.API
	UI      *ui.UI
	ln      net.Listener
	srv     *http.Server

	metricsLn  net.Listener
	metricsSrv *http.Server
}

// New builds an App and binds its listener; Run serves.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	db, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.NowFunc != nil {
		db.NowFunc = cfg.NowFunc
	}
	a := &App{cfg: cfg, log: cfg.Logger, DB: db}
	a.Metrics = metrics.New(db.JobCounts)
	qc := cfg.Queue
	qc.Logger = cfg.Logger
	qc.ObserveFunc = a.Metrics.JobRun
	a.Queue = queue.New(db, qc)
	ec := cfg.Engine
	ec.Logger, ec.Metrics = cfg.Logger, a.Metrics
	// The audit log's retention is the UI's setting (its page says it);
	// the prune schedule applies it.
	ec.RetainAudit = cfg.UI.RetainAudit
	// Lever is the one ATS so far.
	if ec.OpenATS == nil {
		ec.OpenATS = leverats.Opener
	}
	if ec.Events == nil {
		ec.Events = leverats.Events
	}
	if ec.EffectLease == 0 {
		// A job that crashed while sending holds its journal entry as long
		// as it holds the job: the entry is free by the time the job runs
		// again.
		ec.EffectLease = qc.Lease
	}
	a.Engine = engine.New(db, a.Queue, ec)
	a.Admin = admin.New(db, a.Engine, cfg.Logger)
	ic := cfg.Inbound
	ic.Logger, ic.Metrics = cfg.Logger, a.Metrics
	a.API = api.New(a.Engine, a.Admin, db, api.Config{Logger: cfg.Logger})

	mux := http.NewServeMux()
	inbound.New(a.Engine, db, ic).Register(mux)
	mux.Handle("/v1/", a.API.Handler())
	if cfg.MetricsAddr == "" {
		mux.Handle("GET /metrics", a.metricsHandler())
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", a.handleReady)
	uc := cfg.UI
	uc.Logger = cfg.Logger
	if uc.PublicURL == "" {
		uc.PublicURL = cfg.PublicURL
	}
	if uc.Proxies == nil {
		uc.Proxies = cfg.TrustProxy
	}
	if a.UI, err = ui.New(a.Engine, a.Admin, db, uc); err != nil {
		db.Close()
		return nil, err
	}
	a.UI.Register(mux)

	a.ln, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	if cfg.MetricsAddr != "" {
		if a.metricsLn, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			a.ln.Close()
			db.Close()
			return nil, fmt.Errorf("listen on %s (--metrics-addr): %w", cfg.MetricsAddr, err)
		}
		mm := http.NewServeMux()
		mm.Handle("GET /metrics", a.metricsHandler())
		a.metricsSrv = &http.Server{Handler: mm, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	}
	return a, nil
}

// validate checks what the edge settings say before anything is opened.
func (c *Config) validate() error {
	u, err := web.ParsePublicURL(c.PublicURL)
	if err != nil {
		return fmt.Errorf("--public-url: %w", err)
	}
	c.PublicURL = u
	if c.UI.PublicURL, err = web.ParsePublicURL(c.UI.PublicURL); err != nil {
		return fmt.Errorf("--public-url: %w", err)
	}
	return nil
}

// metricsHandler serves the Prometheus metrics, behind the bearer token
// when one is configured.
func (a *App) metricsHandler() http.Handler {
	h := a.Metrics.Handler()
	if a.cfg.MetricsToken == "" {
		return h
	}
	want := []byte("Bearer " + a.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "metrics need the bearer token (--metrics-token-file)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// MetricsURL returns the base URL of the separate metrics listener, or ""
// when /metrics is served on Addr.
func (a *App) MetricsURL() string {
	if a.metricsLn == nil {
		return ""
	}
	return "http://" + a.metricsLn.Addr().String()
}

func (a *App) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.DB.Ping(ctx); err != nil {
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	if ok, err := a.DB.SchemaUpToDate(ctx); err != nil || !ok {
		http.Error(w, "database schema not up to date", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintln(w, "ready")
}

// Addr returns the address HTTP is served on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL returns the base URL HTTP is served on.
func (a *App) URL() string { return "http://" + a.Addr() }

// Run serves HTTP and runs the jobs and the reconciliation schedule until ctx
// ends; then it stops taking requests, lets running jobs finish, and closes
// the database.
func (a *App) Run(ctx context.Context) error {
	defer a.DB.Close()
	a.log.Info("stagecoach serving", slog.String("addr", a.URL()), slog.String("database", string(a.DB.Dialect())),
		slog.String("public_url", a.cfg.PublicURL), slog.String("trusted_proxies", a.cfg.TrustProxy.String()), slog.String("metrics_addr", a.MetricsURL()))
	if a.cfg.Engine.Fetch.AllowPrivate {
		a.log.Warn("provider URLs are fetched from private addresses too (--allow-private-fetch): providers can make stagecoach reach this network")
	}
	errc := make(chan error, 1)
	go func() {
		if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	if a.metricsSrv != nil {
		go func() {
			if err := a.metricsSrv.Serve(a.metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("metrics listener stopped", slog.Any("error", err))
			}
		}()
	}
	loopCtx, stopLoops := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, l := range []interface {
		Name() string
		Run(context.Context) error
	}{a.Queue, a.Engine.ReconcileScheduler(), a.Engine.PostingSyncScheduler(), a.Engine.TokenRefreshScheduler(), a.Engine.PruneScheduler()} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Run(loopCtx); err != nil {
				a.log.Error("loop stopped", slog.String("loop", l.Name()), slog.Any("error", err))
			}
		}()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	// Drain: no new requests, then no new jobs.
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	_ = a.srv.Shutdown(sctx)
	if a.metricsSrv != nil {
		_ = a.metricsSrv.Shutdown(sctx)
	}
	cancel()
	stopLoops()
	wg.Wait()
	a.log.Info("stagecoach stopped")
	return err
}
