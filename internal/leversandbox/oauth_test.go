package leversandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// noRedirect is a client that hands back redirects instead of following
// them, like a test standing in for the browser.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func postForm(t testing.TB, u string, form url.Values, basic ...string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m, resp.Header
}

// authorize approves (or denies) the consent form and returns the query of
// the redirect back to the client.
func authorize(t testing.TB, b *testBundle, params url.Values, decision, userID string) url.Values {
	t.Helper()
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("decision", decision)
	if userID != "" {
		form.Set("user_id", userID)
	}
	status, _, h := postForm(t, b.url+"/oauth/authorize", form)
	if status != http.StatusFound {
		t.Fatalf("authorize answered %d, want 302", status)
	}
	loc, err := url.Parse(h.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}

func TestOAuthFlow(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	_, b := setup(t, Config{Seed: "demo", NowFunc: func() time.Time { return time.UnixMilli(now.Load()) }})
	b.call(t, "POST", "/_sandbox/oauth/clients", map[string]any{
		"clientId": "acme", "clientSecret": "acme-secret", "redirectUris": []string{"https://acme.example/lever/callback"},
	}, noAuth).must(t, http.StatusCreated)

	params := url.Values{
		"client_id": {"acme"}, "redirect_uri": {"https://acme.example/lever/callback"}, "response_type": {"code"},
		"state": {"xyz123"}, "audience": {b.url + "/v1/"},
		"scope": {"offline_access opportunities:write:admin stages:read:admin"},
	}

	// The consent page lists the scopes and the Super Admin.
	page := b.call(t, "GET", "/oauth/authorize?"+params.Encode(), nil, noAuth).must(t, 200)
	for _, want := range []string{"opportunities:write:admin", "Alex Morgan", `value="accept"`, `value="deny"`} {
		if !strings.Contains(string(page.body), want) {
			t.Fatalf("consent page lacks %q", want)
		}
	}

	q := authorize(t, b, params, "accept", adminID)
	if q.Get("state") != "xyz123" || q.Get("code") == "" {
		t.Fatalf("redirect query=%v", q)
	}
	code := q.Get("code")

	// Exchange the code (client credentials in the form).
	tokenURL := b.url + "/oauth/token"
	exchange := url.Values{"grant_type": {"authorization_code"}, "client_id": {"acme"}, "client_secret": {"acme-secret"},
		"code": {code}, "redirect_uri": {"https://acme.example/lever/callback"}}
	status, tok, h := postForm(t, tokenURL, exchange)
	if status != 200 {
		t.Fatalf("token: %d %v", status, tok)
	}
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(3600) || tok["scope"] != params.Get("scope") || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("token response=%v", tok)
	}
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)
	if strings.Count(access, ".") != 2 {
		t.Fatalf("access token %q is not JWT-shaped", access)
	}

	// The code is single-use.
	if status, body, _ := postForm(t, tokenURL, exchange); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("reused code: %d %v", status, body)
	}

	// Call the API with the token, within and outside its scopes.
	b.call(t, "GET", "/v1/opportunities?limit=1", nil, bearer(access)).must(t, 200)
	b.call(t, "GET", "/v1/users", nil, bearer(access)).errorBody(t, 403, "Forbidden")
	b.call(t, "GET", "/v1/notes", nil, bearer(access)).errorBody(t, 404, "ResourceNotFound")
	b.call(t, "POST", "/v1/webhooks", map[string]string{"url": "https://x.example", "event": "candidateHired"}, bearer(access)).errorBody(t, 403, "Forbidden")
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}, bearer(access)).must(t, 200)
	// perform_as is still required: the token's user is no default for it.
	b.call(t, "POST", "/v1/opportunities", map[string]any{"name": "x"}, bearer(access)).errorBody(t, 400, "BadRequest")

	// Refresh (client credentials by HTTP Basic): the refresh token rotates.
	refreshForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	status, tok2, _ := postForm(t, tokenURL, refreshForm, "acme", "acme-secret")
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, tok2)
	}
	access2, refresh2 := tok2["access_token"].(string), tok2["refresh_token"].(string)
	if refresh2 == "" || refresh2 == refresh || access2 == access {
		t.Fatalf("refresh did not rotate: %v", tok2)
	}
	if status, body, _ := postForm(t, tokenURL, refreshForm, "acme", "acme-secret"); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("old refresh token: %d %v", status, body)
	}
	b.call(t, "GET", "/v1/stages", nil, bearer(access2)).must(t, 200)

	// Access tokens expire after AccessTokenTTL.
	now.Add(time.Hour.Milliseconds())
	b.call(t, "GET", "/v1/stages", nil, bearer(access2)).errorBody(t, 401, "Unauthorized")
	status, tok3, _ := postForm(t, tokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh2},
		"client_id": {"acme"}, "client_secret": {"acme-secret"}})
	if status != 200 {
		t.Fatalf("refresh after expiry: %d %v", status, tok3)
	}
	access3 := tok3["access_token"].(string)
	b.call(t, "GET", "/v1/stages", nil, bearer(access3)).must(t, 200)

	// Revocation ends everything at once.
	rev := b.call(t, "POST", "/_sandbox/oauth/revoke", map[string]string{"clientId": "acme"}, noAuth).must(t, 200).object(t)
	if rev["revokedAccessTokens"].(float64) < 1 || rev["revokedRefreshTokens"] != float64(1) {
		t.Fatalf("revoke=%v", rev)
	}
	b.call(t, "GET", "/v1/stages", nil, bearer(access3)).errorBody(t, 401, "Unauthorized")
	status, body, _ := postForm(t, tokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok3["refresh_token"].(string)},
		"client_id": {"acme"}, "client_secret": {"acme-secret"}})
	if status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("refresh after revoke: %d %v", status, body)
	}
}

