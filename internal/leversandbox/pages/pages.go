// Package pages is the local Lever's web app for people: the recruiter page
// (opportunities, stage moves, archiving), Lever's Settings > Integrations
// and API (API credentials with endpoint permissions, webhook groups,
// authorized apps) and the users list, the browser sessions behind them,
// and the HTML of the OAuth consent screen.
//
// It holds no account data: everything it shows or changes goes through
// State, which the sandbox (package leversandbox) implements over its
// account. The sandbox mounts the routes on its own mux, so one
// http.Handler still serves the Data API, OAuth and these pages.
package pages

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// State is what the pages need of the account. Each method takes the
// sandbox's lock itself and saves the account after a change; callers hold
// no lock. Errors that a person can act on are *Error.
type State interface {
	// BaseURL is the sandbox's public URL for r, without a trailing slash.
	BaseURL(r *http.Request) string
	// LogAs names who acted in the request's log line ("page", "user:…").
	LogAs(ctx context.Context, credential string)

	// DefaultUser is the id of the user a new browser is signed in as: the
	// first active Super Admin.
	DefaultUser() string
	// SignedIn is the user whose id a session holds when that user is
	// active, else the first active Super Admin; nil when there is none.
	SignedIn(userID string) *User
	// Users are all users, deactivated ones included, in creation order.
	Users() []User

	// Board is what the recruiter page lists: opportunities newest first,
	// narrowed to a stage (id or text) and a posting id when given.
	Board(r *http.Request, stage, posting string) Board
	// Opportunity is one live opportunity with the stages and reasons.
	Opportunity(r *http.Request, id string) (Board, error)
	// MoveStage moves a live opportunity to a stage (id or text) as the
	// user actorID, firing candidateStageChange.
	MoveStage(id, stage, actorID string) error
	// Archive archives with a reason (id or text), or unarchives when the
	// reason is empty.
	Archive(id, reason string) error

	// Permissions are the API key dialog's endpoint permissions.
	Permissions() []Permission
	// The settings tabs, as the Super Admin actorID sees them; anyone
	// else gets a 403 *Error naming what they may not manage.
	APIKeys(actorID string) ([]APIKey, error)
	WebhookGroups(actorID string) ([]WebhookGroup, error)
	AuthorizedApps(actorID string) ([]AuthorizedApp, error)

	// The settings actions; each refuses anyone but an active Super Admin.
	CreateAPIKey(actorID, name string, permissions []string, confidential bool) (keyName, key string, err error)
	RevokeAPIKey(actorID, id string) (name string, err error)
	// WebhookEventLabel is the label of a webhook event group, named by
	// its event ("candidateStageChange") or its label (any case).
	WebhookEventLabel(name string) (string, error)
	// SetWebhookGroup and the other group actions take an event name or
	// its label and return the label.
	SetWebhookGroup(actorID, event string, on bool) (label string, err error)
	GenerateGroupToken(actorID, event string) (label string, regenerated bool, err error)
	AddWebhook(actorID, event, url string) (Webhook, error)
	RemoveWebhook(actorID, id string) (Webhook, error)
	RegenerateWebhookToken(actorID, id string) error
	RevokeApp(actorID, clientID string) error
	// VerifyWebhook sends Lever's "verify connection" test request to a
	// webhook and reports its answer.
	VerifyWebhook(ctx context.Context, actorID, id string) (Webhook, VerifyResult, error)
}

// Error is a refusal or bad input, with the HTTP status the page answers.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// User is one Lever user as the pages show it.
type User struct {
	ID          string
	Name        string
	Username    string
	Email       string
	AccessRole  string
	RoleLabel   string // the role as Lever's settings show it ("Super Admin")
	Deactivated bool
	SuperAdmin  bool // an active Super Admin
}

type Stage struct {
	ID   string
	Text string
}

type ArchiveReason struct {
	ID     string
	Text   string
	Status string // active, inactive
}

// Posting is a posting as the index page lists it.
type Posting struct {
	ID    string
	Text  string
	State string
	Tags  []string
}

// Field is one answer of a form or a feedback.
type Field struct {
	Text     string
	Type     string
	Currency string
	Value    json.RawMessage
}

// Form is a profile form or a feedback form.
type Form struct {
	Title  string
	By     string
	When   int64
	Fields []Field
}

type Note struct {
	By       string
	When     int64
	Secret   bool
	Comments []string
}

type File struct {
	Name   string
	URL    string
	Size   int64
	Status string
}

// StageMove is one entry of an opportunity's stage history.
type StageMove struct {
	At    int64
	Stage string
	By    string
}

