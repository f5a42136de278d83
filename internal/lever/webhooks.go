package lever

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// Webhook is a webhook subscription registered in Lever.
type Webhook struct {
	ID            string `json:"id"`
	URL           string `json:"url"`
	Event         string `json:"event"`
	Configuration struct {
		// SignatureToken signs the webhook's deliveries. Lever returns it
		// when the webhook is created; store it then.
		SignatureToken string `json:"signatureToken"`
		Conditions     struct {
			Origins []string `json:"origins"`
		} `json:"conditions"`
	} `json:"configuration"`
	CreatedAt Millis `json:"createdAt"`
	UpdatedAt Millis `json:"updatedAt"`
}

// WebhookInput is the body of CreateWebhook.
type WebhookInput struct {
	URL   string // HTTPS URL Lever posts to
	Event string // one of Events
	// Origins restricts delivery to opportunities with these origins; only
	// applicationCreated, candidateArchiveChange, candidateHired and
	// candidateStageChange accept it. Empty means all.
	Origins []string
}

// conditionalEvents are the events that accept origin conditions.
var conditionalEvents = []string{EventApplicationCreated, EventCandidateArchiveChange, EventCandidateHired, EventCandidateStageChange}

// ListWebhooks returns the account's webhooks (without signature tokens).
func (c *Client) ListWebhooks(ctx context.Context) ([]Webhook, error) {
	return collect(list[Webhook](ctx, c, "/webhooks", "/webhooks", nil, 0))
}

// CreateWebhook registers a webhook. The answer carries
// Configuration.SignatureToken, which must be stored right away. Lever
// delivers nothing until a Super Admin enables the event's webhook group.
func (c *Client) CreateWebhook(ctx context.Context, in WebhookInput) (*Webhook, error) {
	const op = "create webhook"
	if in.URL == "" {
		return nil, badRequest(op, "url is required")
	}
	if !slices.Contains(Events, in.Event) {
		return nil, badRequest(op, "unknown event %q", in.Event)
	}
	if len(in.Origins) > 0 && !slices.Contains(conditionalEvents, in.Event) {
		return nil, badRequest(op, "event %s accepts no origin conditions", in.Event)
	}
	type conditions struct {
		Origins []string `json:"origins"`
	}
	type configuration struct {
		Conditions conditions `json:"conditions"`
	}
	body := struct {
		URL           string         `json:"url"`
		Event         string         `json:"event"`
		Configuration *configuration `json:"configuration,omitempty"`
	}{URL: in.URL, Event: in.Event}
	if len(in.Origins) > 0 {
		body.Configuration = &configuration{Conditions: conditions{Origins: in.Origins}}
	}
	cl, err := jsonCall(http.MethodPost, "/webhooks", "/webhooks", body)
	if err != nil {
		return nil, err
	}
	var w Webhook
	if err := c.send(ctx, cl, &w); err != nil {
		return nil, err
	}
	if w.ID == "" {
		return nil, &uncertainError{method: cl.method, path: cl.path, cause: fmt.Errorf("response carries no webhook id")}
	}
	return &w, nil
}

// DeleteWebhook deletes a webhook created through the API.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	if err := needID("delete webhook", "webhook id", id); err != nil {
		return err
	}
	return c.send(ctx, &call{method: http.MethodDelete, route: "/webhooks/:id", path: "/webhooks/" + seg(id)}, nil)
}
