package leversandbox

import "encoding/json"

// The stored records. Where Lever's wire shape and the stored shape are the
// same (users, stages, archive reasons) the record is served as is; the
// others are rendered by the view functions next to their handlers.

// user is a Lever user, stored and served in Lever's shape.
type user struct {
	ID                  string   `json:"id"`
	Name                string   `json:"name"`
	Username            string   `json:"username"`
	Email               string   `json:"email"`
	CreatedAt           int64    `json:"createdAt"`
	DeactivatedAt       *int64   `json:"deactivatedAt"`
	AccessRole          string   `json:"accessRole"`
	Photo               *string  `json:"photo"`
	ExternalDirectoryID *string  `json:"externalDirectoryId"`
	LinkedContactIDs    []string `json:"linkedContactIds"`
	JobTitle            *string  `json:"jobTitle"`
	ManagerID           *string  `json:"managerId"`
}

// The access roles Lever knows (custom role ids are not modelled).
const (
	roleSuperAdmin        = "super admin"
	roleAdmin             = "admin"
	roleTeamMember        = "team member"
	roleLimitedTeamMember = "limited team member"
	roleInterviewer       = "interviewer"
)

var accessRoles = []string{roleSuperAdmin, roleAdmin, roleTeamMember, roleLimitedTeamMember, roleInterviewer}

type stage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type archiveReason struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status string `json:"status"` // active, inactive
	Type   string `json:"type"`   // hired, non-hired
}

type phone struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// contact is one person, shared by all of that person's opportunities.
type contact struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Headline     string   `json:"headline"`
	Location     string   `json:"location"`
	Emails       []string `json:"emails"`
	Phones       []phone  `json:"phones"`
	Links        []string `json:"links"`
	IsAnonymized bool     `json:"isAnonymized"`
	CreatedAt    int64    `json:"createdAt"`
}

type stageChange struct {
	ToStageID    string  `json:"toStageId"`
	ToStageIndex int     `json:"toStageIndex"`
	UserID       *string `json:"userId"`
	UpdatedAt    int64   `json:"updatedAt"`
}

type archivedState struct {
	ArchivedAt int64  `json:"archivedAt"`
	Reason     string `json:"reason"`
}

// opportunity is one candidacy. Name, headline, e-mails, phones, links and
// location are read from its contact.
type opportunity struct {
	ID                  string         `json:"id"`
	ContactID           string         `json:"contactId"`
	StageID             string         `json:"stageId"`
	StageChanges        []stageChange  `json:"stageChanges"`
	Confidentiality     string         `json:"confidentiality"`
	Archived            *archivedState `json:"archived"`
	Tags                []string       `json:"tags"`
	Sources             []string       `json:"sources"`
	SourcedBy           string         `json:"sourcedBy"`
	Origin              string         `json:"origin"`
	Owner               string         `json:"owner"`
	Followers           []string       `json:"followers"`
	ApplicationID       string         `json:"applicationId"`
	PostingID           string         `json:"postingId"`
	OpportunityLocation string         `json:"opportunityLocation"`
	CreatedAt           int64          `json:"createdAt"`
	UpdatedAt           int64          `json:"updatedAt"`
	LastInteractionAt   int64          `json:"lastInteractionAt"`
	LastAdvancedAt      int64          `json:"lastAdvancedAt"`
	SnoozedUntil        *int64         `json:"snoozedUntil"`
	CreatedBy           string         `json:"createdBy"`
	DeletedAt           *int64         `json:"deletedAt,omitempty"`
	DeletedBy           string         `json:"deletedBy,omitempty"`
}

func (o *opportunity) deleted() bool { return o.DeletedAt != nil }

type application struct {
	ID                   string   `json:"id"`
	OpportunityID        string   `json:"opportunityId"`
	CreatedAt            int64    `json:"createdAt"`
	Type                 string   `json:"type"` // posting, user, referral
	PostingID            string   `json:"posting"`
	PostingOwner         string   `json:"postingOwner"`
	PostingHiringManager string   `json:"postingHiringManager"`
	User                 string   `json:"user"`
	Name                 string   `json:"name"`
	Email                string   `json:"email"`
	Phone                *phone   `json:"phone"`
	Links                []string `json:"links"`
}

type postingCategories struct {
	Team         string   `json:"team"`
	Department   string   `json:"department"`
	Location     string   `json:"location"`
	AllLocations []string `json:"allLocations"`
	Commitment   string   `json:"commitment"`
	Level        string   `json:"level"`
}

type postingList struct {
	Text    string `json:"text"`
	Content string `json:"content"`
}

type postingContent struct {
	Description     string        `json:"description"`
	DescriptionHTML string        `json:"descriptionHtml"`
	Lists           []postingList `json:"lists"`
	Closing         string        `json:"closing"`
	ClosingHTML     string        `json:"closingHtml"`
}

