package lever

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// recorded is one request as the test server saw it.
type recorded struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   []byte
}

// testBundle holds the fake Lever of one test.
type testBundle struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []recorded
}

func (b *testBundle) requests() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recorded(nil), b.got...)
}

// setup starts a server running h (after recording the request) and returns
// a client for it with an API key, no pacing and millisecond backoff.
func setup(tb testing.TB, h http.HandlerFunc, opts ...func(*Config)) (*Client, *testBundle) {
	tb.Helper()
	b := &testBundle{}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.got = append(b.got, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		h(w, r)
	}))
	tb.Cleanup(b.srv.Close)
	cfg := Config{
		Environment: Custom(b.srv.URL),
		APIKey:      "test-key",
		Limiter:     Unlimited(),
		HTTPClient:  b.srv.Client(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	c := mustNew(tb, cfg)
	return c, b
}

func mustNew(tb testing.TB, cfg Config) *Client {
	tb.Helper()
	c, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	c.retryBase, c.retryMax = time.Millisecond, 5*time.Millisecond
	c.rateLimitBase, c.rateLimitMax = time.Millisecond, 5*time.Millisecond
	return c
}

// writeJSON answers with status and v encoded as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeRaw answers with status and a literal JSON body.
func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// leverError answers with Lever's error body.
func leverError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}
