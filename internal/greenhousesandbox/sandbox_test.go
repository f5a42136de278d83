package greenhousesandbox_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/greenhousesandbox"
)

// clock is a test clock the sandbox reads.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	t   *testing.T
	srv *httptest.Server
	clk *clock
}

func start(t *testing.T) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	sb, err := greenhousesandbox.New(greenhousesandbox.Config{Seed: "demo", NowFunc: clk.now, WebhookRetryDelays: []time.Duration{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	return &env{t: t, srv: srv, clk: clk}
}

// do sends a request and returns the status, the headers and the body.
func (e *env) do(method, path, bearer string, body any) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = e.srv.URL + path
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresAt    string `json:"expires_at"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
}

// token posts to /token with the client's Basic credentials and form.
func (e *env) token(client, secret string, form url.Values) (int, tokenResponse) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(client, secret)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	return resp.StatusCode, tr
}

func (e *env) customerToken() string {
	e.t.Helper()
	status, tr := e.token(greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusOK || tr.AccessToken == "" {
		e.t.Fatalf("client credentials: %d %+v", status, tr)
	}
	return tr.AccessToken
}

// partnerTokens runs the authorization-code flow.
func (e *env) partnerTokens() tokenResponse {
	e.t.Helper()
	code := e.authorize()
	status, tr := e.token(greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret,
		url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:9/cb"}})
	if status != http.StatusOK || tr.RefreshToken == "" {
		e.t.Fatalf("authorization code: %d %+v", status, tr)
	}
	return tr
}

func (e *env) authorize() string {
	e.t.Helper()
	c := e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"response_type": {"code"}, "client_id": {greenhousesandbox.PartnerClientID},
		"redirect_uri": {"http://127.0.0.1:9/cb"}, "state": {"st8"}, "scope": {"harvest:applications:list"}}
	resp, err := c.Get(e.srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || loc == nil || loc.Query().Get("state") != "st8" || loc.Query().Get("code") == "" {
		e.t.Fatalf("authorize: %d to %q, want a redirect with the code and the state", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

// TestOAuthClientCredentials: a customer credential gets an hour's access
// token (expires_at, not expires_in) for a chosen sub; the token is refused
// once expired; a partner client may not use the grant, a wrong secret is
// refused.
func TestOAuthClientCredentials(t *testing.T) {
	t.Parallel()
	e := start(t)
	status, tr := e.token(greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret,
		url.Values{"grant_type": {"client_credentials"}, "sub": {"1001"}})
	if status != http.StatusOK || tr.TokenType != "Bearer" || tr.RefreshToken != "" {
		t.Fatalf("token = %d %+v, want a Bearer token without a refresh token", status, tr)
	}
	exp, err := time.Parse(time.RFC3339, tr.ExpiresAt)
	if err != nil || !exp.Equal(e.clk.now().Add(time.Hour)) {
		t.Errorf("expires_at = %q, want an hour from now", tr.ExpiresAt)
	}
	if status, _, body := e.do(http.MethodGet, "/v3/users", tr.AccessToken, nil); status != http.StatusOK {
		t.Fatalf("GET /v3/users with the token: %d %s", status, body)
	}
	e.clk.add(time.Hour)
	if status, _, _ := e.do(http.MethodGet, "/v3/users", tr.AccessToken, nil); status != http.StatusUnauthorized {
		t.Errorf("an expired access token: %d, want 401", status)
	}
	if status, _, _ := e.do(http.MethodGet, "/v3/users", "", nil); status != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", status)
	}
	if status, tr := e.token(greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret, url.Values{"grant_type": {"client_credentials"}}); status != http.StatusBadRequest || tr.Error != "unauthorized_client" {
		t.Errorf("client credentials for the partner client: %d %q, want 400 unauthorized_client", status, tr.Error)
	}
	if status, _ := e.token(greenhousesandbox.CustomerClientID, "wrong", url.Values{"grant_type": {"client_credentials"}}); status != http.StatusUnauthorized {
		t.Errorf("a wrong client secret: %d, want 401", status)
	}
	if status, tr := e.token(greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, url.Values{"grant_type": {"client_credentials"}, "sub": {"99"}}); status != http.StatusBadRequest {
		t.Errorf("an unknown sub: %d %+v, want 400", status, tr)
	}
}

// TestOAuthAuthorizationCode: the code is single-use and lives a minute;
// refresh tokens rotate (each refreshes once) and live 24 hours.
func TestOAuthAuthorizationCode(t *testing.T) {
	t.Parallel()
	e := start(t)
	partner := func(form url.Values) (int, tokenResponse) {
		return e.token(greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret, form)
	}
	code := e.authorize()
	status, first := partner(url.Values{"grant_type": {"authorization_code"}, "code": {code}})
	if status != http.StatusOK || first.RefreshToken == "" {
		t.Fatalf("exchange: %d %+v", status, first)
	}
	if status, tr := partner(url.Values{"grant_type": {"authorization_code"}, "code": {code}}); status != http.StatusBadRequest || tr.Error != "invalid_grant" {
		t.Errorf("the code again: %d %q, want 400 invalid_grant", status, tr.Error)
	}
	late := e.authorize()
	e.clk.add(time.Minute)
	if status, _ := partner(url.Values{"grant_type": {"authorization_code"}, "code": {late}}); status != http.StatusBadRequest {
		t.Errorf("a code a minute old: %d, want 400", status)
	}

	// Query-string parameters are accepted as well as a form body.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/token?grant_type=refresh_token&refresh_token="+url.QueryEscape(first.RefreshToken), nil)
	req.SetBasicAuth(greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var second tokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&second)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh: %d %+v, want a new pair", resp.StatusCode, second)
	}
	if status, tr := partner(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}); status != http.StatusBadRequest || tr.Error != "invalid_grant" {
		t.Errorf("the used refresh token again: %d %q, want 400 invalid_grant", status, tr.Error)
	}
	e.clk.add(24 * time.Hour)
	if status, _ := partner(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}}); status != http.StatusBadRequest {
		t.Errorf("a refresh token 24 hours old: %d, want 400", status)
	}
	if status, _ := e.token(greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}); status != http.StatusBadRequest {
		t.Errorf("authorization code for the customer client: %d, want 400", status)
	}
}

type app struct {
	ID      int64 `json:"id"`
	JobID   int64 `json:"job_id"`
	StageID int64 `json:"stage_id"`
}

// TestCursorPagination: pages follow the Link header's cursor, which must
// be the only query parameter.
func TestCursorPagination(t *testing.T) {
	t.Parallel()
	e := start(t)
	tok := e.customerToken()
	status, h, body := e.do(http.MethodGet, "/v3/applications?per_page=2", tok, nil)
	var page []app
	if status != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page) != 2 {
		t.Fatalf("first page: %d %s", status, body)
	}
	link := h.Get("Link")
	next, ok := strings.CutPrefix(strings.TrimSuffix(link, `>; rel="next"`), "<")
	if !ok || !strings.Contains(next, "cursor=") {
		t.Fatalf("Link = %q, want <…cursor=…>; rel=\"next\"", link)
	}
	status, h, body = e.do(http.MethodGet, next, tok, nil)
	var rest []app
	if status != http.StatusOK || json.Unmarshal(body, &rest) != nil || len(rest) != 1 || rest[0].ID == page[0].ID || h.Get("Link") != "" {
		t.Fatalf("next page: %d %s Link %q, want the third application and no next link", status, body, h.Get("Link"))
	}
	status, _, body = e.do(http.MethodGet, next+"&per_page=2", tok, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "cursor") || !strings.Contains(string(body), "per_page") {
		t.Errorf("a cursor with per_page: %d %s, want 422 naming both", status, body)
	}
	if status, _, _ := e.do(http.MethodGet, "/v3/applications?per_page=501", tok, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("per_page=501: %d, want 422", status)
	}
	if status, _, _ := e.do(http.MethodGet, "/v3/applications?page=2", tok, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("v1's page parameter: %d, want 422", status)
	}
}

// TestMoveGuard: a move names the stage the application is in; a wrong
// from_stage_id is refused and changes nothing.
func TestMoveGuard(t *testing.T) {
	t.Parallel()
	e := start(t)
	tok := e.customerToken()
	_, _, body := e.do(http.MethodGet, "/v3/applications?per_page=1", tok, nil)
	var apps []app
	_ = json.Unmarshal(body, &apps)
	a := apps[0]
	_, _, body = e.do(http.MethodGet, "/v3/job_interview_stages?job_ids="+strconv.FormatInt(a.JobID, 10), tok, nil)
	var stages []struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(body, &stages)
	path := "/v3/applications/" + strconv.FormatInt(a.ID, 10) + "/move"
	status, _, body := e.do(http.MethodPost, path, tok, map[string]any{"from_stage_id": stages[1].ID, "to_stage_id": stages[2].ID})
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "from_stage_id") {
		t.Fatalf("move from the wrong stage: %d %s, want 422 naming from_stage_id", status, body)
	}
	current := func() int64 {
		_, _, body := e.do(http.MethodGet, "/v3/applications?ids="+strconv.FormatInt(a.ID, 10), tok, nil)
		var got []app
		_ = json.Unmarshal(body, &got)
		return got[0].StageID
	}
	if got := current(); got != a.StageID {
		t.Fatalf("after a refused move the stage is %d, want %d", got, a.StageID)
	}
	if status, _, body := e.do(http.MethodPost, path, tok, map[string]any{"from_stage_id": a.StageID, "to_stage_id": stages[2].ID}); status != http.StatusNoContent || len(body) != 0 {
		t.Fatalf("move: %d %s, want 204 with no body", status, body)
	}
	if got := current(); got != stages[2].ID {
		t.Errorf("stage = %d, want %d", got, stages[2].ID)
	}
	if status, _, _ := e.do(http.MethodPost, path, tok, map[string]any{"from_stage_id": a.StageID, "to_stage_id": stages[3].ID}); status != http.StatusUnprocessableEntity {
		t.Errorf("the same move replayed: %d, want 422", status)
	}
}

// TestWebhookSignature: a stage change is delivered to a webhook made
// through the API, signed "sha256 <hex>" over the raw body with the
// webhook's secret key; only partner tokens may use the webhooks API.
func TestWebhookSignature(t *testing.T) {
	t.Parallel()
	e := start(t)
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), b}
	}))
	t.Cleanup(recv.Close)
	hook := map[string]any{"endpoint_url": recv.URL, "name": "stage", "event_action_type": "candidate_stage_change",
		"secret_key": "gh_whsec_7f3a9c2e41b84d6f", "max_attempts": 3}
	if status, _, _ := e.do(http.MethodPost, "/v3/webhooks", e.customerToken(), hook); status != http.StatusForbidden {
		t.Errorf("webhook created with a customer token: %d, want 403", status)
	}
	partner := e.partnerTokens().AccessToken
	if status, _, body := e.do(http.MethodPost, "/v3/webhooks", partner, map[string]any{"endpoint_url": recv.URL, "name": "x", "event_action_type": "interview_created", "secret_key": "k", "max_attempts": 1}); status != http.StatusUnprocessableEntity {
		t.Errorf("an event Greenhouse does not have: %d %s, want 422", status, body)
	}
	if status, _, body := e.do(http.MethodPost, "/v3/webhooks", partner, hook); status != http.StatusCreated || strings.Contains(string(body), "gh_whsec") {
		t.Fatalf("create webhook: %d %s, want 201 without the secret", status, body)
	}
	_, _, body := e.do(http.MethodGet, "/v3/applications?per_page=1", partner, nil)
	var apps []app
	_ = json.Unmarshal(body, &apps)
	if status, _, body := e.do(http.MethodPost, "/_sandbox/applications/"+strconv.FormatInt(apps[0].ID, 10)+"/move", "", map[string]string{"stage": "Assessment"}); status != http.StatusOK {
		t.Fatalf("recruiter move: %d %s", status, body)
	}
	var d delivery
	select {
	case d = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("no delivery")
	}
	m := hmac.New(sha256.New, []byte("gh_whsec_7f3a9c2e41b84d6f"))
	m.Write(d.body)
	if want := "sha256 " + hex.EncodeToString(m.Sum(nil)); d.header.Get("Signature") != want {
		t.Errorf("Signature = %q, want %q", d.header.Get("Signature"), want)
	}
	var env struct {
		Action  string `json:"action"`
		Payload struct {
			Application struct {
				ID           int64 `json:"id"`
				CurrentStage struct {
					Name string `json:"name"`
				} `json:"current_stage"`
			} `json:"application"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(d.body, &env); err != nil || env.Action != "candidate_stage_change" ||
		env.Payload.Application.ID != apps[0].ID || env.Payload.Application.CurrentStage.Name != "Assessment" {
		t.Errorf("delivery = %s, want candidate_stage_change of %d into Assessment", d.body, apps[0].ID)
	}
	if d.header.Get("Greenhouse-Event-ID") == "" {
		t.Errorf("no Greenhouse-Event-ID header")
	}
	// The documented worked example signs the same.
	body = []byte(`{"action":"candidate_stage_change","payload":{"application":{"id":265277,"status":"active","current_stage":{"id":71416,"name":"Assessment \u003cR\u0026D\u003e"},"candidate":{"id":265772}}}}`)
	if got := greenhousesandbox.Sign("gh_whsec_7f3a9c2e41b84d6f", body); got != "sha256 daefb61a7033ff65658acffda0cba0fda6c69448eaa1de32924a4f3097d06060" {
		t.Errorf("Sign(worked example) = %q", got)
	}
}

// TestFaults: an injected 429 carries Retry-After; a write that times out
// after being applied is there when read; a delayed write answers 201 and
// shows only once its delay has passed.
func TestFaults(t *testing.T) {
	t.Parallel()
	e := start(t)
	tok := e.customerToken()
	_, _, body := e.do(http.MethodGet, "/v3/applications?per_page=1", tok, nil)
	var apps []struct {
		ID          int64 `json:"id"`
		CandidateID int64 `json:"candidate_id"`
	}
	_ = json.Unmarshal(body, &apps)
	notes := func() string {
		_, _, b := e.do(http.MethodGet, "/v3/notes?candidate_ids="+strconv.FormatInt(apps[0].CandidateID, 10), tok, nil)
		return string(b)
	}
	faults := func(set map[string]any) {
		if status, _, body := e.do(http.MethodPost, "/_sandbox/faults", "", set); status != http.StatusOK {
			t.Fatalf("faults: %d %s", status, body)
		}
	}
	note := func(text string) map[string]any {
		return map[string]any{"candidate_id": apps[0].CandidateID, "user_id": 1001, "body": text, "visibility": "admin_only"}
	}

	faults(map[string]any{"rate429": 1})
	if status, h, _ := e.do(http.MethodGet, "/v3/users", tok, nil); status != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("rate429: %d Retry-After %q", status, h.Get("Retry-After"))
	}

	faults(map[string]any{"timeoutAfterWriteRate": 1, "paths": []string{"/v3/notes"}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	b, _ := json.Marshal(note("applied, never answered"))
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/v3/notes", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err := e.srv.Client().Do(req)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a write that times out: error %v, want the client's deadline", err)
	}
	if !strings.Contains(notes(), "applied, never answered") {
		t.Errorf("the timed-out write is not applied: %s", notes())
	}

	faults(map[string]any{"delayedWriteRate": 1, "visibleAfterMs": 30000, "paths": []string{"/v3/notes"}})
	if status, _, body := e.do(http.MethodPost, "/v3/notes", tok, note("seen later")); status != http.StatusCreated {
		t.Fatalf("delayed write: %d %s, want 201", status, body)
	}
	if strings.Contains(notes(), "seen later") {
		t.Errorf("a delayed write is visible at once")
	}
	e.clk.add(30 * time.Second)
	if !strings.Contains(notes(), "seen later") {
		t.Errorf("a delayed write is not visible after its delay")
	}
	faults(map[string]any{})
	if status, _, body := e.do(http.MethodPost, "/_sandbox/faults", "", map[string]any{"rate5xx": 2}); status != http.StatusUnprocessableEntity {
		t.Errorf("rate5xx 2: %d %s, want 422", status, body)
	}
}