type salaryRange struct {
	Min      float64 `json:"min"`
	Max      float64 `json:"max"`
	Currency string  `json:"currency"`
	Interval string  `json:"interval"`
}

type posting struct {
	ID                    string            `json:"id"`
	Text                  string            `json:"text"`
	CreatedAt             int64             `json:"createdAt"`
	UpdatedAt             int64             `json:"updatedAt"`
	State                 string            `json:"state"`
	DistributionChannels  []string          `json:"distributionChannels"`
	Confidentiality       string            `json:"confidentiality"`
	User                  string            `json:"user"`
	Owner                 string            `json:"owner"`
	HiringManager         string            `json:"hiringManager"`
	Categories            postingCategories `json:"categories"`
	Tags                  []string          `json:"tags"`
	Content               postingContent    `json:"content"`
	Country               string            `json:"country"`
	Followers             []string          `json:"followers"`
	RequisitionCodes      []string          `json:"requisitionCodes"`
	SalaryDescription     string            `json:"salaryDescription"`
	SalaryDescriptionHTML string            `json:"salaryDescriptionHtml"`
	SalaryRange           *salaryRange      `json:"salaryRange"`
	WorkplaceType         string            `json:"workplaceType"`
}

type noteComment struct {
	Value     string  `json:"value"`
	User      *string `json:"user"`
	CreatedAt int64   `json:"createdAt"`
	Score     *int    `json:"score"`
	Stage     *string `json:"stage"`
	// Mentions are the users the comment @-mentions, who Lever notifies.
	Mentions []string `json:"mentions,omitempty"`
}

type note struct {
	ID            string        `json:"id"`
	OpportunityID string        `json:"opportunityId"`
	Comments      []noteComment `json:"comments"`
	User          *string       `json:"user"`
	Secret        bool          `json:"secret"`
	CreatedAt     int64         `json:"createdAt"`
	CompletedAt   *int64        `json:"completedAt"`
	// ViaAPI marks notes written through the API: only those can be updated
	// or deleted through it.
	ViaAPI bool `json:"viaApi"`
}

// file is an uploaded file (an opportunity's file, or a resume's file).
type file struct {
	ID            string `json:"id"`
	OpportunityID string `json:"opportunityId"`
	Name          string `json:"name"`
	Ext           string `json:"ext"`
	ContentType   string `json:"contentType"`
	Size          int64  `json:"size"`
	UploadedAt    int64  `json:"uploadedAt"`
	Status        string `json:"status"`
	UploadedBy    string `json:"uploadedBy"`
	Data          []byte `json:"data"`
}

type resume struct {
	ID            string `json:"id"`
	OpportunityID string `json:"opportunityId"`
	CreatedAt     int64  `json:"createdAt"`
	File          *file  `json:"file"`
}

type option struct {
	Text string `json:"text"`
}

