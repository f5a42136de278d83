package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// The Standard Webhooks reference test vector
// (github.com/standard-webhooks/standard-webhooks, libraries/*/webhook_test).
// The expected signature was confirmed independently with Python:
//
//	python3 -c 'import hmac,hashlib,base64
//	k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//	m=b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}"
//	print("v1,"+base64.b64encode(hmac.new(k,m,hashlib.sha256).digest()).decode())'
//
// which prints v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func vectorHeaders(sig string) http.Header {
	h := http.Header{}
	h.Set("webhook-id", vectorMsgID)
	h.Set("webhook-timestamp", strconv.Itoa(vectorTimestamp))
	h.Set("webhook-signature", sig)
	return h
}

func setupVerifier(tb testing.TB, secret string, now time.Time) *WebhookVerifier {
	tb.Helper()
	v, err := NewWebhookVerifier(secret)
	if err != nil {
		tb.Fatal(err)
	}
	v.NowFunc = func() time.Time { return now }
	return v
}

func TestWebhookVerifyKnownAnswer(t *testing.T) {
	t.Parallel()
	v := setupVerifier(t, vectorSecret, time.Unix(vectorTimestamp, 0))
	m, err := v.Verify(vectorHeaders(vectorSignature), []byte(vectorPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.ID, vectorMsgID; got != want {
		t.Fatalf("ID=%q, want %q", got, want)
	}

	t.Run("several signatures, one valid", func(t *testing.T) {
		t.Parallel()
		sigs := "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,abc " + vectorSignature
		if _, err := v.Verify(vectorHeaders(sigs), []byte(vectorPayload)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("without the whsec_ prefix", func(t *testing.T) {
		t.Parallel()
		v := setupVerifier(t, vectorSecret[len("whsec_"):], time.Unix(vectorTimestamp, 0))
		if _, err := v.Verify(vectorHeaders(vectorSignature), []byte(vectorPayload)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestWebhookVerifyRefuses(t *testing.T) {
	t.Parallel()
	now := time.Unix(vectorTimestamp, 0)
	for _, tc := range []struct {
		name    string
		headers func(http.Header)
		body    string
		now     time.Time
		want    error
	}{
		{name: "a changed body", body: `{"test": 2432232315}`, want: ErrWebhookSignature},
		{name: "a changed id", headers: func(h http.Header) { h.Set("webhook-id", "msg_other") }, want: ErrWebhookSignature},
		{name: "a changed timestamp", headers: func(h http.Header) { h.Set("webhook-timestamp", strconv.Itoa(vectorTimestamp+1)) }, want: ErrWebhookSignature},
		{name: "a v2 signature only", headers: func(h http.Header) { h.Set("webhook-signature", "v2"+vectorSignature[2:]) }, want: ErrWebhookSignature},
		{name: "a signature that is not base64", headers: func(h http.Header) { h.Set("webhook-signature", "v1,!!!") }, want: ErrWebhookSignature},
		{name: "no signature", headers: func(h http.Header) { h.Del("webhook-signature") }, want: ErrWebhookMissingHeaders},
		{name: "no id", headers: func(h http.Header) { h.Del("webhook-id") }, want: ErrWebhookMissingHeaders},
		{name: "no timestamp", headers: func(h http.Header) { h.Del("webhook-timestamp") }, want: ErrWebhookMissingHeaders},
		{name: "a timestamp that is not a number", headers: func(h http.Header) { h.Set("webhook-timestamp", "soon") }, want: ErrWebhookTimestamp},
		{name: "too old", now: now.Add(5*time.Minute + time.Second), want: ErrWebhookTimestamp},
		{name: "too new", now: now.Add(-5*time.Minute - time.Second), want: ErrWebhookTimestamp},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			at := now
			if !tc.now.IsZero() {
				at = tc.now
			}
			v := setupVerifier(t, vectorSecret, at)
			h := vectorHeaders(vectorSignature)
			if tc.headers != nil {
				tc.headers(h)
			}
			body := vectorPayload
			if tc.body != "" {
				body = tc.body
			}
			if _, err := v.Verify(h, []byte(body)); !errors.Is(err, tc.want) {
				t.Fatalf("Verify error=%v, want %v", err, tc.want)
			}
		})
	}

	t.Run("within the tolerance", func(t *testing.T) {
		t.Parallel()
		for _, at := range []time.Time{now.Add(5 * time.Minute), now.Add(-5 * time.Minute)} {
			v := setupVerifier(t, vectorSecret, at)
			if _, err := v.Verify(vectorHeaders(vectorSignature), []byte(vectorPayload)); err != nil {
				t.Fatalf("at %v: %v", at.Sub(now), err)
			}
		}
	})
	t.Run("a custom tolerance", func(t *testing.T) {
		t.Parallel()
		v := setupVerifier(t, vectorSecret, now.Add(time.Hour))
		v.Tolerance = 2 * time.Hour
		if _, err := v.Verify(vectorHeaders(vectorSignature), []byte(vectorPayload)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another secret", func(t *testing.T) {
		t.Parallel()
		v := setupVerifier(t, "whsec_"+base64.StdEncoding.EncodeToString([]byte("another key of some length")), now)
		if _, err := v.Verify(vectorHeaders(vectorSignature), []byte(vectorPayload)); !errors.Is(err, ErrWebhookSignature) {
			t.Fatalf("Verify error=%v, want %v", err, ErrWebhookSignature)
		}
	})
}

func TestNewWebhookVerifierBadSecret(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "whsec_", "whsec_not base64!"} {
		if _, err := NewWebhookVerifier(s); err == nil {
			t.Errorf("NewWebhookVerifier(%q) succeeded", s)
		}
	}
}

func TestWebhookMessageOrder(t *testing.T) {
	t.Parallel()
	body := []byte(`{"type":"order.cancelled","timestamp":"2026-03-04T05:06:07Z","data":{"id":"ord_1","status":"cancelled","package":{"id":"go-coding","name":"Go Coding"},"candidate":{"name":"Ada Park","email":"ada@example.org"},"reason":"opportunity_archived","evaluationUrl":null,"result":null}}`)
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	v := setupVerifier(t, vectorSecret, now)
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", testSign(t, vectorSecret, "msg_1", now, body))
	m, err := v.Verify(h, body)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Type, WebhookOrderCancelled; got != want {
		t.Fatalf("Type=%q, want %q", got, want)
	}
	if !m.Timestamp.Equal(now) {
		t.Fatalf("Timestamp=%v, want %v", m.Timestamp, now)
	}
	o, err := m.Order()
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "ord_1" || o.Candidate.Name != "Ada Park" || o.Package.ID != "go-coding" || o.Reason != "opportunity_archived" || o.Result != nil {
		t.Fatalf("Order=%+v", o)
	}
}

// testSign signs as stagecoach does, independently of the verifier.
func testSign(tb testing.TB, secret, id string, ts time.Time, body []byte) string {
	tb.Helper()
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		tb.Fatal(err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
