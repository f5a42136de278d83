package lever

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
)

// Feedback is an interview feedback form on an opportunity.
type Feedback struct {
	ID             string      `json:"id"`
	Type           string      `json:"type"` // interview, assignment, share
	Text           string      `json:"text"`
	Instructions   string      `json:"instructions"`
	BaseTemplateID string      `json:"baseTemplateId"`
	User           string      `json:"user"`
	Panel          string      `json:"panel"`
	Interview      string      `json:"interview"`
	Fields         []FormField `json:"fields"`
	CreatedAt      Millis      `json:"createdAt"`
	UpdatedAt      Millis      `json:"updatedAt"`
	CompletedAt    Millis      `json:"completedAt"`
}

// UnmarshalJSON tolerates expanded user, panel and interview.
func (f *Feedback) UnmarshalJSON(b []byte) error {
	type plain Feedback
	aux := struct {
		*plain
		User      idString `json:"user"`
		Panel     idString `json:"panel"`
		Interview idString `json:"interview"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	f.User, f.Panel, f.Interview = string(aux.User), string(aux.Panel), string(aux.Interview)
	return nil
}

// FeedbackTemplate is a feedback form template.
type FeedbackTemplate struct {
	ID           string      `json:"id"`
	Text         string      `json:"text"`
	Instructions string      `json:"instructions"`
	Stage        StageRef    `json:"stage"` // zero when not tied to a stage
	Fields       []FormField `json:"fields"`
	CreatedAt    Millis      `json:"createdAt"`
	UpdatedAt    Millis      `json:"updatedAt"`
}

// FieldValue answers one template field of a feedback form.
type FieldValue struct {
	ID    string `json:"id"` // the template field id
	Value any    `json:"value"`
}

// FeedbackInput is the body of CreateFeedback.
type FeedbackInput struct {
	BaseTemplateID string // feedback template id (required)
	// Panel and Interview tie the feedback to an interview: both or neither,
	// and the interview must belong to the panel.
	Panel, Interview string
	FieldValues      []FieldValue
	CompletedAt      Millis // zero means now
}

// CreateFeedback submits feedback on an opportunity as the user performAs,
// which Lever requires.
func (c *Client) CreateFeedback(ctx context.Context, oppID string, in FeedbackInput, performAs string) (*Feedback, error) {
	const op = "create feedback"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return nil, err
	}
	if err := needPerformAs(op, performAs); err != nil {
		return nil, err
	}
	if err := needID(op, "base template id", in.BaseTemplateID); err != nil {
		return nil, err
	}
	if (in.Panel == "") != (in.Interview == "") {
		return nil, badRequest(op, "panel and interview go together")
	}
	values := in.FieldValues
	if values == nil {
		values = []FieldValue{}
	}
	body := struct {
		BaseTemplateID string       `json:"baseTemplateId"`
		Panel          string       `json:"panel,omitempty"`
		Interview      string       `json:"interview,omitempty"`
		FieldValues    []FieldValue `json:"fieldValues"`
		CompletedAt    Millis       `json:"completedAt,omitempty"`
	}{in.BaseTemplateID, in.Panel, in.Interview, values, in.CompletedAt}
	cl, err := jsonCall(http.MethodPost, "/opportunities/:id/feedback", "/opportunities/"+seg(oppID)+"/feedback", body)
	if err != nil {
		return nil, err
	}
	var fb Feedback
	if err := c.send(ctx, cl.withPerformAs(performAs), &fb); err != nil {
		return nil, err
	}
	return &fb, nil
}

// ListFeedback iterates over an opportunity's feedback forms.
func (c *Client) ListFeedback(ctx context.Context, oppID string) iter.Seq2[*Feedback, error] {
	if err := needID("list feedback", "opportunity id", oppID); err != nil {
		return failed[Feedback](err)
	}
	return list[Feedback](ctx, c, "/opportunities/:id/feedback", "/opportunities/"+seg(oppID)+"/feedback", nil, 0)
}

// ListFeedbackTemplates iterates over the account's active feedback templates
// (including Lever's default "No Feedback").
func (c *Client) ListFeedbackTemplates(ctx context.Context) iter.Seq2[*FeedbackTemplate, error] {
	return list[FeedbackTemplate](ctx, c, "/feedback_templates", "/feedback_templates", nil, 0)
}
