package outbound_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/outbound"
	"stagecoach/provider"
)

// received is one delivery the test receiver got.
type received struct {
	header http.Header
	body   []byte
}

type testBundle struct {
	mu   sync.Mutex
	got  []received
	srv  *httptest.Server
	next func(w http.ResponseWriter) // the answer; nil: 204
}

func (b *testBundle) deliveries() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

func setup(tb testing.TB, answer func(w http.ResponseWriter)) *testBundle {
	tb.Helper()
	b := &testBundle{next: answer}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.got = append(b.got, received{r.Header.Clone(), body})
		b.mu.Unlock()
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if b.next == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		b.next(w)
	}))
	tb.Cleanup(b.srv.Close)
	return b
}

func testMessage() outbound.Message {
	return outbound.Message{
		ID:        "msg_01",
		Type:      "order.created",
		Timestamp: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		Data:      json.RawMessage(`{"id":"ord_1","status":"created","candidate":{"name":"Ada Park","email":"ada@example.org"}}`),
	}
}

func TestDeliver(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	secret := outbound.NewSecret()
	m := testMessage()
	before := time.Now().Unix()
	status, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, []string{secret}, m)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusNoContent {
		t.Fatalf("status=%d, want 204", status)
	}
	got := b.deliveries()
	if len(got) != 1 {
		t.Fatalf("deliveries=%d, want 1", len(got))
	}
	h := got[0].header
	for k, want := range map[string]string{
		"Content-Type": "application/json",
		"User-Agent":   "stagecoach-webhooks",
		"Webhook-Id":   "msg_01",
	} {
		if v := h.Get(k); v != want {
			t.Errorf("%s=%q, want %q", k, v, want)
		}
	}
	ts, err := strconv.ParseInt(h.Get("webhook-timestamp"), 10, 64)
	if err != nil || ts < before || ts > time.Now().Unix() {
		t.Fatalf("webhook-timestamp=%q, want the time of the attempt", h.Get("webhook-timestamp"))
	}
	if string(got[0].body) != string(m.Body()) {
		t.Fatalf("body=%s, want %s", got[0].body, m.Body())
	}

	// The provider's own verifier (independent code) accepts it.
	v, err := provider.NewWebhookVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := v.Verify(h, got[0].body)
	if err != nil {
		t.Fatal(err)
	}
	o, err := msg.Order()
	if err != nil {
		t.Fatal(err)
	}
	if msg.ID != "msg_01" || msg.Type != "order.created" || !msg.Timestamp.Equal(m.Timestamp) || o.ID != "ord_1" || o.Candidate.Name != "Ada Park" {
		t.Fatalf("verified message=%+v, order %+v", msg, o)
	}
}

func TestDeliverRotation(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	oldSecret, newSecret := outbound.NewSecret(), outbound.NewSecret()
	if _, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, []string{newSecret, oldSecret}, testMessage()); err != nil {
		t.Fatal(err)
	}
	d := b.deliveries()[0]
	if n := len(strings.Fields(d.header.Get("webhook-signature"))); n != 2 {
		t.Fatalf("%d signatures, want 2", n)
	}
	for _, s := range []string{oldSecret, newSecret} {
		v, _ := provider.NewWebhookVerifier(s)
		if _, err := v.Verify(d.header, d.body); err != nil {
			t.Fatalf("a receiver with one of the secrets: %v", err)
		}
	}
	v, _ := provider.NewWebhookVerifier(outbound.NewSecret())
	if _, err := v.Verify(d.header, d.body); !errors.Is(err, provider.ErrWebhookSignature) {
		t.Fatalf("a receiver with another secret: %v", err)
	}
}

func TestDeliverRetrySendsTheSameBody(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	secret := outbound.NewSecret()
	for range 2 {
		if _, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, []string{secret}, testMessage()); err != nil {
			t.Fatal(err)
		}
	}
	d := b.deliveries()
	if string(d[0].body) != string(d[1].body) || d[0].header.Get("webhook-id") != d[1].header.Get("webhook-id") {
		t.Fatalf("a retry differs:\n%s %s\n%s %s", d[0].header.Get("webhook-id"), d[0].body, d[1].header.Get("webhook-id"), d[1].body)
	}
}

func TestDeliverFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		status        int
		body          string
		wantPermanent bool
	}{
		{name: "410 Gone is permanent", status: 410, body: "unsubscribed", wantPermanent: true},
		{name: "400 is retried", status: 400, body: "bad"},
		{name: "401 is retried", status: 401, body: "bad signature"},
		{name: "500 is retried", status: 500, body: strings.Repeat("x", 2000)},
		{name: "a redirect is not success", status: 304},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(w http.ResponseWriter) {
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			status, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, []string{outbound.NewSecret()}, testMessage())
			if status != tc.status {
				t.Fatalf("status=%d (%v), want %d", status, err, tc.status)
			}
			var de *outbound.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err=%v, want a *DeliveryError", err)
			}
			if de.Status != tc.status || de.Permanent() != tc.wantPermanent {
				t.Fatalf("DeliveryError=%+v, Permanent=%v", de, de.Permanent())
			}
			want := tc.body
			if len(want) > 512 {
				want = want[:512]
			}
			if de.Body != want {
				t.Fatalf("Body=%q (%d bytes), want %d bytes", de.Body, len(de.Body), len(want))
			}
		})
	}

	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		b := setup(t, func(http.ResponseWriter) {
			panic(http.ErrAbortHandler) // drops the connection
		})
		status, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, []string{outbound.NewSecret()}, testMessage())
		var de *outbound.DeliveryError
		if status != 0 || err == nil || errors.As(err, &de) {
			t.Fatalf("Deliver=%d, %v; want 0 and a transport error", status, err)
		}
	})
	t.Run("a cancelled context", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := outbound.Deliver(ctx, b.srv.Client(), b.srv.URL, []string{outbound.NewSecret()}, testMessage()); !errors.Is(err, context.Canceled) {
			t.Fatalf("err=%v, want context.Canceled", err)
		}
	})
	t.Run("invalid data is not sent", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		m := testMessage()
		m.Data = json.RawMessage(`{"id":`)
		if _, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, []string{outbound.NewSecret()}, m); err == nil {
			t.Fatal("Deliver succeeded")
		}
		if n := len(b.deliveries()); n != 0 {
			t.Fatalf("deliveries=%d, want 0", n)
		}
	})
	t.Run("no secret", func(t *testing.T) {
		t.Parallel()
		b := setup(t, nil)
		if _, err := outbound.Deliver(context.Background(), b.srv.Client(), b.srv.URL, nil, testMessage()); err == nil {
			t.Fatal("Deliver succeeded")
		}
	})
}
