package leversandbox

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Ids of the demo seed's other users.
var (
	priyaID = seedID("user:admin")
	lenaID  = seedID("user:limited")
)

// browser is a person at the sandbox's pages: a cookie jar, real HTTP, and
// redirects handed back (so a test sees the 303 of a form post).
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newBrowser(t testing.TB, b *testBundle) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: b.url, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (br *browser) do(req *http.Request) page {
	br.t.Helper()
	resp, err := br.c.Do(req)
	if err != nil {
		br.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location"), header: resp.Header}
}

func (br *browser) get(path string) page {
	br.t.Helper()
	req, err := http.NewRequest("GET", br.base+path, nil)
	if err != nil {
		br.t.Fatal(err)
	}
	return br.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a settings page (starting the session on
// the first visit).
func (br *browser) csrf() string {
	br.t.Helper()
	p := br.get("/settings/users")
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		br.t.Fatalf("no csrf field on the page (status %d)", p.status)
	}
	return m[1]
}

// postRaw sends a form as is.
func (br *browser) postRaw(path string, form url.Values, headers ...string) page {
	br.t.Helper()
	req, err := http.NewRequest("POST", br.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		br.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return br.do(req)
}

// post submits a form with the session's CSRF token, as the page's own
// forms do.
func (br *browser) post(path string, form url.Values) page {
	br.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", br.csrf())
	return br.postRaw(path, form)
}

// submit posts a form and expects the redirect back to the tab; it returns
// the tab as shown next (with its one-time notice).
func (br *browser) submit(path string, form url.Values) page {
	br.t.Helper()
	p := br.post(path, form)
	if p.status != http.StatusSeeOther {
		br.t.Fatalf("POST %s answered %d, want 303; page: %s", path, p.status, flashOf(p.body))
	}
	return br.get(p.location)
}

func (br *browser) signInAs(userID string) {
	br.t.Helper()
	p := br.post("/session/user", url.Values{"user_id": {userID}, "return": {"/settings/users"}})
	if p.status != http.StatusSeeOther {
		br.t.Fatalf("switch user answered %d", p.status)
	}
}

var flashRe = regexp.MustCompile(`(?s)<p class="flash[^"]*" role="status">(.*?)</p>`)

// flashOf returns the page's notice, unescaped.
func flashOf(body string) string {
	if m := flashRe.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

var newKeyRe = regexp.MustCompile(`<code id="new-api-key">([^<]+)</code>`)

// generateKey fills in the API key dialog and returns the key shown once.
func (br *browser) generateKey(name string, permissions ...string) string {
	br.t.Helper()
	p := br.submit("/settings/integrations/api-credentials", url.Values{"name": {name}, "permission": permissions})
	m := newKeyRe.FindStringSubmatch(p.body)
	if m == nil {
		br.t.Fatalf("the new key is not shown: %s", flashOf(p.body))
	}
	return m[1]
}

// approveApp walks the consent screen in the browser: open the authorize
// URL, accept, and return the redirect's query (code or error).
func (br *browser) approveApp(b *testBundle, params url.Values, decision string) url.Values {
	br.t.Helper()
	p := br.get("/oauth/authorize?" + params.Encode())
	if p.status != 200 {
		br.t.Fatalf("consent page answered %d: %s", p.status, p.body)
	}
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		br.t.Fatal("consent page has no csrf field")
	}
	form := url.Values{}
	for k, v := range params {
		form[k] = v
	}
	form.Set("csrf", m[1])
	form.Set("decision", decision)
	res := br.postRaw("/oauth/authorize", form)
	if res.status != http.StatusFound {
		br.t.Fatalf("consent answered %d, want 302: %s", res.status, res.body)
	}
	loc, err := url.Parse(res.location)
	if err != nil {
		br.t.Fatal(err)
	}
	return loc.Query()
}

// oauthApp registers an OAuth client and returns the authorize parameters
// for scopes.
func oauthApp(t testing.TB, b *testBundle, client string, scopes string) url.Values {
	t.Helper()
	b.call(t, "POST", "/_sandbox/oauth/clients", map[string]any{
		"clientId": client, "clientSecret": client + "-secret", "redirectUris": []string{"https://" + client + ".example/lever/callback"},
	}, noAuth).must(t, http.StatusCreated)
	return url.Values{
		"client_id": {client}, "redirect_uri": {"https://" + client + ".example/lever/callback"}, "response_type": {"code"},
		"state": {"st-" + client}, "audience": {b.url + "/v1/"}, "scope": {scopes},
	}
}

// exchange trades a code for tokens.
func exchange(t testing.TB, b *testBundle, client, code string) (access, refresh string) {
	t.Helper()
	status, tok, _ := postForm(t, b.url+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://" + client + ".example/lever/callback"},
		"client_id": {client}, "client_secret": {client + "-secret"},
	})
	if status != 200 {
		t.Fatalf("token exchange answered %d: %v", status, tok)
	}
	access, _ = tok["access_token"].(string)
	refresh, _ = tok["refresh_token"].(string)
	return access, refresh
}

// refreshGrant tries a refresh token and returns the status and error code.
func refreshGrant(t testing.TB, b *testBundle, client, refresh string) (int, string) {
	t.Helper()
	status, body, _ := postForm(t, b.url+"/oauth/token", url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {client}, "client_secret": {client + "-secret"},
	})
	code, _ := body["error"].(string)
	return status, code
}

// webhookIDFor finds the id of the webhook with url in the admin listing.
func webhookIDFor(t testing.TB, b *testBundle, event, url string) string {
	t.Helper()
	for _, g := range b.call(t, "GET", "/_sandbox/webhook-groups", nil, noAuth).must(t, 200).list(t) {
		if g["event"] != event {
			continue
		}
		for _, w := range g["webhooks"].([]any) {
			wh := w.(map[string]any)
			if wh["url"] == url {
				return wh["id"].(string)
			}
		}
	}
	t.Fatalf("no %s webhook for %s", event, url)
	return ""
}

// groupToken reads an event group's signing token from the admin listing.
func groupToken(t testing.TB, b *testBundle, event string) string {
	t.Helper()
	for _, g := range b.call(t, "GET", "/_sandbox/webhook-groups", nil, noAuth).must(t, 200).list(t) {
		if g["event"] == event {
			tok, _ := g["signatureToken"].(string)
			return tok
		}
	}
	t.Fatalf("no group %s", event)
	return ""
}
