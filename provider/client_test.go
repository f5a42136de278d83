package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

const testAPIKey = "sk_test_123"

// recorded is one request the fake stagecoach received.
type recorded struct {
	Method, Path, Query, IdempotencyKey string
	Body                                []byte
}

type testBundle struct {
	server *httptest.Server
	mu     sync.Mutex
	reqs   []recorded
}

func (b *testBundle) requests() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recorded(nil), b.reqs...)
}

// setup starts a fake stagecoach that checks the API key, records every
// request and hands it to h. The client retries without waiting.
func setup(tb testing.TB, h http.HandlerFunc, opts ...Option) (*Client, *testBundle) {
	tb.Helper()
	b := &testBundle{}
	b.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		b.mu.Lock()
		b.reqs = append(b.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Get("Idempotency-Key"), body})
		b.mu.Unlock()
		if got, want := r.Header.Get("Authorization"), "Bearer "+testAPIKey; got != want {
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "missing or wrong API key")
			return
		}
		if got, want := r.Header.Get("User-Agent"), UserAgent; got != want {
			writeProblem(w, http.StatusBadRequest, "invalid", "user agent "+got)
			return
		}
		if len(body) > 0 && r.Header.Get("Content-Type") != "application/json" {
			writeProblem(w, http.StatusBadRequest, "invalid", "content type")
			return
		}
		h(w, r)
	}))
	tb.Cleanup(b.server.Close)
	// The server's own client: closing another test's server cannot
	// break its connections, as it can http.DefaultTransport's.
	opts = append([]Option{WithHTTPClient(b.server.Client())}, opts...)
	c := NewClient(b.server.URL+"/", testAPIKey, opts...)
	c.backoffFunc = func(int) time.Duration { return 0 }
	return c, b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeProblem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Problem{
		Type:   "https://stagecoach.dev/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: detail,
	})
}

func TestClientMe(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, Profile{ID: "imocha", Name: "iMocha", Kind: KindAssessment})
	})
	p, err := c.Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *p, (Profile{ID: "imocha", Name: "iMocha", Kind: KindAssessment}); got != want {
		t.Fatalf("Me=%+v, want %+v", got, want)
	}
	if got := b.requests(); len(got) != 1 || got[0].Method != "GET" || got[0].Path != "/v1/me" {
		t.Fatalf("requests=%+v", got)
	}

	t.Run("a wrong API key", func(t *testing.T) {
		t.Parallel()
		c := NewClient(b.server.URL+"/v1", "wrong", WithHTTPClient(b.server.Client()))
		_, err := c.Me(context.Background())
		var p *Problem
		if !errors.As(err, &p) || p.Status != 401 || p.Code() != CodeUnauthorized {
			t.Fatalf("err=%v, want a 401 problem", err)
		}
	})
}

func TestClientPackages(t *testing.T) {
	t.Parallel()
	var stored []Package
	var mu sync.Mutex
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch r.Method {
		case "PUT":
			var in struct{ Packages []Package }
			_ = json.NewDecoder(r.Body).Decode(&in)
			stored = in.Packages
		}
		writeJSON(w, 200, map[string]any{"data": stored})
	})
	pkgs := []Package{
		{ID: "go-coding", Name: "Go Coding", Kind: PackageAssessment, LeverTag: "Demo: Go Coding"},
		{ID: "kit", Name: "Kit", Kind: PackageInterviewKit},
	}
	got, err := c.PublishPackages(context.Background(), pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != pkgs[0] || got[1] != pkgs[1] {
		t.Fatalf("PublishPackages=%+v", got)
	}
	reqs := b.requests()
	if got, want := string(reqs[0].Body), `{"packages":[{"id":"go-coding","name":"Go Coding","kind":"assessment","leverTag":"Demo: Go Coding"},{"id":"kit","name":"Kit","kind":"interview_kit"}]}`; got != want {
		t.Fatalf("body=%s\nwant %s", got, want)
	}
	listed, err := c.ListPackages(context.Background())
	if err != nil || len(listed) != 2 {
		t.Fatalf("ListPackages=%+v, %v", listed, err)
	}
}
