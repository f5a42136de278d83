package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook types stagecoach sends.
const (
	// WebhookOrderCreated carries a new order: invite the candidate.
	WebhookOrderCreated = "order.created"
	// WebhookOrderReinvite carries an invited order whose candidate
	// re-entered the trigger stage: refresh the invite settings and send
	// the invitation e-mail again.
	WebhookOrderReinvite = "order.reinvite"
	// WebhookOrderCancelled carries a cancelled order, with Reason set.
	WebhookOrderCancelled = "order.cancelled"
	// WebhookOrderFailed carries an order whose last reported event
	// cannot be written to Lever, with LastError saying why (for example
	// a report.url that leads to an address that is not public). The
	// order is back to the status it had before that event: report it
	// again, with the report inline or at a public address.
	WebhookOrderFailed = "order.failed"
)

// DefaultTolerance is how far a webhook's timestamp may be from now.
const DefaultTolerance = 5 * time.Minute

// Errors of WebhookVerifier.Verify. Answer a webhook that fails to verify
// with 401 (or any non-2xx): stagecoach retries it.
var (
	ErrWebhookMissingHeaders = errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	ErrWebhookTimestamp      = errors.New("webhook: timestamp too far from now")
	ErrWebhookSignature      = errors.New("webhook: no valid signature")
)

// WebhookVerifier checks the signature of the webhooks stagecoach sends
// (the Standard Webhooks scheme). It is safe for concurrent use once its
// fields are set.
type WebhookVerifier struct {
	// Tolerance is how far the webhook-timestamp may be from now, either
	// way, against replays. NewWebhookVerifier sets DefaultTolerance
	// (5 minutes); zero or less disables the check.
	Tolerance time.Duration
	// NowFunc returns the current time; nil means time.Now.
	NowFunc func() time.Time

	key []byte
}

// NewWebhookVerifier returns a verifier for the provider's webhook secret,
// "whsec_" followed by base64 (the prefix is optional).
func NewWebhookVerifier(secret string) (*WebhookVerifier, error) {
	s := strings.TrimPrefix(strings.TrimSpace(secret), "whsec_")
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) == 0 {
		// The error names no part of the secret.
		return nil, errors.New("webhook secret is not whsec_ followed by base64")
	}
	return &WebhookVerifier{Tolerance: DefaultTolerance, key: key}, nil
}

// WebhookMessage is a verified webhook.
type WebhookMessage struct {
	// ID is the webhook-id header, the same for every delivery of one
	// message: keep the ids seen and drop a redelivery.
	ID string `json:"-"`
	// Type is one of the Webhook… constants.
	Type string `json:"type"`
	// Timestamp is when the event happened.
	Timestamp time.Time `json:"timestamp"`
	// Data is the event's object: the order, for the order.* types.
	Data json.RawMessage `json:"data"`
}

// Order decodes the message's data as an order.
func (m *WebhookMessage) Order() (*Order, error) {
	var o Order
	if err := json.Unmarshal(m.Data, &o); err != nil {
		return nil, fmt.Errorf("webhook %s: decode order: %w", m.ID, err)
	}
	return &o, nil
}

// Verify checks the webhook's headers against its raw body and decodes it.
// It accepts the message if any of the space-separated "v1,…" signatures
// matches (stagecoach sends two while a secret is rotated) and its
// timestamp is within Tolerance of now.
func (v *WebhookVerifier) Verify(h http.Header, body []byte) (*WebhookMessage, error) {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return nil, ErrWebhookMissingHeaders
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return nil, ErrWebhookTimestamp
	}
	if v.Tolerance > 0 {
		now := time.Now
		if v.NowFunc != nil {
			now = v.NowFunc
		}
		if d := now().Sub(time.Unix(sec, 0)); d > v.Tolerance || d < -v.Tolerance {
			return nil, ErrWebhookTimestamp
		}
	}

	mac := hmac.New(sha256.New, v.key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, s := range strings.Fields(sigs) {
		version, b64, found := strings.Cut(s, ",")
		if !found || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		// Check every signature, in constant time, rather than stop
		// at the first match.
		if hmac.Equal(got, want) {
			ok = true
		}
	}
	if !ok {
		return nil, ErrWebhookSignature
	}

	m := &WebhookMessage{ID: id}
	if err := json.Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("webhook %s: decode body: %w", id, err)
	}
	return m, nil
}