// TestWriteRefusals: what Harvest refuses comes back as 422 naming the
// field.
func TestWriteRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	tok := e.customerToken()
	_, _, body := e.do(http.MethodGet, "/v3/applications?per_page=1", tok, nil)
	var apps []struct {
		ID          int64 `json:"id"`
		CandidateID int64 `json:"candidate_id"`
	}
	_ = json.Unmarshal(body, &apps)
	cand, appID := apps[0].CandidateID, apps[0].ID
	for _, tc := range []struct {
		path, field string
		body        map[string]any
	}{
		{"/v3/notes", "body", map[string]any{"candidate_id": cand, "user_id": 1001, "body": " ", "visibility": "public"}},
		{"/v3/notes", "user_id", map[string]any{"candidate_id": cand, "body": "x", "visibility": "public"}},
		{"/v3/attachments", "type", map[string]any{"application_id": appID, "filename": "a.pdf", "type": "pdf", "content": "eA=="}},
		{"/v3/attachments", "content", map[string]any{"application_id": appID, "filename": "a.pdf", "type": "other"}},
		{"/v3/custom_fields", "value_type", map[string]any{"name": "Score", "field_type": "candidate", "value_type": "text"}},
		{"/v3/candidates", "last_name", map[string]any{"first_name": "Robin"}},
	} {
		status, _, body := e.do(http.MethodPost, tc.path, tok, tc.body)
		var eb struct {
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		_ = json.Unmarshal(body, &eb)
		if status != http.StatusUnprocessableEntity || len(eb.Errors) == 0 || eb.Errors[0].Field != tc.field {
			t.Errorf("POST %s %v: %d %s, want 422 naming %s", tc.path, tc.body, status, body, tc.field)
		}
	}
}

