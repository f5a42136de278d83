package provider

import "time"

// Provider kinds.
const (
	KindAssessment       = "assessment"
	KindVideoInterview   = "video_interview"
	KindInterviewService = "interview_service"
	KindSourcing         = "sourcing"
)

// Package kinds.
const (
	PackageAssessment    = "assessment"
	PackageInterviewKit  = "interview_kit"
	PackageInterviewPlan = "interview_plan"
)

// Order statuses.
const (
	StatusCreated   = "created"
	StatusInvited   = "invited"
	StatusScheduled = "scheduled"
	StatusStarted   = "started"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
	StatusExpired   = "expired"
)

// Routing decisions on a Lever event.
const (
	DecisionOrdered   = "ordered"
	DecisionReinvited = "reinvited"
	DecisionIgnored   = "ignored"
	DecisionCancelled = "cancelled"
)

// Profile is the provider the API key belongs to (GET /v1/me).
type Profile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is one of the Kind… constants.
	Kind string `json:"kind"`
}

// Package is one thing a provider can run: an assessment, an interview kit
// or an interview round plan.
type Package struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is one of the Package… constants.
	Kind string `json:"kind"`
	// LeverTag is the Lever tag that chooses this package for an
	// opportunity; required for assessment packages.
	LeverTag string `json:"leverTag,omitempty"`
}

// Order is one run of a package for one Lever opportunity.
type Order struct {
	ID string `json:"id"`
	// Status is one of the Status… constants.
	Status        string       `json:"status"`
	ConnectionID  string       `json:"connectionId"`
	IntegrationID string       `json:"integrationId"`
	Package       OrderPackage `json:"package"`
	Candidate     Candidate    `json:"candidate"`
	Opportunity   Opportunity  `json:"opportunity"`
	Posting       Posting      `json:"posting"`
	Owner         Owner        `json:"owner"`
	CandidateURL  string       `json:"candidateUrl,omitempty"`
	EvaluationURL string       `json:"evaluationUrl,omitempty"`
	Result        *Result      `json:"result,omitempty"`
	// LastError says why the last event reported about the order cannot
	// be written to Lever (see WebhookOrderFailed); empty when nothing
	// failed.
	LastError string `json:"lastError,omitempty"`
	// Reason is set only in an order.cancelled webhook:
	// "opportunity_archived" or "opportunity_deleted".
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// OrderPackage names the package an order runs.
type OrderPackage struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Candidate is the person an order is for.
type Candidate struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Opportunity is the Lever opportunity an order is for.
type Opportunity struct {
	ID      string `json:"id"`
	URL     string `json:"url,omitempty"`
	StageID string `json:"stageId,omitempty"`
}

// Posting is the Lever job posting of an order's opportunity.
type Posting struct {
	ID    string `json:"id,omitempty"`
	Title string `json:"title,omitempty"`
}

// Owner is the Lever user who owns an order's opportunity.
type Owner struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// Result is what a completed order scored.
type Result struct {
	Score    float64 `json:"score"`
	MaxScore float64 `json:"maxScore"`
	Result   string  `json:"result,omitempty"`
	// Attributes maps a name to a string or a number.
	Attributes map[string]any `json:"attributes,omitempty"`
	ResultURL  string         `json:"resultUrl,omitempty"`
}

// LeverEvent is a Lever webhook stagecoach received for one of the
// provider's integrations, with what it decided.
type LeverEvent struct {
	ID string `json:"id"`
	// Event is Lever's event name, e.g. "candidateStageChange".
	Event         string `json:"event"`
	OpportunityID string `json:"opportunityId"`
	// Source is "webhook" (Lever delivered it) or "reconcile" (a sweep
	// found what a lost webhook would have brought).
	Source     string     `json:"source"`
	ReceivedAt time.Time  `json:"receivedAt"`
	Decisions  []Decision `json:"decisions"`
}

// Decision is what stagecoach did with a Lever event for one integration,
// and why.
type Decision struct {
	IntegrationID string `json:"integrationId"`
	// Decision is one of the Decision… constants.
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
	// OrderID is the order made, re-invited or cancelled; empty for
	// "ignored".
	OrderID string `json:"orderId,omitempty"`
}
