package lever

import (
	"context"
	"net/http"
)

// FeedbackTemplateInput is the body of CreateFeedbackTemplate. Lever wants
// exactly one field of type "score-system" (the overall rating).
type FeedbackTemplateInput struct {
	Text         string
	Instructions string
	Fields       []FormField
}

// CreateFeedbackTemplate creates a feedback form template; the answer
// carries the generated field ids.
func (c *Client) CreateFeedbackTemplate(ctx context.Context, in FeedbackTemplateInput) (*FeedbackTemplate, error) {
	const op = "create feedback template"
	if in.Text == "" {
		return nil, badRequest(op, "text is required")
	}
	n := 0
	for _, f := range in.Fields {
		if f.Type == "score-system" {
			n++
		}
	}
	if n != 1 {
		return nil, badRequest(op, "exactly one score-system field is required, got %d", n)
	}
	body := struct {
		Text         string          `json:"text"`
		Instructions string          `json:"instructions"`
		Fields       []templateField `json:"fields"`
	}{Text: in.Text, Instructions: in.Instructions}
	for _, f := range in.Fields {
		body.Fields = append(body.Fields, toTemplateField(f))
	}
	cl, err := jsonCall(http.MethodPost, "/feedback_templates", "/feedback_templates", body)
	if err != nil {
		return nil, err
	}
	var t FeedbackTemplate
	if err := c.send(ctx, cl, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