// TestDisconnect: once a customer disconnects the integration, its access
// tokens are refused and its refresh tokens no longer refresh; a user who
// denies consent is sent back with error=access_denied and the state.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	e := start(t)
	tr := e.partnerTokens()
	if status, _, body := e.do(http.MethodPost, "/_sandbox/disconnect", "", map[string]string{"client_id": greenhousesandbox.PartnerClientID}); status != http.StatusOK {
		t.Fatalf("disconnect: %d %s", status, body)
	}
	if status, _, _ := e.do(http.MethodGet, "/v3/users", tr.AccessToken, nil); status != http.StatusUnauthorized {
		t.Errorf("an access token after disconnect: %d, want 401", status)
	}
	if status, _ := e.token(greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}}); status != http.StatusBadRequest {
		t.Errorf("a refresh after disconnect: %d, want 400", status)
	}

	c := e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"response_type": {"code"}, "client_id": {greenhousesandbox.PartnerClientID}, "redirect_uri": {"http://127.0.0.1:9/cb"}, "state": {"s1"}, "deny": {"1"}}
	resp, err := c.Get(e.srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc == nil || loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "s1" || loc.Query().Get("code") != "" {
		t.Errorf("denied consent: redirect to %q, want error=access_denied with the state and no code", resp.Header.Get("Location"))
	}
	q.Set("redirect_uri", "https://evil.example/cb")
	q.Del("deny")
	resp, err = c.Get(e.srv.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a redirect_uri off loopback: %d, want 400", resp.StatusCode)
	}
}

