package outbound

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// UserAgent is the user-agent of webhook deliveries.
const UserAgent = "stagecoach-webhooks"

// maxErrorBody is how much of a failed delivery's answer DeliveryError keeps.
const maxErrorBody = 512

// defaultTimeout bounds a delivery when Deliver is given no client: a
// receiver that does not answer in time counts as failed.
const defaultTimeout = 30 * time.Second

// DeliveryError is a delivery the receiver answered with a non-2xx status.
type DeliveryError struct {
	// Status is the HTTP status of the answer.
	Status int
	// Body is the start of the answer (at most 512 bytes), for the
	// delivery log.
	Body string
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("webhook answered %d %s", e.Status, http.StatusText(e.Status))
}

// Permanent reports whether retrying is pointless: only 410 Gone, which a
// receiver answers to say that it no longer wants these webhooks. Every
// other status, 4xx included, may be a misconfiguration being fixed, so it is
// retried.
func (e *DeliveryError) Permanent() bool {
	return e.Status == http.StatusGone
}

// Deliver makes one attempt to POST m to url, signed with each of secrets
// (the current secret and, during a rotation, the previous one). It returns
// the answer's status (0 if there was none) and nil for a 2xx, a
// *DeliveryError for another status, or the transport's error. hc nil means a
// client with a 30-second timeout.
func Deliver(ctx context.Context, hc *http.Client, url string, secrets []string, m Message) (status int, err error) {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	if m.ID == "" {
		return 0, errors.New("deliver webhook: message id is empty")
	}
	if len(bytes.TrimSpace(m.Data)) > 0 && !json.Valid(m.Data) {
		return 0, fmt.Errorf("deliver webhook %s: data is not valid JSON", m.ID)
	}
	body := m.Body()
	// The timestamp is the attempt's, not the event's: receivers refuse
	// timestamps more than a few minutes old, and retries go on for a day.
	ts := time.Now()
	sig, err := SignAll(secrets, m.ID, ts, body)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook %s: %w", m.ID, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("deliver webhook %s: %w", m.ID, err)
	}
	req.Header.Set("content-type", "application/json")
	req.Header.Set("user-agent", UserAgent)
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("webhook-signature", sig)

	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("deliver webhook %s: %w", m.ID, err)
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	// Drain a little more so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, nil
	}
	return resp.StatusCode, &DeliveryError{
		Status: resp.StatusCode,
		Body:   strings.ToValidUTF8(string(head), "\uFFFD"),
	}
}
