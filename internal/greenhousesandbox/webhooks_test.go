package greenhousesandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"stagecoach/internal/greenhousesandbox"
)

// TestWebhookRetries: a delivery answered with anything but 200 is sent
// again, with the same body and Greenhouse-Event-ID, up to the webhook's
// max_attempts; a webhook an admin saves is pinged and created disabled
// when the ping fails.
func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	gaveUp := make(chan struct{}, 1)
	log := slog.New(handlerFunc(func(r slog.Record) {
		if r.Message == "webhook delivery failed" {
			gaveUp <- struct{}{}
		}
	}))
	sb, err := greenhousesandbox.New(greenhousesandbox.Config{Seed: "demo", Logger: log,
		WebhookRetryDelays: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	e := &env{t: t, srv: srv}

	type attempt struct {
		id   string
		body string
	}
	got := make(chan attempt, 8)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- attempt{r.Header.Get("Greenhouse-Event-ID"), string(b)}
		w.WriteHeader(http.StatusAccepted) // not 200: a failure to Greenhouse
	}))
	t.Cleanup(recv.Close)
	partner := e.partnerTokens().AccessToken
	if status, _, body := e.do(http.MethodPost, "/v3/webhooks", partner, map[string]any{"endpoint_url": recv.URL, "name": "reject",
		"event_action_type": "reject_candidate", "secret_key": "k", "max_attempts": 2}); status != http.StatusCreated {
		t.Fatalf("create webhook: %d %s", status, body)
	}
	_, _, body := e.do(http.MethodGet, "/v3/applications?per_page=1", partner, nil)
	var apps []app
	_ = json.Unmarshal(body, &apps)
	if status, _, body := e.do(http.MethodPost, "/_sandbox/applications/"+strconv.FormatInt(apps[0].ID, 10)+"/reject", "", map[string]any{}); status != http.StatusOK {
		t.Fatalf("reject: %d %s", status, body)
	}
	select {
	case <-gaveUp:
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox never gave up on the failing endpoint")
	}
	close(got)
	var attempts []attempt
	for a := range got {
		attempts = append(attempts, a)
	}
	if len(attempts) != 2 {
		t.Fatalf("%d attempts, want max_attempts 2", len(attempts))
	}
	if attempts[1] != attempts[0] || attempts[0].id == "" {
		t.Errorf("the retry differs: %+v vs %+v", attempts[1], attempts[0])
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(down.Close)
	var hook struct {
		Deactivated bool `json:"deactivated"`
	}
	status, _, body := e.do(http.MethodPost, "/_sandbox/webhooks", "", map[string]any{"endpoint_url": down.URL, "name": "stage",
		"event_action_type": "candidate_stage_change", "secret_key": "k"})
	if status != http.StatusCreated || json.Unmarshal(body, &hook) != nil || !hook.Deactivated {
		t.Errorf("a webhook whose ping failed: %d %s, want it created deactivated", status, body)
	}
}

// handlerFunc is a slog handler calling a function per record.
type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error { h(r); return nil }
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h handlerFunc) WithGroup(string) slog.Handler                 { return h }
