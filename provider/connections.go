package provider

import (
	"encoding/json"
	"fmt"
	"time"
)

// Webhook types about the Lever connection an integration runs on.
const (
	// WebhookConnectionBroken carries a ConnectionChange: Lever refused the
	// connection's credentials (its authorization expired or was revoked).
	// No orders come and no reports reach Lever until it is reconnected;
	// reports sent meanwhile are kept and written then.
	WebhookConnectionBroken = "connection.broken"
	// WebhookConnectionRestored carries a ConnectionChange: an operator
	// reconnected it, and the work that waited resumes.
	WebhookConnectionRestored = "connection.restored"
)

// ConnectionChange is the data of a connection.broken or
// connection.restored webhook, one per enabled integration on the
// connection.
type ConnectionChange struct {
	ConnectionID   string `json:"connectionId"`
	ConnectionName string `json:"connectionName"`
	IntegrationID  string `json:"integrationId"`
	// Status is "broken" or "active".
	Status string `json:"status"`
	// Reason says why Lever refused the credentials; empty once restored.
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Connection decodes a connection.broken or connection.restored message's
// data.
func (m *WebhookMessage) Connection() (*ConnectionChange, error) {
	var c ConnectionChange
	if err := json.Unmarshal(m.Data, &c); err != nil {
		return nil, fmt.Errorf("webhook %s: decode connection change: %w", m.ID, err)
	}
	return &c, nil
}
