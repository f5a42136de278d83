package provider

import (
	"context"
	"net/http"
	"time"
)

// Me returns the provider the client's API key belongs to.
func (c *Client) Me(ctx context.Context) (*Profile, error) {
	var p Profile
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/me"}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// WebhookSecretRotation is a new webhook secret (shown only in this answer)
// and when webhooks stop being signed with the one it replaced.
type WebhookSecretRotation struct {
	WebhookSecret           string    `json:"webhookSecret"`
	PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
}

// RotateWebhookSecret replaces the provider's webhook secret. Until grace
// has passed (whole seconds, at most 7 days; 0 stops the old secret at
// once; negative: stagecoach's default, a day) every webhook carries a
// signature made with the old secret and one with the new, so a verifier
// built on either accepts it; switch to the new secret within the grace.
// The call is never retried: a lost answer is mended by rotating again,
// as the old secret still signs.
func (c *Client) RotateWebhookSecret(ctx context.Context, grace time.Duration) (*WebhookSecretRotation, error) {
	var body struct {
		GraceSeconds *int64 `json:"graceSeconds,omitempty"`
	}
	if grace >= 0 {
		s := int64(grace / time.Second)
		body.GraceSeconds = &s
	}
	var out WebhookSecretRotation
	if err := c.do(ctx, request{method: http.MethodPost, path: "/v1/me/webhook-secret/rotate", body: body}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
