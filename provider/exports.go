package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Export outcomes.
const (
	OutcomeSuccessful   = "successful"
	OutcomeUnsuccessful = "unsuccessful"
)

// Export statuses.
const (
	ExportPending  = "pending"
	ExportExported = "exported"
	ExportFailed   = "failed"
	ExportDeleted  = "deleted"
)

// Webhook types about exports (sourcing providers). The data of each is an
// ExportMessage.
const (
	// WebhookExportCreated: the candidate's Lever opportunity exists.
	WebhookExportCreated = "export.created"
	// WebhookExportFailed: stagecoach cannot create the opportunity;
	// Change["error"] says why. Exporting the candidate again retries.
	WebhookExportFailed = "export.failed"
	// The seven Lever events passed on for exported candidates.
	WebhookExportStageChange   = "export.candidateStageChange"
	WebhookExportArchiveChange = "export.candidateArchiveChange"
	WebhookExportHired         = "export.candidateHired"
	WebhookExportDeleted       = "export.candidateDeleted"
	WebhookExportInterviewNew  = "export.interviewCreated"
	WebhookExportInterviewEdit = "export.interviewUpdated"
	WebhookExportInterviewGone = "export.interviewDeleted"
)

// ExportInput is a candidate to export into Lever (POST /v1/exports).
type ExportInput struct {
	// Connection names the Lever connection; it may be left out when the
	// provider is enabled on one connection only.
	Connection string `json:"connection,omitempty"`
	// ProviderCandidateID is the provider's id of the candidate: exporting
	// the same id again updates the export, never a second opportunity.
	ProviderCandidateID string `json:"providerCandidateId"`
	// Outcome is OutcomeSuccessful or OutcomeUnsuccessful. An unsuccessful
	// candidate is exported only if the integration's exportPolicy is
	// "all", and then under a pseudonym: the profile and CV are dropped.
	Outcome   string          `json:"outcome"`
	Candidate ExportCandidate `json:"candidate"`
	CV        *CV             `json:"cv,omitempty"`
	RoleID    string          `json:"roleId,omitempty"`
	Stage     string          `json:"stage,omitempty"`
	// Recruiter is the e-mail of the recruiter who exports the candidate:
	// the opportunity is created as that Lever user when there is one.
	Recruiter string `json:"recruiterEmail,omitempty"`
}

// ExportCandidate is the exported candidate's profile.
type ExportCandidate struct {
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

// CV is a PDF, DOC or DOCX file, inline or by URL (at most 10 MiB).
type CV struct {
	Filename      string `json:"filename"`
	ContentBase64 string `json:"contentBase64,omitempty"`
	URL           string `json:"url,omitempty"`
}

// Export is a candidate the provider exported, linked to its opportunity.
// It holds no personal data.
type Export struct {
	ID                  string             `json:"id"`
	ProviderCandidateID string             `json:"providerCandidateId"`
	ConnectionID        string             `json:"connectionId"`
	IntegrationID       string             `json:"integrationId"`
	Status              string             `json:"status"`
	Outcome             string             `json:"outcome"`
	Pseudonym           string             `json:"pseudonym,omitempty"`
	RoleID              string             `json:"roleId,omitempty"`
	PostingID           string             `json:"postingId,omitempty"`
	Stage               string             `json:"stage,omitempty"`
	LeverStageID        string             `json:"leverStageId,omitempty"`
	Opportunity         *ExportOpportunity `json:"opportunity,omitempty"`
	LastError           string             `json:"lastError,omitempty"`
	CreatedAt           time.Time          `json:"createdAt"`
	UpdatedAt           time.Time          `json:"updatedAt"`
	DeletedAt           *time.Time         `json:"deletedAt,omitempty"`
}

// ExportOpportunity is the Lever opportunity an export became.
type ExportOpportunity struct {
	ID      string `json:"id"`
	URL     string `json:"url,omitempty"`
	StageID string `json:"stageId,omitempty"`
}

// ExportMessage is the data of an export.* webhook.
type ExportMessage struct {
	Export Export `json:"export"`
	// Change says what happened; its fields depend on the type (see
	// docs/provider-api.md): for export.candidateStageChange "stage" (the
	// provider's stage the Lever stage maps to, or null), "leverStageId" and
	// "leverStage"; for export.candidateArchiveChange "archived", "reason"…
	Change map[string]any `json:"change"`
}

// Export decodes the data of an export.* webhook.
func (m *WebhookMessage) Export() (*ExportMessage, error) {
	var x ExportMessage
	if err := json.Unmarshal(m.Data, &x); err != nil {
		return nil, fmt.Errorf("webhook %s: decode export: %w", m.ID, err)
	}
	return &x, nil
}

// ExportCandidate exports a candidate into Lever, or updates its export
// when the provider exported it before. It reports whether the export is
// new. Every call carries an Idempotency-Key (random unless
// WithIdempotencyKey gives one); the export is idempotent by
// ProviderCandidateID anyway.
func (c *Client) ExportCandidate(ctx context.Context, in ExportInput, opts ...CallOption) (*Export, bool, error) {
	if in.ProviderCandidateID == "" {
		return nil, false, errors.New("export: provider candidate id is empty")
	}
	var co callOpts
	for _, o := range opts {
		o(&co)
	}
	if co.idempotencyKey == "" {
		co.idempotencyKey = newIdempotencyKey()
	}
	var x Export
	created := false
	r := request{method: http.MethodPost, path: "/v1/exports", body: in, idempotencyKey: co.idempotencyKey, created: &created}
	if err := c.do(ctx, r, &x); err != nil {
		return nil, false, err
	}
	return &x, created, nil
}

// GetExport returns one export. An unknown id is a *Problem with status 404.
func (c *Client) GetExport(ctx context.Context, id string) (*Export, error) {
	if id == "" {
		return nil, errors.New("get export: id is empty")
	}
	var x Export
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/exports/" + escape(id)}, &x); err != nil {
		return nil, err
	}
	return &x, nil
}

// ListExportsParams filters ListExports. Zero values do not filter.
type ListExportsParams struct {
	Connection          string
	Status              string
	ProviderCandidateID string
	Limit               int
}

// ListExports yields the provider's exports that match p, page by page.
func (c *Client) ListExports(ctx context.Context, p ListExportsParams) iter.Seq2[*Export, error] {
	q := url.Values{}
	if p.Connection != "" {
		q.Set("connection", p.Connection)
	}
	if p.Status != "" {
		q.Set("status", p.Status)
	}
	if p.ProviderCandidateID != "" {
		q.Set("providerCandidateId", p.ProviderCandidateID)
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return listPages[Export](ctx, c, "/v1/exports", q)
}

// ReportExportStage tells stagecoach the candidate moved to stage at the
// provider; the Lever opportunity follows to the mapped stage.
func (c *Client) ReportExportStage(ctx context.Context, exportID, stage string, opts ...CallOption) (*Export, error) {
	if exportID == "" {
		return nil, errors.New("report export stage: export id is empty")
	}
	var co callOpts
	for _, o := range opts {
		o(&co)
	}
	if co.idempotencyKey == "" {
		co.idempotencyKey = newIdempotencyKey()
	}
	var x Export
	r := request{method: http.MethodPost, path: "/v1/exports/" + escape(exportID) + "/stage", body: map[string]string{"stage": stage}, idempotencyKey: co.idempotencyKey}
	if err := c.do(ctx, r, &x); err != nil {
		return nil, err
	}
	return &x, nil
}

// DecisionNotified is the decision on a Lever event about an exported
// candidate that was passed on to the sourcing provider.
const DecisionNotified = "notified"