// Opportunity is everything the recruiter page shows of one opportunity.
type Opportunity struct {
	ID            string
	Name          string
	Emails        []string
	Posting       string
	Stage         *Stage
	Owner         string
	Origin        string
	Archived      bool
	ArchiveReason string
	Tags          []string
	Sources       []string
	CreatedAt     int64
	Notes         []Note
	Forms         []Form
	Files         []File
	Resumes       []File
	Feedback      []Form
	History       []StageMove
}

// Board is the recruiter page's data.
type Board struct {
	Stages        []Stage
	Reasons       []ArchiveReason
	Postings      []Posting
	Opportunities []Opportunity
	// Filter is the text of the stage the list is narrowed to.
	Filter string
	// Webhooks is how many webhooks are registered.
	Webhooks int
}

// Permission is one tick box of the API key dialog.
type Permission struct {
	Name   string
	Access string // read or write
}

// APIKey is one row of the API Credentials tab.
type APIKey struct {
	ID           string
	Name         string
	Hint         string
	CreatedBy    string
	CreatedAt    int64
	Default      bool
	AllScopes    bool
	Scopes       []string
	Permissions  []string
	Confidential bool
}

// Webhook is one webhook of a group.
type Webhook struct {
	ID         string
	URL        string
	Event      string
	EventLabel string
	ViaAPI     bool
	Token      string // the token it is signed with; shown for API webhooks
	Origins    []string
	CreatedAt  int64
}

// Delivery is one delivery attempt a group lists.
type Delivery struct {
	SentAt  int64
	URL     string
	Attempt int
	Status  int
	Outcome string
	Test    bool
	Error   string
}

// WebhookGroup is one event group of the Webhooks tab.
type WebhookGroup struct {
	Event    string
	Label    string
	On       bool
	Token    string
	Webhooks []Webhook
	// Deliveries are the group's deliveries, newest first; a verify
	// connection request is listed under its webhook's group.
	Deliveries []Delivery
}

// AuthorizedApp is one row of the Authorized Apps tab.
type AuthorizedApp struct {
	ClientID   string
	ApprovedBy string
	ApprovedAt int64
	Scopes     []string
	Tokens     int // live access tokens and refresh tokens
}

// VerifyResult is the answer to a "verify connection" request.
type VerifyResult struct {
	Status int
	OK     bool
	Error  string
}

// Pages serves the pages over a State.
type Pages struct {
	state    State
	log      *slog.Logger
	tmpl     *template.Template
	sessions *sessions
}

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates a handler renders; New checks each one exists
// so a typo fails at start, not at the first request.
var pageNames = []string{"index.html", "opportunity.html", "consent.html", "error.html", "settings.html"}

// New parses the templates. log receives render failures.
func New(state State, log *slog.Logger) (*Pages, error) {
	if state == nil {
		return nil, errors.New("pages: a State is required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, err := template.New("").Funcs(template.FuncMap{
		"millis": func(ms int64) string {
			if ms == 0 {
				return ""
			}
			return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04 UTC")
		},
		"join": strings.Join,
		"card": func(d pageData, o pageOpp) oppCard {
			return oppCard{Opp: o, Return: d.Return, Stages: d.Stages, Reasons: d.Reasons, Detail: d.Detail, CSRF: d.Session.CSRF}
		},
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("pages: parse templates: %w", err)
	}
	for _, n := range pageNames {
		if t.Lookup(n) == nil {
			return nil, fmt.Errorf("pages: template %s is missing", n)
		}
	}
	return &Pages{state: state, log: log, tmpl: t, sessions: newSessions()}, nil
}

// Routes registers the recruiter page, the settings pages and the session
// switcher on m.
func (p *Pages) Routes(m *http.ServeMux) {
	m.HandleFunc("GET /{$}", p.handlePageIndex)
	m.HandleFunc("GET /opportunities/{id}", p.handlePageOpportunity)
	m.HandleFunc("POST /opportunities/{id}/stage", p.handlePageStage)
	m.HandleFunc("POST /opportunities/{id}/archive", p.handlePageArchive)
	p.settingsRoutes(m)
	m.HandleFunc("POST /session/user", p.handleSessionUser)
}

func (p *Pages) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("render page", "template", name, "error", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Title   string
	Message string
}

// RenderError answers with the error page.
func (p *Pages) RenderError(w http.ResponseWriter, status int, title, message string) {
	p.render(w, status, "error.html", errorPage{Title: title, Message: message})
}

// errorStatus is err's status and message for a page: an *Error's own,
// else 400 with the error's text.
func errorStatus(err error) (int, string) {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Status, pe.Message
	}
	return http.StatusBadRequest, err.Error()
}
