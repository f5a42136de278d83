package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/api"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
	"stagecoach/internal/web"
)

// API keys of the seeded providers.
const (
	keyIMocha  = "sc_test_imocha_key"
	keyHireVue = "sc_test_hirevue_key"
	keyLonely  = "sc_test_lonely_key" // a provider with no integrations
)

type testBundle struct {
	db    *store.DB
	api   *api.API
	srv   *httptest.Server
	clock *fakeClock
}

// fakeClock is the store's clock: every read moves it on a second, so rows
// written one after another get distinct, increasing times.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// setup returns an API over a fresh database seeded with three connections
// (acme, globex, initech), three providers (imocha on acme and globex,
// hirevue on acme and initech, lonely on none) and their integrations
// (int_imocha_acme, int_imocha_globex, int_hirevue_acme,
// int_hirevue_initech).
func setup(tb testing.TB) *testBundle {
	tb.Helper()
	db := storetest.Open(tb)
	clock := &fakeClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	db.NowFunc = clock.Now
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{})
	a := api.New(eng, admin.New(db, eng, nil), db, api.Config{})
	srv := httptest.NewServer(a.Handler())
	tb.Cleanup(srv.Close)

	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, id := range []string{"acme", "globex", "initech"} {
			if err := tx.ConnectionCreate(ctx, &domain.Connection{ID: id, Name: id, Environment: "custom", BaseURL: "http://127.0.0.1:1", AuthKind: "api_key"}); err != nil {
				return err
			}
		}
		for _, p := range []*domain.Provider{
			{ID: "imocha", Name: "iMocha", Kind: domain.KindAssessment, APIKeyHash: admin.HashAPIKey(keyIMocha)},
			{ID: "hirevue", Name: "HireVue", Kind: domain.KindVideoInterview, APIKeyHash: admin.HashAPIKey(keyHireVue)},
			{ID: "lonely", Name: "Lonely", Kind: domain.KindAssessment, APIKeyHash: admin.HashAPIKey(keyLonely)},
		} {
			if err := tx.ProviderCreate(ctx, p); err != nil {
				return err
			}
		}
		for _, in := range [][2]string{{"imocha", "acme"}, {"imocha", "globex"}, {"hirevue", "acme"}, {"hirevue", "initech"}} {
			integ := &domain.Integration{ID: "int_" + in[0] + "_" + in[1], ProviderID: in[0], ConnectionID: in[1], Settings: json.RawMessage(`{}`), Enabled: true}
			if err := tx.IntegrationCreate(ctx, integ); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("seed: %v", err)
	}
	return &testBundle{db: db, api: a, srv: srv, clock: clock}
}

// insertOrder stores an order of provider on connection; it returns the
// order as stored.
func (b *testBundle) insertOrder(tb testing.TB, o domain.Order) *domain.Order {
	tb.Helper()
	if o.ID == "" {
		o.ID = domain.NewID("ord")
	}
	if o.IntegrationID == "" {
		o.IntegrationID = "int_" + o.ProviderID + "_" + o.ConnectionID
	}
	if o.OpportunityID == "" {
		o.OpportunityID = "opp_" + o.ID
	}
	if o.PackageID == "" {
		o.PackageID, o.PackageName = "go-coding", "Go Coding"
	}
	if o.Status == "" {
		o.Status = domain.OrderCreated
	}
	if o.Candidate.Name == "" {
		o.Candidate = domain.Candidate{Name: "Ada Park", Email: "ada@example.org"}
	}
	err := b.db.InTx(context.Background(), func(tx *store.Tx) error { return tx.OrderInsert(context.Background(), &o) })
	if err != nil {
		tb.Fatalf("insert order: %v", err)
	}
	return &o
}

// response is an API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// problem decodes the answer as a problem document, failing unless it is
// one with the given status.
func (r response) problem(tb testing.TB, status int) web.Problem {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("status=%d, want %d; body: %s", r.status, status, r.body)
	}
	if got, want := r.header.Get("Content-Type"), "application/problem+json"; got != want {
		tb.Fatalf("Content-Type=%q, want %q", got, want)
	}
	var p web.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		tb.Fatalf("decode problem: %v (%s)", err, r.body)
	}
	if p.Status != status || !strings.HasPrefix(p.Type, "https://stagecoach.dev/problems/") {
		tb.Fatalf("problem=%+v", p)
	}
	return p
}

// decode decodes a 200 answer into v.
func (r response) decode(tb testing.TB, v any) {
	tb.Helper()
	if r.status != http.StatusOK {
		tb.Fatalf("status=%d, want 200; body: %s", r.status, r.body)
	}
	if got, want := r.header.Get("Content-Type"), "application/json"; got != want {
		tb.Fatalf("Content-Type=%q, want %q", got, want)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		tb.Fatalf("decode: %v (%s)", err, r.body)
	}
}

// fieldsOf returns the field names a problem lists.
func fieldsOf(p web.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// call sends a request with the given API key ("" for none) and headers
// (name, value pairs).
func (b *testBundle) call(tb testing.TB, method, path, key string, body any, headers ...string) response {
	tb.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		buf, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// count runs a COUNT(*) query with one argument, written with "?".
func (b *testBundle) count(tb testing.TB, query string, arg any) int {
	tb.Helper()
	if b.db.Dialect() == store.Postgres {
		query = strings.Replace(query, "?", "$1", 1)
	}
	var n int
	if err := b.db.SQL().QueryRow(query, arg).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRoutesAreServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, rt := range b.api.Routes() {
		method, path, ok := strings.Cut(rt, " ")
		if !ok || !strings.HasPrefix(path, "/v1/") {
			t.Fatalf("route %q is not METHOD /v1/…", rt)
		}
		path = strings.NewReplacer("{id}", "none").Replace(path)
		resp := b.call(t, method, path, keyIMocha, nil)
		if resp.status == http.StatusMethodNotAllowed || strings.Contains(string(resp.body), "no route") {
			t.Errorf("%s: not served (%d %s)", rt, resp.status, resp.body)
		}
	}
}

func TestUnmatchedRequestsAnswerProblems(t *testing.T) {
	t.Parallel()
	b := setup(t)
	t.Run("unknown path", func(t *testing.T) {
		b.call(t, "GET", "/v1/nothing-here", keyIMocha, nil).problem(t, http.StatusNotFound)
	})
	t.Run("wrong method", func(t *testing.T) {
		resp := b.call(t, "DELETE", "/v1/me", keyIMocha, nil)
		if resp.status != http.StatusMethodNotAllowed || resp.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("got %d %q: %s", resp.status, resp.header.Get("Content-Type"), resp.body)
		}
		if allow := resp.header.Get("Allow"); !strings.Contains(allow, "GET") {
			t.Fatalf("Allow=%q", allow)
		}
	})
}

func TestOpenAPIIsServedWithoutAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	resp := b.call(t, "GET", "/v1/openapi.json", "", nil)
	var doc map[string]any
	resp.decode(t, &doc)
	if _, ok := doc["paths"]; !ok {
		t.Fatalf("no paths in the document")
	}
}
