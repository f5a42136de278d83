package leversandbox

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testKey = "test-key"

// Ids of the demo seed.
var (
	adminID        = seedID("user:super-admin")
	recruiterID    = seedID("user:recruiter-rkhan")
	interviewerID  = seedID("user:interviewer")
	deactivatedID  = seedID("user:deactivated")
	backendPosting = seedID("posting:backend")
	sreposting     = seedID("posting:sre")
	adaOpp         = seedID("opportunity:ada")
	demoFormTpl    = seedID("form-template:demo-assessment")
	interviewTpl   = seedID("feedback-template:interview")
)

func stageID(text string) string { return seedID("stage:" + text) }

// testBundle is what setup hands a test besides the sandbox.
type testBundle struct {
	srv *httptest.Server
	url string
}

// setup starts a demo sandbox behind a real HTTP server, with every
// webhook event group switched on as a Super Admin would. Rate limiting is
// off and webhook retries are quick unless cfg says otherwise.
func setup(t testing.TB, cfg Config) (*Sandbox, *testBundle) {
	t.Helper()
	sb, b := setupGroupsOff(t, cfg)
	groups := map[string]bool{}
	for _, ev := range webhookEvents {
		groups[ev] = true
	}
	b.call(t, "POST", "/_sandbox/webhook-groups", groups, noAuth).must(t, 200)
	return sb, b
}

// setupGroupsOff is setup with the webhook event groups as the account
// has them: a new account's are off, as in Lever.
func setupGroupsOff(t testing.TB, cfg Config) (*Sandbox, *testBundle) {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = testKey
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = -1
	}
	if cfg.WebhookRetryDelays == nil {
		cfg.WebhookRetryDelays = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond}
	}
	sb, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		if err := sb.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		srv.Close()
	})
	return sb, &testBundle{srv: srv, url: srv.URL}
}

func demo(t testing.TB) (*Sandbox, *testBundle) {
	t.Helper()
	return setup(t, Config{Seed: "demo"})
}

type reqOpt func(*http.Request)

func bearer(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func basicKey(key string) reqOpt {
	return func(r *http.Request) { r.SetBasicAuth(key, "") }
}

func noAuth(r *http.Request) { r.Header.Del("Authorization") }

func contentType(ct string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Content-Type", ct) }
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request with the test API key. body is nil, []byte (sent
// as is) or anything else (sent as JSON).
func (b *testBundle) call(t testing.TB, method, path string, body any, opts ...reqOpt) response {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		ct = "application/json"
	}
	req, err := http.NewRequest(method, b.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.SetBasicAuth(testKey, "")
	for _, o := range opts {
		o(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// must checks the status and returns the response.
func (r response) must(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status=%d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

func (r response) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// data returns the object in {"data": {…}}.
func (r response) data(t testing.TB) map[string]any {
	t.Helper()
	d, isObj := r.object(t)["data"].(map[string]any)
	if !isObj {
		t.Fatalf("no data object in %s", r.body)
	}
	return d
}

// list returns the array in {"data": […]}.
func (r response) list(t testing.TB) []map[string]any {
	t.Helper()
	arr, isArr := r.object(t)["data"].([]any)
	if !isArr {
		t.Fatalf("no data array in %s", r.body)
	}
	out := make([]map[string]any, 0, len(arr))
	for _, x := range arr {
		out = append(out, x.(map[string]any))
	}
	return out
}

// errorBody checks a Lever error answer.
func (r response) errorBody(t testing.TB, status int, code string) string {
	t.Helper()
	r.must(t, status)
	m := r.object(t)
	if got := m["code"]; got != code {
		t.Fatalf("code=%v, want %s; body %s", got, code, r.body)
	}
	msg, _ := m["message"].(string)
	if msg == "" {
		t.Fatalf("error without message: %s", r.body)
	}
	return msg
}

func strs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// multipartBody builds a multipart body from fields and files
// (field name → file name → content).
func multipartBody(t testing.TB, fields [][2]string, files []multipartFile) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

type multipartFile struct {
	field, name string
	data        []byte
}

// delivery is a webhook request a receiver got.
type delivered struct {
	header http.Header
	raw    []byte
	env    struct {
		ID          string          `json:"id"`
		Event       string          `json:"event"`
		TriggeredAt int64           `json:"triggeredAt"`
		Token       string          `json:"token"`
		Signature   string          `json:"signature"`
		Data        json.RawMessage `json:"data"`
	}
}

func (d delivered) data(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(d.env.Data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// receiver is a webhook endpoint that answers with the given statuses in
// turn (then 200) and records every request.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []delivered
	arrived  chan struct{}
}

func newReceiver(t testing.TB, statuses ...int) *receiver {
	t.Helper()
	rc := &receiver{statuses: statuses, arrived: make(chan struct{}, 1000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var d delivered
		d.header = r.Header.Clone()
		d.raw, _ = io.ReadAll(r.Body)
		_ = json.Unmarshal(d.raw, &d.env)
		rc.mu.Lock()
		status := http.StatusOK
		if len(rc.got) < len(rc.statuses) {
			status = rc.statuses[len(rc.got)]
		}
		rc.got = append(rc.got, d)
		rc.mu.Unlock()
		rc.arrived <- struct{}{}
		if status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// wait blocks until n requests arrived and returns them.
func (rc *receiver) wait(t testing.TB, n int) []delivered {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		rc.mu.Lock()
		if len(rc.got) >= n {
			out := append([]delivered(nil), rc.got...)
			rc.mu.Unlock()
			return out
		}
		rc.mu.Unlock()
		select {
		case <-rc.arrived:
		case <-deadline:
			rc.mu.Lock()
			defer rc.mu.Unlock()
			t.Fatalf("receiver got %d requests, want %d", len(rc.got), n)
		}
	}
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// verifySignature checks a delivery with crypto/hmac directly, as a
// receiver would: HMAC-SHA256(signatureToken, token + triggeredAt), hex.
func verifySignature(t testing.TB, d delivered, signatureToken string) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(signatureToken))
	mac.Write([]byte(d.env.Token + strconv.FormatInt(d.env.TriggeredAt, 10)))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(d.env.Signature)) {
		t.Fatalf("signature=%s, want %s", d.env.Signature, want)
	}
	if len(d.env.Token) != 48 {
		t.Fatalf("token %q has %d characters, want 48", d.env.Token, len(d.env.Token))
	}
	if ua := d.header.Get("User-Agent"); ua != "Lever-Webhooks" {
		t.Fatalf("User-Agent=%q, want Lever-Webhooks", ua)
	}
	if ct := d.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type=%q", ct)
	}
}

// registerWebhook creates a webhook through the API and returns its id and
// signature token.
func (b *testBundle) registerWebhook(t testing.TB, event, url string, configuration any) (string, string) {
	t.Helper()
	body := map[string]any{"url": url, "event": event}
	if configuration != nil {
		body["configuration"] = configuration
	}
	d := b.call(t, "POST", "/v1/webhooks", body).must(t, http.StatusCreated).data(t)
	cfg := d["configuration"].(map[string]any)
	return d["id"].(string), cfg["signatureToken"].(string)
}

var regexpOffset = regexp.MustCompile(`^0\.\d+\.[0-9a-f-]{36}$`)

// eventually polls cond until it holds or five seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deliveries reads the admin delivery log.
func (b *testBundle) deliveries(t testing.TB, query string) []map[string]any {
	t.Helper()
	return b.call(t, "GET", "/_sandbox/deliveries?"+query, nil, noAuth).must(t, 200).list(t)
}
