package domain

import (
	"encoding/json"
	"time"
)

// Provider kinds.
const (
	KindAssessment       = "assessment"
	KindVideoInterview   = "video_interview"
	KindInterviewService = "interview_service"
	KindSourcing         = "sourcing"
)

// ProviderKinds lists the kinds a provider may have.
var ProviderKinds = []string{KindAssessment, KindVideoInterview, KindInterviewService, KindSourcing}

// Connection statuses.
const (
	ConnActive       = "active"
	ConnBroken       = "broken"
	ConnDisconnected = "disconnected"
)

// Connection is one Lever account linked to stagecoach.
type Connection struct {
	ID           string
	Name         string
	Environment  string // production, eu, sandbox or custom
	BaseURL      string // for custom: the Lever root, e.g. http://127.0.0.1:8900
	AuthKind     string // api_key or oauth
	Credentials  Credentials
	Status       string
	StatusReason string
	PerformAs    string // default "perform as" Lever user id
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Credentials are a connection's secrets. They are sealed at rest.
type Credentials struct {
	APIKey       string    `json:"apiKey,omitempty"`
	AccessToken  string    `json:"accessToken,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	ClientID     string    `json:"clientId,omitempty"`
	ClientSecret string    `json:"clientSecret,omitempty"`
	// Scopes are the OAuth scopes Lever granted (empty for an API key).
	Scopes []string `json:"scopes,omitempty"`
	// GrantedAt is when the OAuth grant was made (Lever ends it a year
	// later); RefreshedAt when the token pair was last renewed (Lever
	// refuses a refresh token unused for 90 days).
	GrantedAt   time.Time `json:"grantedAt,omitzero"`
	RefreshedAt time.Time `json:"refreshedAt,omitzero"`
}

// ConnectionWebhook is a Lever webhook signing token for one event of a
// connection. Event "*" holds a token used for every event without its own.
type ConnectionWebhook struct {
	ConnectionID   string
	Event          string
	LeverWebhookID string
	URL            string
	SigningToken   string
	Managed        bool // registered by stagecoach through Lever's API
	CreatedAt      time.Time
}

// Provider is one hiring tool registered in stagecoach.
type Provider struct {
	ID            string
	Name          string
	Kind          string
	APIKeyHash    string
	WebhookURL    string
	WebhookSecret string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Package is one thing a provider can run.
type Package struct {
	ProviderID string `json:"-"`
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	LeverTag   string `json:"leverTag,omitempty"`
}

// Integration is a provider enabled on a connection, with its flow settings.
type Integration struct {
	ID           string
	ConnectionID string
	ProviderID   string
	Settings     json.RawMessage
	Enabled      bool
	// ActivatedAt is when the integration was last turned on (zero: never).
	ActivatedAt time.Time
	// TriggerChangedAt is when its trigger stage last changed (zero: never
	// since it was created).
	TriggerChangedAt time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Order statuses.
const (
	OrderCreated   = "created"
	OrderInvited   = "invited"
	OrderScheduled = "scheduled"
	OrderStarted   = "started"
	OrderCompleted = "completed"
	OrderCancelled = "cancelled"
	OrderExpired   = "expired"
)

// OrderFinal reports whether an order in status s can change no more.
func OrderFinal(s string) bool {
	return s == OrderCompleted || s == OrderCancelled || s == OrderExpired
}

// Order is one run of a package for one Lever opportunity.
type Order struct {
	ID            string
	IntegrationID string
	ConnectionID  string
	ProviderID    string
	PackageID     string
	PackageName   string
	OpportunityID string
	PostingID     string
	Status        string
	Candidate     Candidate
	Details       OrderDetails
	CandidateURL  string
	EvaluationURL string
	Result        json.RawMessage
	// LastError says why the last event the provider reported could not
	// be written to Lever ("" when nothing failed).
	LastError string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Candidate is the person an order is for.
type Candidate struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// OrderDetails carries what the provider is told about the opportunity.
type OrderDetails struct {
	OpportunityURL string `json:"opportunityUrl,omitempty"`
	StageID        string `json:"stageId,omitempty"`
	PostingTitle   string `json:"postingTitle,omitempty"`
	OwnerID        string `json:"ownerId,omitempty"`
	OwnerName      string `json:"ownerName,omitempty"`
	OwnerEmail     string `json:"ownerEmail,omitempty"`
	OwnerUsername  string `json:"ownerUsername,omitempty"`
}

// LeverEvent is a Lever webhook as stagecoach stored it.
type LeverEvent struct {
	ID            string
	ConnectionID  string
	Event         string
	DedupeKey     string
	OpportunityID string
	TriggeredAt   int64
	Payload       json.RawMessage // the event's data object
	Source        string          // webhook or reconcile
	ReceivedAt    time.Time
}

// Decisions a router takes for a Lever event and an integration.
const (
	DecisionOrdered   = "ordered"
	DecisionReinvited = "reinvited"
	DecisionIgnored   = "ignored"
	DecisionCancelled = "cancelled"
)

// Decision records what stagecoach did with one Lever event for one
// integration, and why.
type Decision struct {
	EventID       string
	IntegrationID string
	OpportunityID string
	Decision      string
	Reason        string
	OrderID       string
	CreatedAt     time.Time
}

// OrderEvent is one step of an order's timeline reported by the provider.
type OrderEvent struct {
	ID        string
	OrderID   string
	Type      string
	Payload   json.RawMessage
	CreatedAt time.Time
}

// Effect statuses.
const (
	EffectPending = "pending" // recorded, never sent (or certainly not applied)
	EffectSending = "sending" // sent at least once, outcome not known
	EffectDone    = "done"
	EffectFailed  = "failed" // Lever refused it for good
)

// Effect is one write to Lever, recorded in the journal before it is sent.
type Effect struct {
	Key           string // deterministic: the same intent always has the same key
	ConnectionID  string
	OpportunityID string
	OrderID       string
	Kind          string
	Payload       json.RawMessage
	Status        string
	Attempts      int
	Result        string // what Lever returned that identifies the write (a note id, a file id…)
	LastError     string
	// Owner is the applier holding the entry while it checks or sends it,
	// until LeaseUntil; "" when nobody holds it.
	Owner      string
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Job statuses.
const (
	JobAvailable = "available"
	JobRunning   = "running"
	JobDone      = "done"
	JobDead      = "dead"
)

// Job is one unit of durable work.
type Job struct {
	ID          int64
	Kind        string
	QueueKey    string // jobs with the same key run one at a time, in id order
	UniqueKey   string
	Args        json.RawMessage
	Status      string
	Attempt     int
	MaxAttempts int
	RunAt       time.Time
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
