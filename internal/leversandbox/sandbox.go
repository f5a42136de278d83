// Package leversandbox is a local Lever: an http.Handler that serves Lever's
// Data API under /v1, an OAuth 2.0 authorization server under /oauth, signed
// webhooks out, a JSON admin endpoint under /_sandbox/ for tests and demos,
// a plain HTML recruiter page at /, and Lever's settings (API credentials
// with per-endpoint permissions, webhook groups, authorized apps, users with
// roles) under /settings/.
//
// This package holds the account's state and its rules. The web app for
// people (the recruiter page, the settings pages, the consent screen's HTML
// and the browser sessions) is package pages, which sees the account only
// through pages.State (implemented here by pageState); New mounts both on
// one mux.
//
// It follows Lever's documented behaviour (shapes, status codes, error
// bodies, pagination, perform_as, webhook signing) so that stagecoach's
// tests, its demo and hiring tools can run without a Lever account. It
// imports the standard library only.
//
//	sb, err := leversandbox.New(leversandbox.Config{Seed: "demo"})
//	if err != nil { … }
//	defer sb.Close()
//	srv := httptest.NewServer(sb)
//	// GET srv.URL+"/v1/opportunities" with basic auth "sandbox-key:"
package leversandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"stagecoach/internal/leversandbox/pages"
)

// DefaultAPIKey is the API key used when Config.APIKey is empty.
const DefaultAPIKey = "sandbox-key"

// The OAuth client every sandbox has registered; it accepts redirect URIs on
// http://127.0.0.1 and http://localhost with any port and path.
const (
	DemoClientID     = "stagecoach-demo"
	DemoClientSecret = "stagecoach-demo-secret"
)

// Config configures a Sandbox.
type Config struct {
	// APIKey is an API key with every permission. Empty means "sandbox-key".
	APIKey string
	// Seed is "demo" (users, stages, postings and candidates to play with) or
	// "" (an empty account with Lever's built-in stages and archive reasons
	// and one Super Admin).
	Seed string
	// DataPath, when set, is a JSON file the state is loaded from on start
	// (if it exists) and saved to, atomically, after every write and on
	// Close. Empty keeps the state in memory only.
	DataPath string
	// BaseURL is the public URL of the sandbox, used in urls, downloadUrl and
	// as the OAuth audience (BaseURL+"/v1/"). Empty derives it from each
	// request's Host.
	BaseURL string
	// RatePerSecond and Burst shape the token bucket each credential gets.
	// Zero means 10 and 20; a negative value disables rate limiting.
	RatePerSecond float64
	Burst         int
	// AccessTokenTTL is the lifetime of OAuth access tokens. Zero means 1h.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL and RefreshTokenIdle are Lever's refresh-token limits:
	// a grant's refresh tokens are refused (invalid_grant) once the grant is
	// older than RefreshTokenTTL, or when the token was issued longer than
	// RefreshTokenIdle ago (unused that long). Zero means 365 days and 90
	// days; tests shorten them.
	RefreshTokenTTL, RefreshTokenIdle time.Duration
	// WebhookRetryDelays are the pauses before each retry of a failed
	// webhook delivery. Nil means 1s, 2s, 4s, 8s, 16s (one attempt and five
	// retries); an empty non-nil slice means no retries.
	WebhookRetryDelays []time.Duration
	// Logger receives one line per request. Nil discards.
	Logger *slog.Logger
	// WebhookGroupsOn starts a new account with every webhook event group
	// switched on. The default (false) starts them off, as a new Lever
	// account has them: nothing is delivered until a Super Admin switches a
	// group on in the settings page (or POST /_sandbox/webhook-groups).
	WebhookGroupsOn bool
	// NowFunc is the clock for timestamps and token expiry. Nil means
	// time.Now. Rate limiting and webhook retries use real time.
	NowFunc func() time.Time
}

func (c Config) withDefaults() Config {
	if c.APIKey == "" {
		c.APIKey = DefaultAPIKey
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = 10
	}
	if c.Burst == 0 {
		c.Burst = 20
	}
	if c.AccessTokenTTL == 0 {
		c.AccessTokenTTL = time.Hour
	}
	if c.RefreshTokenTTL == 0 {
		c.RefreshTokenTTL = refreshTTL
	}
	if c.RefreshTokenIdle == 0 {
		c.RefreshTokenIdle = refreshIdle
	}
	if c.WebhookRetryDelays == nil {
		c.WebhookRetryDelays = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c
}

func (c Config) validate() error {
	switch c.Seed {
	case "", "demo":
	default:
		return fmt.Errorf("leversandbox: config: Seed must be \"demo\" or \"\", got %q", c.Seed)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("leversandbox: config: BaseURL %q is not an absolute http(s) URL", c.BaseURL)
		}
	}
	if c.AccessTokenTTL < 0 {
		return errors.New("leversandbox: config: AccessTokenTTL must not be negative")
	}
	if c.RefreshTokenTTL < 0 || c.RefreshTokenIdle < 0 {
		return errors.New("leversandbox: config: RefreshTokenTTL and RefreshTokenIdle must not be negative")
	}
	for _, d := range c.WebhookRetryDelays {
		if d < 0 {
			return errors.New("leversandbox: config: WebhookRetryDelays must not be negative")
		}
	}
	return nil
}

