// Package greenhousesandbox is a local Greenhouse: an http.Handler that
// serves the Harvest v3 API under /v3, Greenhouse's OAuth 2.0 server
// (/token, /authorize), signed webhooks out, and a JSON admin endpoint
// under /_sandbox/ for tests and demos (a recruiter acting in Greenhouse's
// app: jobs, applications, stage moves, rejections, what a recruiter sees,
// injected faults).
//
// It follows Greenhouse's documented behaviour for what stagecoach uses:
// the v3 paths and shapes, integer ids, ISO 8601 times, bare JSON arrays
// with cursor pagination (a cursor must be the only query parameter), the
// move guard on from_stage_id, per-job stages, candidate-level notes, tags
// and custom fields, application attachments, the Signature header over
// the raw body, and the token lifetimes (access 1 hour, refresh 24 hours,
// authorization code 1 minute). docs/greenhouse.md gives each behaviour's
// source and what is assumed where Greenhouse does not say. It imports the
// standard library only.
//
//	sb, err := greenhousesandbox.New(greenhousesandbox.Config{Seed: "demo"})
//	if err != nil { … }
//	defer sb.Close()
//	srv := httptest.NewServer(sb)
//	// POST srv.URL+"/token" (client credentials), then GET srv.URL+"/v3/applications"
package greenhousesandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The OAuth clients every sandbox has registered. The partner client may
// use the authorization-code grant only (Greenhouse's partner flow), the
// customer client the client-credentials grant only (a customer's own
// Harvest v3 credential).
const (
	PartnerClientID      = "stagecoach-partner"
	PartnerClientSecret  = "stagecoach-partner-secret"
	CustomerClientID     = "stagecoach-customer"
	CustomerClientSecret = "stagecoach-customer-secret"
)

// Config configures a Sandbox.
type Config struct {
	// Seed is "demo" (users, jobs with their stages, candidates) or "" (an
	// account with one Site Admin, the rejection reasons and no jobs).
	Seed string
	// BaseURL is the public URL of the sandbox, used in the Link header and
	// in attachment and profile URLs. Empty derives it from each request's
	// Host.
	BaseURL string
	// AccessTokenTTL, RefreshTokenTTL and CodeTTL are the OAuth lifetimes.
	// Zero means Greenhouse's: 1 hour, 24 hours and 1 minute.
	AccessTokenTTL, RefreshTokenTTL, CodeTTL time.Duration
	// WebhookRetryDelays are the pauses before each retry of a failed
	// delivery. Nil means Greenhouse's schedule scaled from minutes to
	// seconds (1, 15, 60, 120, 240, 480 s: seven attempts); an empty
	// non-nil slice means no retries.
	WebhookRetryDelays []time.Duration
	// RateLimit, when positive, is how many Harvest calls each OAuth
	// client may make per RateWindow (zero: 10 seconds, Harvest v1's
	// documented window; v3's is not published). Past it the sandbox
	// answers 429 with Retry-After. Every answer carries X-RateLimit-Limit
	// and X-RateLimit-Remaining. Zero means no limit.
	RateLimit  int
	RateWindow time.Duration
	// Logger receives one line per request. Nil discards.
	Logger *slog.Logger
	// NowFunc is the clock for timestamps, token expiry and delayed
	// writes. Nil means time.Now. The rate limit and webhook retries use
	// real time.
	NowFunc func() time.Time
}

func (c Config) withDefaults() Config {
	if c.AccessTokenTTL == 0 {
		c.AccessTokenTTL = time.Hour
	}
	if c.RefreshTokenTTL == 0 {
		c.RefreshTokenTTL = 24 * time.Hour
	}
	if c.CodeTTL == 0 {
		c.CodeTTL = time.Minute
	}
	if c.WebhookRetryDelays == nil {
		c.WebhookRetryDelays = []time.Duration{time.Second, 15 * time.Second, 60 * time.Second,
			120 * time.Second, 240 * time.Second, 480 * time.Second}
	}
	if c.RateWindow == 0 {
		c.RateWindow = 10 * time.Second
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
		return fmt.Errorf("greenhousesandbox: config: Seed must be \"demo\" or \"\", got %q", c.Seed)
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("greenhousesandbox: config: BaseURL %q is not an absolute http(s) URL", c.BaseURL)
		}
	}
	if c.RateLimit < 0 || c.RateWindow < 0 {
		return errors.New("greenhousesandbox: config: RateLimit and RateWindow must not be negative")
	}
	if c.AccessTokenTTL < 0 || c.RefreshTokenTTL < 0 || c.CodeTTL < 0 {
		return errors.New("greenhousesandbox: config: token lifetimes must not be negative")
	}
	for _, d := range c.WebhookRetryDelays {
		if d < 0 {
			return errors.New("greenhousesandbox: config: WebhookRetryDelays must not be negative")
		}
	}
	return nil
}

// Sandbox is a local Greenhouse account. It is an http.Handler; create it
// with New and stop it with Close.
type Sandbox struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux

	// mu guards st and the OAuth grants. Handlers hold it for the whole
	// read or write.
	mu   sync.Mutex
	st   *state
	auth *authState

	faults *faults
	hooks  *dispatcher
	// windows counts each OAuth client's calls in the current rate
	// window. Guarded by mu.
	windows map[string]*rateWindow
	// pendingDelay is how long the records the write being handled
	// creates stay hidden (an injected fault). Guarded by mu.
	pendingDelay time.Duration

	done      chan struct{}
	closeOnce sync.Once
}

// New builds a sandbox from cfg with a new account seeded from cfg.Seed.
func New(cfg Config) (*Sandbox, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Sandbox{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "greenhousesandbox"),
		st:      buildSeed(cfg.Seed, cfg.NowFunc()),
		auth:    newAuthState(),
		faults:  newFaults(),
		windows: map[string]*rateWindow{},
		done:    make(chan struct{}),
	}
	s.hooks = newDispatcher(s)
	s.mux = s.routes()
	return s, nil
}

// Close stops webhook delivery (pending retries are dropped) and answers
// hung requests. It is safe to call more than once.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hooks.stop()
	})
	return nil
}

func (s *Sandbox) now() time.Time { return s.cfg.NowFunc().UTC() }

// ServeHTTP serves the sandbox.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(rec, r)
	s.log.Debug("request", slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Duration("took", time.Since(start)))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// baseURL is the public URL of the sandbox for this request.
func (s *Sandbox) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// apiError is an error answer in the shape Harvest clients parse:
// {"message", "errors": [{"message", "field"}]}.
type apiError struct {
	status  int
	message string
	field   string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.message) }

func errStatus(status int, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...)}
}

func errField(status int, field, format string, args ...any) *apiError {
	return &apiError{status: status, message: fmt.Sprintf(format, args...), field: field}
}

func errNotFound(resource string, id int64) *apiError {
	return errStatus(http.StatusNotFound, "%s %d not found", resource, id)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"message":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = errStatus(http.StatusInternalServerError, "internal error")
	}
	body := map[string]any{"message": ae.message}
	if ae.status == http.StatusUnprocessableEntity || ae.field != "" {
		e := map[string]string{"message": ae.message}
		if ae.field != "" {
			e["field"] = ae.field
		}
		body = map[string]any{"message": "Validation error", "errors": []map[string]string{e}}
	}
	writeJSON(w, ae.status, body)
}

// decodeBody reads a JSON object into v, refusing unknown fields.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 20<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errStatus(http.StatusBadRequest, "invalid JSON body: %v", err)
	}
	return nil
}
