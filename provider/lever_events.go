package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
)

// ListLeverEvents returns the Lever webhooks stagecoach received for
// opportunityID through the provider's integrations, newest first, each
// with the routing decisions taken for it; use it to see why an opportunity
// was or was not ordered. An empty opportunityID lists every event (page by
// page, all of them).
func (c *Client) ListLeverEvents(ctx context.Context, opportunityID string) ([]LeverEvent, error) {
	q := url.Values{}
	if opportunityID != "" {
		q.Set("opportunity", opportunityID)
	}
	return collect(listPages[LeverEvent](ctx, c, "/v1/lever-events", q))
}

// GetLeverEvent returns one Lever event with its decisions.
func (c *Client) GetLeverEvent(ctx context.Context, id string) (*LeverEvent, error) {
	if id == "" {
		return nil, errors.New("get lever event: id is empty")
	}
	var e LeverEvent
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/lever-events/" + escape(id)}, &e); err != nil {
		return nil, err
	}
	return &e, nil
}