// Sandbox is a local Lever account. It is an http.Handler; create it with New
// and stop it with Close.
type Sandbox struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	// mu guards st. Handlers hold it for the whole read or write, so every
	// request sees and leaves a consistent account.
	mu sync.Mutex
	st *state

	limiter *limiter
	faults  *faults
	// throttles answers one credential's calls with 429 for a while.
	throttles throttles
	hooks     *dispatcher
	offsets   *offsetTokens
	perms     *permissionCatalog
	// pages is the web app for people: the recruiter page, the settings,
	// the consent screen and their browser sessions (memory only).
	pages *pages.Pages

	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// New builds a sandbox from cfg: it loads cfg.DataPath when the file exists,
// otherwise it seeds a new account (and saves it when DataPath is set).
func New(cfg Config) (*Sandbox, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Sandbox{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "leversandbox"),
		limiter: newLimiter(cfg.RatePerSecond, cfg.Burst),
		faults:  newFaults(),
		offsets: newOffsetTokens(),
		perms:   newPermissionCatalog(),
		done:    make(chan struct{}),
	}
	var err error
	if s.pages, err = pages.New(pageState{s}, s.log); err != nil {
		return nil, fmt.Errorf("leversandbox: %w", err)
	}
	s.hooks = newDispatcher(s)
	var st *state
	if cfg.DataPath != "" {
		if st, err = loadState(cfg.DataPath); err != nil {
			return nil, fmt.Errorf("leversandbox: %w", err)
		}
	}
	if st == nil {
		st = buildSeed(cfg.Seed, cfg.NowFunc())
	}
	ensureBuiltins(st, cfg.WebhookGroupsOn)
	setDefaultKey(st, cfg.APIKey, cfg.NowFunc().UnixMilli())
	s.st = st
	if cfg.DataPath != "" {
		if err := saveState(cfg.DataPath, st); err != nil {
			return nil, fmt.Errorf("leversandbox: %w", err)
		}
	}
	s.mux = s.routes()
	return s, nil
}

// Close stops webhook delivery (pending retries are dropped) and saves the
// state when DataPath is set. It is safe to call more than once.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hooks.stop()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cfg.DataPath != "" {
			s.closeErr = saveState(s.cfg.DataPath, s.st)
		}
	})
	return s.closeErr
}

// now is the sandbox clock in Lever's unit, milliseconds.
func (s *Sandbox) now() int64 { return s.cfg.NowFunc().UnixMilli() }

// commit saves the state after a write. The caller holds s.mu.
func (s *Sandbox) commit() {
	if s.cfg.DataPath == "" {
		return
	}
	if err := saveState(s.cfg.DataPath, s.st); err != nil {
		s.log.Error("save state", slog.String("path", s.cfg.DataPath), slog.Any("error", err))
	}
}

// baseURL is the public URL of the sandbox for this request, without a
// trailing slash.
func (s *Sandbox) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

// requestInfo travels in the request context so that the request log line
// can name the credential that the auth step found.
type requestInfo struct {
	credential string
	route      string // the Data API route matched, e.g. "GET /postings/{posting}"
}

type requestInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// ServeHTTP serves the Data API, OAuth, the admin endpoint and the pages,
// and logs one line per request (never a key or token).
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ri := &requestInfo{}
	r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, ri))
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		status := rec.status
		if status == 0 && rec.wrote {
			status = http.StatusOK
		}
		attrs := []any{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Int64("duration_ms", time.Since(start).Milliseconds()),
		}
		if ri.credential != "" {
			attrs = append(attrs, slog.String("credential", ri.credential))
		}
		if ri.route != "" {
			attrs = append(attrs, slog.String("route", ri.route))
		}
		s.log.Info("request", attrs...)
	}()
	s.mux.ServeHTTP(rec, tolerateTrailingSlash(r))
}

// tolerateTrailingSlash serves a Data API path with a trailing slash
// ("/v1/stages/") as the path without it, as Lever does.
func tolerateTrailingSlash(r *http.Request) *http.Request {
	p := r.URL.Path
	if !strings.HasPrefix(p, "/v1/") || len(p) <= len("/v1/") || !strings.HasSuffix(p, "/") {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimRight(p, "/")
	r2.URL.RawPath = ""
	return r2
}

// statusRecorder remembers the status written through it. Unwrap lets
// http.ResponseController reach the connection (for Flush and Hijack).
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

var _ http.Handler = (*Sandbox)(nil)
