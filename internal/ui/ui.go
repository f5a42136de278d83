// Package ui is the operator's web UI, served at /: accounts and login,
// Lever connections (OAuth or API key, webhooks, disconnecting), provider
// registration, integration settings picked from the live Lever account with
// a setup check, and the work (orders with their timelines, the event log,
// dead letters). Pages are rendered on the server with html/template; a
// little JavaScript only adds rows to maps and polls the webhook check.
package ui

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"stagecoach/internal/admin"
	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the UI.
type Config struct {
	// PublicURL is stagecoach's address as browsers and Lever reach it; the
	// OAuth redirect URI and the webhook URL are built on it. Empty: taken
	// from each request's Host.
	PublicURL string
	// OAuthClientID and OAuthClientSecret are the Lever OAuth app used to
	// connect accounts; the connect form can override them.
	OAuthClientID     string
	OAuthClientSecret string
	// DefaultBaseURL prefills the base URL of a custom environment (the
	// local sandbox in the demo).
	DefaultBaseURL string
	// Proxies are the reverse proxies whose X-Forwarded-* headers are
	// believed (the client's address for login throttling; the scheme and
	// host when PublicURL is empty). Empty: none.
	Proxies web.Proxies
	// SessionTTL is how long a login lasts without use. Default 12h.
	SessionTTL time.Duration
	// RetainAudit is how long audit log entries are kept, as the audit
	// page says; the engine's prune schedule deletes older ones (the app
	// passes it on). 0 keeps them for ever.
	RetainAudit time.Duration
	Logger      *slog.Logger
	NowFunc     func() time.Time
}

// DefaultRetainAudit is how long `serve` keeps audit log entries unless
// told otherwise: a year.
const DefaultRetainAudit = 365 * 24 * time.Hour

// CallbackPath is where Lever sends the browser back after authorizing.
const CallbackPath = "/connections/oauth/callback"

// Engine is what the UI asks of the engine; *engine.Engine is one. Its
// errors carry domain codes (invalid, not_found, conflict) that the pages
// show the operator.
type Engine interface {
	Driver(c *domain.Connection) (ats.FlowDriver, error)
	TriggerStageChanges(ctx context.Context, integrationID string, settings json.RawMessage) (bool, error)
	StageOccupants(ctx context.Context, integrationID string, settings json.RawMessage) (string, []engine.StageOccupant, error)

	// Notify wakes the job runner after jobs were enqueued.
	Notify()
}

// Admin is what the UI asks of the operator's use cases; *admin.Service is
// one. Its errors carry domain codes as the engine's do.
type Admin interface {
	// Connections.
	CreateConnection(ctx context.Context, in admin.ConnectionInput) (*domain.Connection, error)
	ConnectOAuth(ctx context.Context, in admin.ConnectionInput, clientID, clientSecret string, tok *oauth2.Token) (*domain.Connection, error)
	UpdateConnection(ctx context.Context, connID, name, performAs string) error
	ReplaceAPIKey(ctx context.Context, connID, apiKey string) error
	RegisterWebhooks(ctx context.Context, connID, publicURL string, events []string) ([]*domain.ConnectionWebhook, error)
	SetSigningToken(ctx context.Context, connID, event, token, hookURL string) error
	Disconnect(ctx context.Context, connID string) error
	Account(ctx context.Context, c *domain.Connection, kinds ...string) (*admin.LeverAccount, error)

	// Providers and integrations.
	CreateProvider(ctx context.Context, in admin.ProviderInput) (*domain.Provider, string, error)
	UpdateProvider(ctx context.Context, id string, in admin.ProviderUpdate) (*domain.Provider, error)
	RotateProviderKey(ctx context.Context, id string, grace time.Duration) (string, time.Time, error)
	RotateProviderSecret(ctx context.Context, id string, grace time.Duration) (string, time.Time, error)
	DeleteProvider(ctx context.Context, id string) error
	SendDeliveryAgain(ctx context.Context, providerID string, jobID int64) error
	CreateIntegrationDraft(ctx context.Context, connID, providerID string, settings json.RawMessage) (*domain.Integration, error)
	CheckIntegration(ctx context.Context, integrationID string, settings json.RawMessage) (admin.Findings, error)
	SaveIntegration(ctx context.Context, id string, settings json.RawMessage, enabled bool) (*domain.Integration, error)
	ActivateIntegration(ctx context.Context, id string, settings json.RawMessage, include []string) (*domain.Integration, []string, error)
}

