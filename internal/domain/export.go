package domain

import "time"

// Export statuses.
const (
	ExportPending  = "pending"  // accepted; the opportunity is not in Lever yet
	ExportExported = "exported" // the opportunity exists in Lever
	ExportFailed   = "failed"   // stagecoach cannot create it; LastError says why
	ExportDeleted  = "deleted"  // Lever deleted the opportunity; personal data purged
)

// Export outcomes, as the provider reports them.
const (
	OutcomeSuccessful   = "successful"
	OutcomeUnsuccessful = "unsuccessful"
)

// DecisionNotified is the routing decision of a Lever event about an
// exported candidate that was passed on to the sourcing provider.
const DecisionNotified = "notified"

// Export is a candidate a sourcing provider pushed into Lever, linked to the
// opportunity it became.
type Export struct {
	ID                  string
	IntegrationID       string
	ConnectionID        string
	ProviderID          string
	ProviderCandidateID string
	Status              string
	Outcome             string
	// Pseudonym is set for a pseudonymous export, whose Profile and CV are
	// empty.
	Pseudonym string
	Profile   Profile
	CV        []byte // until it is uploaded to Lever
	CVName    string
	CVURL     string
	CVSHA     string // of the last CV sent to Lever
	RoleID    string
	// ProviderStage is the candidate's stage at the provider; StageVersion
	// grows each time the provider reports another one.
	ProviderStage string
	StageVersion  int
	// StageSynced is the StageVersion last applied to Lever.
	StageSynced    int
	RecruiterEmail string
	PostingID      string
	OpportunityID  string
	OpportunityURL string
	// LeverStageID is the stage stagecoach last set or saw in Lever: a
	// stage change to it is the echo of stagecoach's own move.
	LeverStageID string
	LastError    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
	DeletedAt    time.Time
}

// Profile is the personal data of an exported candidate.
type Profile struct {
	Name       string   `json:"name,omitempty"`
	Emails     []string `json:"emails,omitempty"`
	Phones     []Phone  `json:"phones,omitempty"`
	Links      []string `json:"links,omitempty"`
	ProfileURL string   `json:"profileUrl,omitempty"`
	Headline   string   `json:"headline,omitempty"`
	Location   string   `json:"location,omitempty"`
}

// Phone is a phone number with its kind (mobile, home, work, other).
type Phone struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}