// TestRateLimit: past the limit in its window a client gets 429 with
// Retry-After; every answer says the limit and what remains.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	sb, err := greenhousesandbox.New(greenhousesandbox.Config{Seed: "demo", RateLimit: 2, RateWindow: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	e := &env{t: t, srv: srv}
	tok := e.customerToken()
	for i, want := range []string{"1", "0"} {
		status, h, _ := e.do(http.MethodGet, "/v3/users", tok, nil)
		if status != http.StatusOK || h.Get("X-RateLimit-Limit") != "2" || h.Get("X-RateLimit-Remaining") != want {
			t.Fatalf("call %d: %d limit %q remaining %q, want 200, 2, %s", i+1, status, h.Get("X-RateLimit-Limit"), h.Get("X-RateLimit-Remaining"), want)
		}
	}
	status, h, _ := e.do(http.MethodGet, "/v3/users", tok, nil)
	if retry, _ := strconv.Atoi(h.Get("Retry-After")); status != http.StatusTooManyRequests || retry < 1 || retry > 60 {
		t.Errorf("the third call in the window: %d Retry-After %q, want 429 and the seconds left", status, h.Get("Retry-After"))
	}
	if _, err := greenhousesandbox.New(greenhousesandbox.Config{RateLimit: -1}); err == nil {
		t.Errorf("a negative RateLimit was accepted")
	}
}