// Store is where the UI reads and writes accounts, sessions and what the
// pages show; *store.DB is one.
type Store interface {
	InTx(ctx context.Context, fn func(tx *store.Tx) error) error
}

// UI serves the pages.
type UI struct {
	eng   Engine
	adm   Admin
	db    Store
	cfg   Config
	log   *slog.Logger
	pages map[string]*template.Template
	// stages caches the names of each connection's Lever stages for the
	// timelines.
	stages stageNameCache
}

// New returns the UI over eng and adm, reading and writing through db.
// New returns the UI over eng, reading and writing through db.
func New(eng Engine, adm Admin, db Store, cfg Config) (*UI, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	u := &UI{eng: eng, adm: adm, db: db, cfg: cfg, log: cfg.Logger.With("component", "ui"), pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		base := strings.TrimPrefix(n, "templates/")
		if base == "layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("ui: template %s: %w", base, err)
		}
		u.pages[base] = t
	}
	return u, nil
}

// Register adds the UI's routes to mux.
func (u *UI) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(http.FileServerFS(static))))

	mux.HandleFunc("GET /setup", u.public(u.handleSetupShow))
	mux.HandleFunc("POST /setup", u.public(u.handleSetup))
	mux.HandleFunc("GET /login", u.public(u.handleLoginShow))
	mux.HandleFunc("POST /login", u.public(u.handleLogin))
	mux.HandleFunc("POST /logout", u.member(u.handleLogout))

	mux.HandleFunc("GET /{$}", u.member(u.handleHome))

	mux.HandleFunc("GET /connections", u.member(u.handleConnectionList))
	mux.HandleFunc("GET /connections/new", u.admin(u.handleConnectionNew))
	mux.HandleFunc("POST /connections", u.admin(u.audited(connectionCreated, u.handleConnectionCreate)))
	mux.HandleFunc("GET "+CallbackPath, u.admin(u.audited(connectedByOAuth, u.handleOAuthCallback)))
	mux.HandleFunc("GET /connections/{id}", u.member(u.handleConnectionShow))
	mux.HandleFunc("GET /connections/{id}/webhooks/status", u.member(u.handleWebhookStatus))
	mux.HandleFunc("POST /connections/{id}/webhooks/register", u.admin(u.audited(on("connection.register_webhooks", "connection"), u.handleWebhookRegister)))
	mux.HandleFunc("POST /connections/{id}/webhooks/token", u.admin(u.audited(signingTokenSet, u.handleWebhookToken)))
	mux.HandleFunc("POST /connections/{id}/webhooks/check", u.admin(u.handleWebhookCheck))
	mux.HandleFunc("POST /connections/{id}/reconnect", u.admin(u.audited(on("connection.reconnect", "connection"), u.handleConnectionReconnect)))
	mux.HandleFunc("POST /connections/{id}/api-key", u.admin(u.audited(on("connection.replace_api_key", "connection"), u.handleConnectionAPIKey)))
	mux.HandleFunc("POST /connections/{id}", u.admin(u.audited(connectionUpdated, u.handleConnectionUpdate)))
	mux.HandleFunc("POST /connections/{id}/disconnect", u.admin(u.audited(on("connection.disconnect", "connection"), u.handleConnectionDisconnect)))
	mux.HandleFunc("POST /connections/{id}/integrations", u.admin(u.audited(integrationCreated, u.handleIntegrationCreate)))

	mux.HandleFunc("GET /integrations", u.member(u.handleIntegrationList))
	mux.HandleFunc("GET /integrations/{id}", u.member(u.handleIntegrationShow))
	mux.HandleFunc("POST /integrations/{id}", u.admin(u.auditedSettings(u.handleIntegrationSave)))

	mux.HandleFunc("GET /providers", u.member(u.handleProviderList))
	mux.HandleFunc("GET /providers/new", u.admin(u.handleProviderNew))
	mux.HandleFunc("POST /providers", u.admin(u.audited(onForm("provider.create", "provider", "id"), u.handleProviderCreate)))
	mux.HandleFunc("GET /providers/{id}", u.member(u.handleProviderShow))
	mux.HandleFunc("POST /providers/{id}", u.admin(u.audited(on("provider.update", "provider"), u.handleProviderUpdate)))
	mux.HandleFunc("POST /providers/{id}/rotate-key", u.admin(u.audited(on("provider.rotate_key", "provider"), u.handleProviderRotateKey)))
	mux.HandleFunc("POST /providers/{id}/rotate-secret", u.admin(u.audited(on("provider.rotate_secret", "provider"), u.handleProviderRotateSecret)))
	mux.HandleFunc("POST /providers/{id}/delete", u.admin(u.audited(on("provider.delete", "provider"), u.handleProviderDelete)))
	mux.HandleFunc("POST /providers/{id}/deliveries/{job}/again", u.admin(u.audited(deliverySentAgain, u.handleProviderDeliveryAgain)))

	mux.HandleFunc("GET /orders", u.member(u.handleOrderList))
	mux.HandleFunc("GET /orders/{id}", u.member(u.handleOrderShow))
	mux.HandleFunc("GET /exports", u.member(u.handleExportList))
	mux.HandleFunc("GET /exports/{id}", u.member(u.handleExportShow))
	mux.HandleFunc("GET /events", u.member(u.handleEventList))
	mux.HandleFunc("GET /dead-letters", u.member(u.handleDeadLetterList))
	mux.HandleFunc("POST /dead-letters/{id}/retry", u.member(u.audited(on("job.retry", "job"), u.handleDeadLetterRetry)))
	mux.HandleFunc("GET /audit", u.member(u.handleAuditList))

	mux.HandleFunc("GET /users", u.member(u.handleUserList))
	mux.HandleFunc("POST /users", u.admin(u.audited(onForm("user.add", "user", "email"), u.handleUserCreate)))
	mux.HandleFunc("POST /users/{id}/role", u.admin(u.auditedUser("user.role", u.handleUserRole)))
	mux.HandleFunc("POST /users/{id}/remove", u.admin(u.auditedUser("user.remove", u.handleUserRemove)))
}

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		h.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Title   string
	Nav     string
	User    *store.User
	CSRF    string
	Flash   string
	Error   string
	Data    any
	IsAdmin bool
}

