package provider

import (
	"context"
	"net/http"
)

// PublishPackages replaces the provider's published packages with pkgs and
// returns them as stored.
func (c *Client) PublishPackages(ctx context.Context, pkgs []Package) ([]Package, error) {
	if pkgs == nil {
		pkgs = []Package{}
	}
	body := struct {
		Packages []Package `json:"packages"`
	}{pkgs}
	var out page[Package]
	if err := c.do(ctx, request{method: http.MethodPut, path: "/v1/packages", body: body}, &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// ListPackages returns the provider's published packages.
func (c *Client) ListPackages(ctx context.Context) ([]Package, error) {
	return collect(listPages[Package](ctx, c, "/v1/packages", nil))
}
