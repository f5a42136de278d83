package sampleprovider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/outbound"
	"stagecoach/provider"
)

const (
	testAPIKey   = "sk_test_sample"
	waitTimeout  = 10 * time.Second
	testOrderID  = "ord_01jsample"
	testOrderID2 = "ord_01jother"
)

// reportedEvent is one event the fake stagecoach applied.
type reportedEvent struct {
	OrderID string
	Key     string
	Event   provider.Event
}

// fakeStagecoach is the provider API as far as the sample provider uses it.
// It checks the API key and the idempotency keys, applies the order status
// rules of docs/provider-api.md and answers a repeated key with the first
// answer.
type fakeStagecoach struct {
	tb  testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	packages  []provider.Package
	status    map[string]string  // order id → status
	open      []provider.Order   // what GET /v1/orders lists
	fail      map[string]int     // event type → 503s still to answer
	keys      map[string]string  // idempotency key → body
	attempts  map[string]int     // event type → POSTs received
	listed    []string           // status filters of GET /v1/orders
	applied   chan reportedEvent // every applied event
	published chan struct{}      // closed on the first PUT /v1/packages
}

func newFakeStagecoach(tb testing.TB) *fakeStagecoach {
	tb.Helper()
	f := &fakeStagecoach{
		tb:        tb,
		status:    map[string]string{},
		fail:      map[string]int{},
		keys:      map[string]string{},
		attempts:  map[string]int{},
		applied:   make(chan reportedEvent, 100),
		published: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/packages", f.handlePackages)
	mux.HandleFunc("GET /v1/orders", f.handleOrders)
	mux.HandleFunc("POST /v1/orders/{id}/events", f.handleEvent)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "Bearer "+testAPIKey {
			tb.Errorf("%s %s: Authorization %q", r.Method, r.URL.Path, got)
			problem(w, http.StatusUnauthorized, "unauthorized", "wrong API key")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	tb.Cleanup(f.srv.Close)
	return f
}

func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(provider.Problem{Type: "https://stagecoach.dev/problems/" + code, Title: http.StatusText(status), Status: status, Detail: detail})
}

func (f *fakeStagecoach) handlePackages(w http.ResponseWriter, r *http.Request) {
	var in struct{ Packages []provider.Package }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		problem(w, 400, "invalid", err.Error())
		return
	}
	f.mu.Lock()
	first := f.packages == nil
	f.packages = in.Packages
	f.mu.Unlock()
	if first {
		close(f.published)
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"data": in.Packages})
}

func (f *fakeStagecoach) handleOrders(w http.ResponseWriter, r *http.Request) {
	st := r.URL.Query().Get("status")
	f.mu.Lock()
	f.listed = append(f.listed, st)
	data := []provider.Order{}
	for _, o := range f.open {
		if st == "" || o.Status == st {
			data = append(data, o)
		}
	}
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{"data": data, "nextCursor": nil})
}

// next lists the events each status allows.
var next = map[string][]string{
	provider.StatusCreated: {provider.EventInvited, provider.EventCancelled, provider.EventExpired},
	provider.StatusInvited: {provider.EventStarted, provider.EventCancelled, provider.EventExpired},
	provider.StatusStarted: {provider.EventCompleted, provider.EventCancelled, provider.EventExpired},
}

func (f *fakeStagecoach) handleEvent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, _ := io.ReadAll(r.Body)
	var ev provider.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		problem(w, 400, "invalid", err.Error())
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if want := id + ":" + ev.Type; key != want {
		f.tb.Errorf("Idempotency-Key=%q, want %q", key, want)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts[ev.Type]++
	if f.fail[ev.Type] > 0 {
		f.fail[ev.Type]--
		problem(w, 503, "internal", "try again")
		return
	}
	if prev, ok := f.keys[key]; ok {
		if prev != string(body) {
			problem(w, 409, "conflict", "idempotency key reused with another body")
			return
		}
		_ = json.NewEncoder(w).Encode(provider.Order{ID: id, Status: f.status[id]})
		return
	}
	st, ok := f.status[id]
	if !ok {
		st = provider.StatusCreated
	}
	allowed := false
	for _, t := range next[st] {
		allowed = allowed || t == ev.Type
	}
	if !allowed {
		problem(w, 409, "conflict", ev.Type+": the order is "+st)
		return
	}
	f.keys[key] = string(body)
	f.status[id] = ev.Type
	f.applied <- reportedEvent{OrderID: id, Key: key, Event: ev}
	_ = json.NewEncoder(w).Encode(provider.Order{ID: id, Status: ev.Type})
}

// waitEvent returns the next applied event.
func (f *fakeStagecoach) waitEvent(tb testing.TB) reportedEvent {
	tb.Helper()
	select {
	case e := <-f.applied:
		return e
	case <-time.After(waitTimeout):
		tb.Fatal("no event reported in time")
		return reportedEvent{}
	}
}

type testBundle struct {
	fake   *fakeStagecoach
	secret string
	done   chan string         // order ids whose worker ended
	timers chan chan time.Time // the step waits, when driven by the test
	stop   func() error        // stops Run and returns its error
}