// field is a template field; for filled-in forms Value holds the answer.
type field struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Text        string          `json:"text"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Options     []option        `json:"options,omitempty"`
	Value       json.RawMessage `json:"value,omitempty"`
	// Currency goes with a currency field's value (3-letter code).
	Currency string `json:"currency,omitempty"`
}

type formTemplate struct {
	ID              string  `json:"id"`
	Text            string  `json:"text"`
	Group           string  `json:"group"`
	Instructions    string  `json:"instructions"`
	SecretByDefault bool    `json:"secretByDefault"`
	Fields          []field `json:"fields"`
	CreatedAt       int64   `json:"createdAt"`
	UpdatedAt       int64   `json:"updatedAt"`
	ViaAPI          bool    `json:"viaApi"`
}

type profileForm struct {
	ID             string  `json:"id"`
	OpportunityID  string  `json:"opportunityId"`
	Text           string  `json:"text"`
	Instructions   string  `json:"instructions"`
	BaseTemplateID string  `json:"baseTemplateId"`
	Fields         []field `json:"fields"`
	User           *string `json:"user"`
	Stage          string  `json:"stage"`
	Secret         bool    `json:"secret"`
	CreatedAt      int64   `json:"createdAt"`
	CompletedAt    int64   `json:"completedAt"`
}

type feedbackTemplate struct {
	ID           string  `json:"id"`
	Text         string  `json:"text"`
	Group        string  `json:"group"`
	Instructions string  `json:"instructions"`
	StageID      string  `json:"stage"`
	Fields       []field `json:"fields"`
	CreatedAt    int64   `json:"createdAt"`
	UpdatedAt    int64   `json:"updatedAt"`
	ViaAPI       bool    `json:"viaApi"`
}

type feedback struct {
	ID             string  `json:"id"`
	OpportunityID  string  `json:"opportunityId"`
	Type           string  `json:"type"`
	Text           string  `json:"text"`
	Instructions   string  `json:"instructions"`
	BaseTemplateID string  `json:"baseTemplateId"`
	Fields         []field `json:"fields"`
	User           string  `json:"user"`
	Panel          string  `json:"panel"`
	Interview      string  `json:"interview"`
	CreatedAt      int64   `json:"createdAt"`
	UpdatedAt      int64   `json:"updatedAt"`
	CompletedAt    int64   `json:"completedAt"`
}

type interviewer struct {
	ID               string  `json:"id"`
	FeedbackTemplate *string `json:"feedbackTemplate"`
}

type interview struct {
	ID               string        `json:"id"`
	Subject          string        `json:"subject"`
	Note             string        `json:"note"`
	Interviewers     []interviewer `json:"interviewers"`
	Timezone         string        `json:"timezone"`
	CreatedAt        int64         `json:"createdAt"`
	Date             int64         `json:"date"`
	Duration         int64         `json:"duration"`
	Location         string        `json:"location"`
	FeedbackTemplate string        `json:"feedbackTemplate"`
	FeedbackReminder string        `json:"feedbackReminder"`
	User             string        `json:"user"`
	CanceledAt       *int64        `json:"canceledAt"`
}

type panel struct {
	ID                string       `json:"id"`
	OpportunityID     string       `json:"opportunityId"`
	Applications      []string     `json:"applications"`
	CanceledAt        *int64       `json:"canceledAt"`
	CreatedAt         int64        `json:"createdAt"`
	Timezone          string       `json:"timezone"`
	FeedbackReminder  string       `json:"feedbackReminder"`
	User              string       `json:"user"`
	Stage             string       `json:"stage"`
	Note              string       `json:"note"`
	ExternallyManaged bool         `json:"externallyManaged"`
	ExternalURL       string       `json:"externalUrl"`
	Interviews        []*interview `json:"interviews"`
}

type webhook struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Event     string `json:"event"`
	Token     string `json:"signatureToken"`
	CreatedAt int64  `json:"createdAt"`
	UpdatedAt int64  `json:"updatedAt"`
	// Origins is the origin condition; nil means no condition (all origins).
	Origins []string `json:"origins"`
	// Page marks a webhook a Super Admin added in the settings page. It is
	// signed with its event group's signing token (Token stays empty) and,
	// as in Lever, cannot be changed through the API.
	Page bool `json:"page,omitempty"`
}

// apiKey is an API credential. Keys generated in the settings page (or
// through POST /_sandbox/api-keys) carry Lever's per-endpoint permissions in
// Endpoints; the others (the --api-key key, test keys) carry scope strings
// ("opportunities:write:admin") in Permissions.
type apiKey struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	KeyHash     string   `json:"keyHash"`
	Permissions []string `json:"permissions"`
	// Endpoints is nil for a scope-based key.
	Endpoints []string `json:"endpoints,omitempty"`
	// Hint is the key's last four characters, shown in the list.
	Hint      string `json:"hint,omitempty"`
	CreatedBy string `json:"createdBy,omitempty"`
	CreatedAt int64  `json:"createdAt"`
}

// appAuthorization is an OAuth app a Super Admin approved, listed under
// Settings > Integrations and API > Authorized Apps until revoked.
type appAuthorization struct {
	ClientID   string   `json:"clientId"`
	UserID     string   `json:"userId"`
	Scopes     []string `json:"scopes"`
	ApprovedAt int64    `json:"approvedAt"`
}

type oauthClient struct {
	ID           string   `json:"id"`
	Secret       string   `json:"secret"`
	RedirectURIs []string `json:"redirectUris"`
	// Loopback accepts any http://127.0.0.1 or http://localhost redirect URI,
	// any port and path (the pre-registered demo client).
	Loopback bool `json:"loopback"`
}

type authCode struct {
	ClientID    string   `json:"clientId"`
	RedirectURI string   `json:"redirectUri"`
	UserID      string   `json:"userId"`
	Scopes      []string `json:"scopes"`
	ExpiresAt   int64    `json:"expiresAt"`
}

type accessToken struct {
	ClientID  string   `json:"clientId"`
	GrantID   string   `json:"grantId"`
	UserID    string   `json:"userId"`
	Scopes    []string `json:"scopes"`
	ExpiresAt int64    `json:"expiresAt"`
}

type refreshToken struct {
	ClientID   string   `json:"clientId"`
	GrantID    string   `json:"grantId"`
	UserID     string   `json:"userId"`
	Scopes     []string `json:"scopes"`
	IssuedAt   int64    `json:"issuedAt"`
	GrantStart int64    `json:"grantStart"`
}