func TestOAuthRefusals(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	base := url.Values{
		"client_id": {DemoClientID}, "redirect_uri": {"http://127.0.0.1:45678/oauth/callback"}, "response_type": {"code"},
		"state": {"s1"}, "audience": {b.url + "/v1/"}, "scope": {"opportunities:read:admin"},
	}
	with := func(k, v string) url.Values {
		q := url.Values{}
		for key, vs := range base {
			q[key] = vs
		}
		q.Set(k, v)
		return q
	}

	t.Run("deny", func(t *testing.T) {
		q := authorize(t, b, base, "deny", "")
		if q.Get("error") != "access_denied" || q.Get("state") != "s1" {
			t.Fatalf("query=%v", q)
		}
	})
	t.Run("only a Super Admin can authorize", func(t *testing.T) {
		if q := authorize(t, b, base, "accept", recruiterID); q.Get("error") != "access_denied" {
			t.Fatalf("query=%v", q)
		}
	})
	t.Run("wrong audience and unknown scope go back as errors", func(t *testing.T) {
		if q := authorize(t, b, with("audience", "https://api.lever.co/v1/"), "accept", ""); q.Get("error") != "invalid_request" {
			t.Fatalf("audience: %v", q)
		}
		if q := authorize(t, b, with("scope", "everything"), "accept", ""); q.Get("error") != "invalid_scope" {
			t.Fatalf("scope: %v", q)
		}
	})
	t.Run("unregistered redirect and unknown client are shown, not redirected", func(t *testing.T) {
		b.call(t, "GET", "/oauth/authorize?"+with("redirect_uri", "https://evil.example/cb").Encode(), nil, noAuth).must(t, 400)
		b.call(t, "GET", "/oauth/authorize?"+with("client_id", "nobody").Encode(), nil, noAuth).must(t, 400)
	})
	t.Run("the demo client takes any loopback port; no offline_access, no refresh token", func(t *testing.T) {
		q := authorize(t, b, with("redirect_uri", "http://localhost:9/cb"), "accept", "")
		status, tok, _ := postForm(t, b.url+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
			"redirect_uri": {"http://localhost:9/cb"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}})
		if status != 200 || tok["refresh_token"] != nil {
			t.Fatalf("token: %d %v", status, tok)
		}
	})
	t.Run("redirect_uri must match at the token endpoint", func(t *testing.T) {
		q := authorize(t, b, base, "accept", "")
		status, body, _ := postForm(t, b.url+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")},
			"redirect_uri": {"http://127.0.0.1:1/other"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}})
		if status != 400 || body["error"] != "invalid_grant" {
			t.Fatalf("token: %d %v", status, body)
		}
	})
	t.Run("wrong client secret", func(t *testing.T) {
		status, body, _ := postForm(t, b.url+"/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"v1.x"}}, DemoClientID, "wrong")
		if status != 401 || body["error"] != "invalid_client" {
			t.Fatalf("token: %d %v", status, body)
		}
	})
}

// Lever's refresh tokens expire after a year, or after 90 days unused; the
// sandbox enforces both, with the limits shortened by Config.
func TestOAuthRefreshTokenExpiry(t *testing.T) {
	t.Parallel()
	const day = 24 * time.Hour
	var now atomic.Int64
	now.Store(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	_, b := setup(t, Config{Seed: "demo", RefreshTokenTTL: 30 * day, RefreshTokenIdle: 10 * day,
		NowFunc: func() time.Time { return time.UnixMilli(now.Load()) }})
	b.call(t, "POST", "/_sandbox/oauth/clients", map[string]any{
		"clientId": "acme", "clientSecret": "acme-secret", "redirectUris": []string{"https://acme.example/cb"},
	}, noAuth).must(t, http.StatusCreated)
	tokenURL := b.url + "/oauth/token"
	grant := func() string {
		t.Helper()
		q := authorize(t, b, url.Values{"client_id": {"acme"}, "redirect_uri": {"https://acme.example/cb"}, "response_type": {"code"},
			"state": {"s"}, "audience": {b.url + "/v1/"}, "scope": {"offline_access stages:read:admin"}}, "accept", adminID)
		status, tok, _ := postForm(t, tokenURL, url.Values{"grant_type": {"authorization_code"}, "client_id": {"acme"}, "client_secret": {"acme-secret"},
			"code": {q.Get("code")}, "redirect_uri": {"https://acme.example/cb"}})
		if status != 200 {
			t.Fatalf("token: %d %v", status, tok)
		}
		return tok["refresh_token"].(string)
	}
	refresh := func(rt string) (int, map[string]any) {
		t.Helper()
		status, body, _ := postForm(t, tokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, "acme", "acme-secret")
		return status, body
	}

	// Refreshed within the idle limit, the grant lives until its lifetime
	// ends, counted from the consent: refreshing does not extend it.
	rt := grant()
	for range 3 {
		now.Add((9 * day).Milliseconds())
		status, body := refresh(rt)
		if status != 200 {
			t.Fatalf("refresh within the idle limit: %d %v", status, body)
		}
		rt = body["refresh_token"].(string)
	}
	now.Add((4 * day).Milliseconds()) // day 31
	status, body := refresh(rt)
	if status != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_description"].(string), "older than 720h0m0s") {
		t.Fatalf("refresh after the grant's lifetime: %d %v", status, body)
	}

	// A refresh token unused for longer than the idle limit is refused,
	// and stays refused.
	rt = grant()
	now.Add((10*day + time.Second).Milliseconds())
	status, body = refresh(rt)
	if status != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_description"].(string), "unused for longer than 240h0m0s") {
		t.Fatalf("refresh after the idle limit: %d %v", status, body)
	}
	if status, body = refresh(rt); status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("second try: %d %v", status, body)
	}
}