// setupOpts adjusts a test's provider.
type setupOpts struct {
	driveTimers bool // the test fires each step's wait itself
	config      func(*Config)
	fake        func(*fakeStagecoach)
}

// setup runs a sample provider on 127.0.0.1:0 against a fake stagecoach and
// waits until it is ready.
func setup(tb testing.TB, o setupOpts) (*Provider, *testBundle) {
	tb.Helper()
	b := &testBundle{
		fake:   newFakeStagecoach(tb),
		secret: outbound.NewSecret(),
		done:   make(chan string, 10),
		timers: make(chan chan time.Time, 10),
	}
	if o.fake != nil {
		o.fake(b.fake)
	}
	cfg := Config{
		StagecoachURL: b.fake.srv.URL,
		APIKey:        testAPIKey,
		WebhookSecret: b.secret,
		Addr:          "127.0.0.1:0",
		Delay:         time.Millisecond,
		Logger:        testLogger(tb),
	}
	if o.config != nil {
		o.config(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	// Own transports: closing another test's server closes the idle
	// connections of http.DefaultTransport, which can break a request.
	p.client = provider.NewClient(cfg.StagecoachURL, cfg.APIKey, provider.WithHTTPClient(b.fake.srv.Client()))
	p.orderDoneFunc = func(id string) { b.done <- id }
	if o.driveTimers {
		p.afterFunc = func(time.Duration) <-chan time.Time {
			c := make(chan time.Time, 1)
			b.timers <- c
			return c
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	var once sync.Once
	var runErr error
	b.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-ran:
			case <-time.After(waitTimeout):
				runErr = errors.New("Run did not return")
			}
		})
		return runErr
	}
	tb.Cleanup(func() {
		if err := b.stop(); err != nil {
			tb.Errorf("Run: %v", err)
		}
	})
	select {
	case <-p.Ready():
	case err := <-ran:
		tb.Fatalf("Run returned before ready: %v", err)
	case <-time.After(waitTimeout):
		tb.Fatal("not ready in time")
	}
	return p, b
}

// testClient has a transport of its own, which no server's Close touches.
var testClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}

func testLogger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func testOrder(id, pkgID string) provider.Order {
	return provider.Order{
		ID:            id,
		Status:        provider.StatusCreated,
		ConnectionID:  "acme",
		IntegrationID: "int_1",
		Package:       provider.OrderPackage{ID: pkgID, Name: "Go Coding"},
		Candidate:     provider.Candidate{Name: "Ada Park", Email: "ada@example.org"},
		Opportunity:   provider.Opportunity{ID: "opp_1"},
		Posting:       provider.Posting{ID: "post_1", Title: "Backend Engineer"},
		Owner:         provider.Owner{ID: "u_1", Name: "Rae Khan"},
	}
}

func message(tb testing.TB, msgID, typ string, data any) outbound.Message {
	tb.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		tb.Fatal(err)
	}
	return outbound.Message{ID: msgID, Type: typ, Timestamp: time.Now(), Data: raw}
}

// deliver sends m to the provider as stagecoach does, signed with secret.
func deliver(tb testing.TB, p *Provider, secret string, m outbound.Message) (int, error) {
	tb.Helper()
	return outbound.Deliver(context.Background(), testClient, "http://"+p.Addr()+"/webhooks", []string{secret}, m)
}

func mustDeliver(tb testing.TB, p *Provider, b *testBundle, m outbound.Message) {
	tb.Helper()
	if _, err := deliver(tb, p, b.secret, m); err != nil {
		tb.Fatalf("deliver %s: %v", m.Type, err)
	}
}

// fire ends the next step's wait.
func (b *testBundle) fire(tb testing.TB) {
	tb.Helper()
	select {
	case c := <-b.timers:
		c <- time.Now()
	case <-time.After(waitTimeout):
		tb.Fatal("no step is waiting")
	}
}

// waitDone waits for the worker of an order to end.
func (b *testBundle) waitDone(tb testing.TB, orderID string) {
	tb.Helper()
	select {
	case id := <-b.done:
		if id != orderID {
			tb.Fatalf("the worker of %s ended, want %s", id, orderID)
		}
	case <-time.After(waitTimeout):
		tb.Fatalf("the worker of %s did not end", orderID)
	}
}

// getStats reads GET /stats.
func getStats(tb testing.TB, p *Provider) stats {
	tb.Helper()
	var s stats
	body := get(tb, p, "/stats", http.StatusOK)
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		tb.Fatal(err)
	}
	return s
}

func get(tb testing.TB, p *Provider, path string, wantStatus int) string {
	tb.Helper()
	resp, err := testClient.Get("http://" + p.Addr() + path)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantStatus {
		tb.Fatalf("GET %s: %d, want %d: %s", path, resp.StatusCode, wantStatus, body)
	}
	return string(body)
}

// counts formats a counter map as "k=v k=v", keys sorted.
func counts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
