package provider

import (
	"context"
	"net/http"
)

// Me returns the provider the client's API key belongs to.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	var p Profile
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/me"}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}