func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := u.pages[name]
	if t == nil {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	if s := sessionFrom(r.Context()); s != nil {
		p.User, p.CSRF = s.user, s.sess.CSRFToken
		p.IsAdmin = s.user.Role == RoleAdmin
	} else if p.CSRF == "" {
		p.CSRF = u.preCSRF(w, r)
	}
	p.Error = errorSentence(p.Error)
	if p.Flash == "" && !isLive(r) {
		p.Flash = u.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		u.log.Error("render failed", slog.String("template", name), slog.Any("error", err))
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// liveHeader marks the requests a page's script sends to refresh itself
// (static/app.js): they take no flash message meant for the next page the
// operator opens, and do not count as use that keeps a login alive.
const liveHeader = "X-Live"

func isLive(r *http.Request) bool { return r.Header.Get(liveHeader) != "" }

// fail shows an error page for err: its message for domain errors, a
// generic one (logged) otherwise.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong; the details are in stagecoach's log."
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		msg = de.Message
		switch de.Code {
		case domain.ENotFound:
			status = http.StatusNotFound
		case domain.EInvalid:
			status = http.StatusBadRequest
		case domain.EConflict:
			status = http.StatusConflict
		default:
			status = http.StatusBadRequest
		}
	case errors.Is(err, context.Canceled):
		return
	default:
		u.log.Error("ui request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	}
	u.render(w, r, status, "error.html", page{Title: "Error", Error: msg})
}

// redirect sends the browser on, with a flash message for the next page
// it renders.
func (u *UI) redirect(w http.ResponseWriter, r *http.Request, path, flash string) {
	if s := sessionFrom(r.Context()); s != nil {
		u.setFlash(w, r, s.sess, flash)
	}
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// Flash messages travel in a cookie signed with the session's CSRF token
// (a secret of this session alone), never in the URL: a link cannot make
// the UI show words of an attacker's choosing, and a flash set for one
// session does not show in another.
func flashMAC(sess *store.Session, msg string) string {
	m := hmac.New(sha256.New, []byte(sess.CSRFToken))
	m.Write([]byte("flash\x00" + msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (u *UI) setFlash(w http.ResponseWriter, r *http.Request, sess *store.Session, msg string) {
	if msg == "" || sess == nil {
		return
	}
	v := base64.RawURLEncoding.EncodeToString([]byte(msg)) + "." + flashMAC(sess, msg)
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure(r), MaxAge: 60})
}

// takeFlash returns the flash message set for this session, once.
func (u *UI) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure(r)})
	s := sessionFrom(r.Context())
	enc, mac, ok := strings.Cut(c.Value, ".")
	if s == nil || !ok {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || !hmac.Equal([]byte(mac), []byte(flashMAC(s.sess, string(msg)))) {
		return ""
	}
	return string(msg)
}

// publicURL is stagecoach's public base URL for r.
func (u *UI) publicURL(r *http.Request) string {
	if u.cfg.PublicURL != "" {
		return u.cfg.PublicURL
	}
	return u.cfg.Proxies.BaseURL(r)
}

func (u *UI) inTx(r *http.Request, fn func(tx *store.Tx) error) error {
	return u.db.InTx(r.Context(), fn)
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return ago(time.Since(t))
	},
	"at":         timeAt,
	"kindLabel":  kindLabelOf,
	"possessive": possessive,
	"optLabel": func(opts []option, v string) string {
		for _, o := range opts {
			if o.Value == v {
				return o.Label
			}
		}
		return v
	},
	"join":      strings.Join,
	"auditLink": auditTargetLink,
	"has": func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	},
}

