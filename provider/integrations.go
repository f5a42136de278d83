package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Event types of interview services (besides invited, scheduled, started,
// cancelled and expired).
const (
	// EventRescheduled changes a scheduled interview: give what changed
	// (StartsAt, Interviewer, MeetingURL).
	EventRescheduled = "rescheduled"
	// EventFeedback is one round's feedback: Recommendation and
	// FeedbackURL (required), Round, Summary, Interviewer, VideoURL.
	EventFeedback = "feedback"
)

// Webhook types of the job sync (interview services).
const (
	// WebhookJobSynced carries a Job that is new or changed: upsert it.
	WebhookJobSynced = "job.synced"
	// WebhookJobRemoved carries a RemovedJob: withdraw it.
	WebhookJobRemoved = "job.removed"
)

// Reasons of a RemovedJob.
const (
	RemovedTagRemoved = "tag_removed"
	RemovedClosed     = "closed"
	RemovedDeleted    = "deleted"
)

// Job is a Lever posting synced to an interview service: the posting
// carries the integration's jobSyncTag.
type Job struct {
	ConnectionID  string `json:"connectionId"`
	IntegrationID string `json:"integrationId"`
	// ID is the Lever posting id; an order's Posting.ID names its job.
	ID            string `json:"id"`
	Title         string `json:"title"`
	State         string `json:"state"`
	Team          string `json:"team,omitempty"`
	Department    string `json:"department,omitempty"`
	Location      string `json:"location,omitempty"`
	Commitment    string `json:"commitment,omitempty"`
	Owner         Owner  `json:"owner"`
	HiringManager Owner  `json:"hiringManager"`
	URL           string `json:"url,omitempty"`
}

// RemovedJob is the data of a job.removed webhook.
type RemovedJob struct {
	ConnectionID  string `json:"connectionId"`
	IntegrationID string `json:"integrationId"`
	ID            string `json:"id"`
	Title         string `json:"title"`
	// Reason is one of the Removed… constants.
	Reason string `json:"reason"`
}

// Job decodes a job.synced message's data.
func (m *WebhookMessage) Job() (*Job, error) {
	var j Job
	if err := json.Unmarshal(m.Data, &j); err != nil {
		return nil, fmt.Errorf("webhook %s: decode job: %w", m.ID, err)
	}
	return &j, nil
}

// RemovedJob decodes a job.removed message's data.
func (m *WebhookMessage) RemovedJob() (*RemovedJob, error) {
	var j RemovedJob
	if err := json.Unmarshal(m.Data, &j); err != nil {
		return nil, fmt.Errorf("webhook %s: decode removed job: %w", m.ID, err)
	}
	return &j, nil
}

// OrderJob decodes the job an interview service's order.created carries,
// or returns nil when it carries none.
func (m *WebhookMessage) OrderJob() (*Job, error) {
	var d struct {
		Job *Job `json:"job"`
	}
	if err := json.Unmarshal(m.Data, &d); err != nil {
		return nil, fmt.Errorf("webhook %s: decode order job: %w", m.ID, err)
	}
	return d.Job, nil
}

// Integration is the provider enabled on one Lever connection.
type Integration struct {
	ID           string              `json:"id"`
	ConnectionID string              `json:"connectionId"`
	Enabled      bool                `json:"enabled"`
	Settings     IntegrationSettings `json:"settings"`
	CreatedAt    time.Time           `json:"createdAt"`
	UpdatedAt    time.Time           `json:"updatedAt"`
}

// IntegrationSettings are an integration's effective flow settings.
type IntegrationSettings struct {
	TriggerStage     string            `json:"triggerStage,omitempty"`
	PerformAs        string            `json:"performAs,omitempty"`
	CompletionStage  string            `json:"completionStage,omitempty"`
	InvitedTag       string            `json:"invitedTag,omitempty"`
	CompletedTag     string            `json:"completedTag,omitempty"`
	FormTemplate     string            `json:"formTemplate,omitempty"`
	DefaultPackage   string            `json:"defaultPackage,omitempty"`
	PostingPackages  map[string]string `json:"postingPackages,omitempty"`
	JobSyncTag       string            `json:"jobSyncTag,omitempty"`
	FeedbackForm     bool              `json:"feedbackForm,omitempty"`
	FeedbackTemplate string            `json:"feedbackTemplate,omitempty"`
}

// KitMap is a video interview integration's choice of interview kit: by
// Lever posting id, else DefaultPackage ("" for none).
type KitMap struct {
	DefaultPackage  string            `json:"defaultPackage"`
	PostingPackages map[string]string `json:"postingPackages"`
}

// ListIntegrations returns the provider's integrations.
func (c *Client) ListIntegrations(ctx context.Context) ([]Integration, error) {
	return collect(listPages[Integration](ctx, c, "/v1/integrations", nil))
}

// GetIntegration returns one of the provider's integrations.
func (c *Client) GetIntegration(ctx context.Context, id string) (*Integration, error) {
	if id == "" {
		return nil, errors.New("get integration: id is empty")
	}
	var in Integration
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/integrations/" + escape(id)}, &in); err != nil {
		return nil, err
	}
	return &in, nil
}

// GetKitMap returns a video interview integration's kit map.
func (c *Client) GetKitMap(ctx context.Context, integrationID string) (*KitMap, error) {
	if integrationID == "" {
		return nil, errors.New("get kit map: integration id is empty")
	}
	var m KitMap
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/integrations/" + escape(integrationID) + "/kit-map"}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// SetKitMap replaces a video interview integration's kit map. Every kit
// must be one of the provider's published packages (a *Problem with status
// 400 names the posting otherwise).
func (c *Client) SetKitMap(ctx context.Context, integrationID string, m KitMap) (*KitMap, error) {
	if integrationID == "" {
		return nil, errors.New("set kit map: integration id is empty")
	}
	if m.PostingPackages == nil {
		m.PostingPackages = map[string]string{}
	}
	var out KitMap
	if err := c.do(ctx, request{method: http.MethodPut, path: "/v1/integrations/" + escape(integrationID) + "/kit-map", body: m}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SyncPostings asks stagecoach to poll an interview service integration's
// postings now; job.synced and job.removed webhooks follow for what changed.
func (c *Client) SyncPostings(ctx context.Context, integrationID string) error {
	if integrationID == "" {
		return errors.New("sync postings: integration id is empty")
	}
	return c.do(ctx, request{method: http.MethodPost, path: "/v1/integrations/" + escape(integrationID) + "/posting-sync", idempotencyKey: newIdempotencyKey()}, nil)
}