// ago says how long ago something happened, d before now.
func ago(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < 5*time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// timeAt shows a moment as how long ago it was, with the absolute time, in
// UTC (the one time zone the UI shows), on hover. It never wraps.
func timeAt(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	abs := t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	return template.HTML(`<time class="nowrap" datetime="` + t.UTC().Format("2006-01-02T15:04:05.000Z07:00") + `" title="` + abs + `">` + ago(time.Since(t)) + `</time>`)
}

// possessive writes the possessive of a name: "Acme's", "Demo Assessments'".
func possessive(name string) string {
	if strings.HasSuffix(name, "s") || strings.HasSuffix(name, "S") {
		return name + "'"
	}
	return name + "'s"
}

// errorSentence starts an error message with a capital letter, unless its
// first word is a name that is written in lower case (stagecoach) or an
// identifier (apiKey, report.url, taggedPostings[0]).
func errorSentence(msg string) string {
	first, _, _ := strings.Cut(msg, " ")
	if first == "" || first == "stagecoach" || first == "stagecoach's" || strings.ContainsAny(first, "._[0123456789") || strings.ToLower(first[1:]) != first[1:] {
		return msg
	}
	return sentence(msg)
}

// kindLabelOf names a flow kind in words.
func kindLabelOf(k string) string {
	switch k {
	case domain.KindAssessment:
		return "Assessment"
	case domain.KindVideoInterview:
		return "Video interview"
	case domain.KindInterviewService:
		return "Interview as a service"
	case domain.KindSourcing:
		return "Sourcing"
	}
	return k
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

var (
	_ Engine = (*engine.Engine)(nil)
	_ Admin  = (*admin.Service)(nil)
	_ Store  = (*store.DB)(nil)
)
