package ui_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"stagecoach/internal/app"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// trustLoopbackProxy puts stagecoach behind a proxy on 127.0.0.1, as the
// tests' own requests are.
func trustLoopbackProxy(c *app.Config) {
	p, err := web.ParseProxies("loopback")
	if err != nil {
		panic(err)
	}
	c.TrustProxy = p
}

// The login's next parameter cannot send the browser to another site: the
// tab browsers strip ("/\t/evil.example" is "//evil.example" to them) and
// other tricks give the home page instead.
func TestLoginNextCannotLeaveTheSite(t *testing.T) {
	env := startDemo(t)
	createOwner(t, newBrowser(t, env.UIURL))
	for _, next := range []string{"/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/", "/%2F/evil.example"} {
		b := newBrowser(t, env.UIURL)
		if page := b.get("/login?next=" + url.QueryEscape(next)); strings.Contains(page.body, "evil.example") {
			t.Errorf("next=%q: the login form carries it", next)
		}
		form := url.Values{"email": {"owner@tool.example"}, "password": {ownerPassword}, "next": {next}}
		if r := b.post("/login", "/login", form); r.status != http.StatusSeeOther || r.location != "/" {
			t.Errorf("next=%q: login sent the browser to %q (%d), want /", next, r.location, r.status)
		}
	}
	b := newBrowser(t, env.UIURL)
	form := url.Values{"email": {"owner@tool.example"}, "password": {ownerPassword}, "next": {"/orders?status=failed"}}
	if r := b.post("/login", "/login", form); r.status != http.StatusSeeOther || r.location != "/orders?status=failed" {
		t.Errorf("a local next: %d %q", r.status, r.location)
	}
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// endless is a large body a client streams without declaring its length.
type endless struct{ n, size int }

func (e *endless) Read(p []byte) (int, error) {
	if e.n >= e.size {
		return 0, io.EOF
	}
	k := min(len(p), e.size-e.n)
	for i := range p[:k] {
		p[i] = 'a'
	}
	e.n += k
	return k, nil
}

// Anyone can post to /login with a CSRF cookie of their own making. A large
// body is refused with 413 (declared or streamed) and multipart with 415,
// before the handler parses anything, so unauthenticated posts cannot make
// the process grow.
func TestUIRefusesLargeAndMultipartBodies(t *testing.T) {
	env := startDemo(t)
	createOwner(t, newBrowser(t, env.UIURL))
	const csrf = "0123456789abcdef0123456789abcdef0123456789ab"
	post := func(body io.Reader, length int64, contentType string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, env.UIURL+"/login", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = length
		req.Header.Set("Content-Type", contentType)
		req.AddCookie(&http.Cookie{Name: "sc_csrf", Value: csrf})
		resp, err := noRedirects.Do(req)
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(&endless{size: 40 << 20}, -1, "application/x-www-form-urlencoded"); got != http.StatusRequestEntityTooLarge {
		t.Errorf("40 MB streamed: %d, want 413", got)
	}
	if got := post(&endless{size: 40 << 20}, 40<<20, "application/x-www-form-urlencoded"); got != http.StatusRequestEntityTooLarge {
		t.Errorf("40 MB declared: %d, want 413", got)
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("csrf", csrf)
	_ = mw.WriteField("email", "owner@tool.example")
	_ = mw.WriteField("password", ownerPassword)
	_ = mw.Close()
	if got := post(&mp, int64(mp.Len()), mw.FormDataContentType()); got != http.StatusUnsupportedMediaType {
		t.Errorf("multipart login: %d, want 415", got)
	}
	// A form of ordinary size still works.
	form := url.Values{"csrf": {csrf}, "email": {"owner@tool.example"}, "password": {ownerPassword}}
	if got := post(strings.NewReader(form.Encode()), -1, "application/x-www-form-urlencoded"); got != http.StatusSeeOther {
		t.Errorf("a normal login: %d, want 303", got)
	}
}

// bcrypt uses only 72 bytes of a password: a longer one is refused with a
// clear message when it is set (first visit, new user), and a long one at
// the login is a wrong password, not a server error.
func TestPasswordsOver72BytesAreRefused(t *testing.T) {
	env := startDemo(t)
	long := strings.Repeat("é", 37) // 74 bytes, 37 characters
	b := newBrowser(t, env.UIURL)
	r := b.post("/setup", "/setup", url.Values{"email": {"owner@tool.example"}, "name": {"Owner"}, "password": {long}, "password2": {long}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "too long: at most 72 bytes") {
		t.Fatalf("setup with a 74-byte password: %d\n%s", r.status, r.body)
	}
	createOwner(t, b)
	r = b.post("/users", "/users", url.Values{"email": {"ada@tool.example"}, "name": {"Ada"}, "role": {"member"}, "password": {long}, "password2": {long}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "too long: at most 72 bytes") {
		t.Fatalf("a new user with a 74-byte password: %d\n%s", r.status, r.body)
	}
	if r := login(t, newBrowser(t, env.UIURL), "owner@tool.example", ownerPassword+strings.Repeat("x", 100)); r.status != http.StatusUnauthorized {
		t.Fatalf("login with a 121-byte password: %d, want 401", r.status)
	}
}

func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// With an https public URL, or behind a trusted TLS-terminating proxy,
// cookies (the pre-login CSRF cookie too) are Secure; an https public URL
// also brings HSTS. A proxy's headers from an untrusted peer change
// nothing.
func TestCookiesAreSecureBehindTLS(t *testing.T) {
	get := func(env string, headers map[string]string) http.Header {
		t.Helper()
		return newBrowser(t, env).do(http.MethodGet, "/setup", nil, headers).header
	}
	public := startDemoWith(t, func(c *app.Config) { c.PublicURL = "https://sc.example" })
	h := get(public.UIURL, nil)
	if c := cookieNamed(h, "sc_csrf"); c == nil || !c.Secure {
		t.Errorf("https public URL: pre-login CSRF cookie %v, want Secure", c)
	}
	if got := h.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Errorf("https public URL: Strict-Transport-Security=%q", got)
	}

	proxied := startDemoWith(t, trustLoopbackProxy)
	if c := cookieNamed(get(proxied.UIURL, map[string]string{"X-Forwarded-Proto": "https"}), "sc_csrf"); c == nil || !c.Secure {
		t.Errorf("trusted proxy, X-Forwarded-Proto https: cookie %v, want Secure", c)
	}
	if c := cookieNamed(get(proxied.UIURL, nil), "sc_csrf"); c == nil || c.Secure {
		t.Errorf("trusted proxy, plain http: cookie %v, want not Secure", c)
	}

	direct := startDemo(t)
	h = get(direct.UIURL, map[string]string{"X-Forwarded-Proto": "https"})
	if c := cookieNamed(h, "sc_csrf"); c == nil || c.Secure {
		t.Errorf("no trusted proxy: X-Forwarded-Proto was believed: cookie %v", c)
	}
	if got := h.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("http: Strict-Transport-Security=%q", got)
	}
}

// Behind a trusted proxy the OAuth redirect URI and the webhook URL take the
// scheme and host the browser used (X-Forwarded-Proto/-Host), so they match
// what is registered with Lever; from an untrusted peer those headers are
// ignored.
func TestPublicURLsFollowATrustedProxy(t *testing.T) {
	fwd := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sc.example"}
	proxied := startDemoWith(t, trustLoopbackProxy)
	b := newBrowser(t, proxied.UIURL)
	createOwner(t, b)
	if page := b.do(http.MethodGet, "/connections/new", nil, fwd); !strings.Contains(page.body, "https://sc.example/connections/oauth/callback") {
		t.Errorf("trusted proxy: the connect page does not give https://sc.example/connections/oauth/callback as the redirect URI")
	}
	// Registering webhooks through the proxy gives Lever the https URL.
	r := b.post("/connections/new", "/connections", url.Values{"id": {"acme"}, "environment": {"custom"}, "baseUrl": {proxied.SandboxURL}, "method": {"api_key"}, "apiKey": {proxied.SandboxAPIKey}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("connect by API key: %d\n%s", r.status, r.body)
	}
	form := url.Values{"csrf": {b.csrf("/connections/acme")}}
	if r := b.do(http.MethodPost, "/connections/acme/webhooks/register", form, fwd); r.status != http.StatusSeeOther {
		t.Fatalf("register webhooks behind the proxy: %d\n%s", r.status, r.body)
	}
	hooks, err := proxied.Lever.ListWebhooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) == 0 {
		t.Fatal("no webhook registered")
	}
	for _, h := range hooks {
		if h.URL != "https://sc.example/hooks/lever/acme" {
			t.Errorf("Lever webhook %s -> %s, want https://sc.example/hooks/lever/acme", h.Event, h.URL)
		}
	}

	direct := startDemo(t)
	b = newBrowser(t, direct.UIURL)
	createOwner(t, b)
	page := b.do(http.MethodGet, "/connections/new", nil, fwd)
	if strings.Contains(page.body, "sc.example") || !strings.Contains(page.body, direct.UIURL+"/connections/oauth/callback") {
		t.Errorf("no trusted proxy: the forwarded host was believed")
	}
}

// A production connection's webhooks need an https public URL (Lever
// delivers to https only): over plain http with no --public-url the UI
// refuses with a message naming the flag, and nothing is registered.
func TestWebhooksForProductionNeedAnHTTPSPublicURL(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	r := b.post("/connections/new", "/connections", url.Values{"id": {"prod"}, "environment": {"production"}, "method": {"api_key"}, "apiKey": {"not-a-real-key"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("connect production by API key: %d\n%s", r.status, r.body)
	}
	r = b.post("/connections/prod", "/connections/prod/webhooks/register", url.Values{})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "--public-url") || !strings.Contains(r.body, "https") {
		t.Fatalf("register over http: %d, want 400 naming --public-url\n%s", r.status, r.body)
	}
	if err := env.App.DB.InTx(context.Background(), func(tx *store.Tx) error {
		hs, err := tx.ConnectionWebhookList(context.Background(), "prod")
		if len(hs) != 0 {
			t.Errorf("%d webhooks stored, want none", len(hs))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// A flash message comes from the session, never from the URL: a crafted
// ?flash= shows nothing, and a real one shows once.
func TestFlashComesFromTheSessionNotTheURL(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	const lure = "Your session expired: log in again at evil.example"
	for _, p := range []string{"/", "/users", "/login"} {
		if page := b.get(p + "?flash=" + url.QueryEscape(lure)); strings.Contains(page.body, "evil.example") {
			t.Errorf("GET %s?flash=… shows the text from the URL", p)
		}
	}
	r := b.post("/users", "/users", url.Values{"email": {"ada@tool.example"}, "name": {"Ada"}, "role": {"member"}, "password": {ownerPassword}, "password2": {ownerPassword}})
	if r.status != http.StatusSeeOther || r.location != "/users" {
		t.Fatalf("add a user: %d %s", r.status, r.location)
	}
	if got := b.flash(r); !strings.Contains(got, "User ada@tool.example added") {
		t.Errorf("flash after adding a user: %q", got)
	}
	if got := b.flash(r); got != "" {
		t.Errorf("the flash showed twice: %q", got)
	}
}

// Behind a trusted proxy every user arrives from the proxy's address: the
// client address comes from X-Forwarded-For (its right-most untrusted hop,
// so a client cannot pick its own), one address that fails too often gets
// 429 with Retry-After, and others still log in.
func TestLoginThrottlesByClientAddressBehindAProxy(t *testing.T) {
	env := startDemoWith(t, trustLoopbackProxy)
	createOwner(t, newBrowser(t, env.UIURL))
	attacker := newBrowser(t, env.UIURL)
	from := func(xff string) map[string]string { return map[string]string{"X-Forwarded-For": xff} }
	try := func(b *browser, xff, email, pw string) reply {
		t.Helper()
		form := url.Values{"csrf": {b.csrf("/login")}, "email": {email}, "password": {pw}}
		return b.do(http.MethodPost, "/login", form, from(xff))
	}
	for i := 0; i < 20; i++ {
		// The client writes the left hops; the proxy appends the real one.
		xff := strconv.Itoa(i) + ".1.1.1, 203.0.113.7"
		if r := try(attacker, xff, "nobody"+strconv.Itoa(i)+"@tool.example", "wrong password"); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, r.status)
		}
	}
	r := try(attacker, "198.51.100.2, 203.0.113.7", "someone@tool.example", "wrong password")
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("the 21st failure from one address: %d, want 429", r.status)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 60 {
		t.Errorf("Retry-After=%q, want the rest of the window", r.header.Get("Retry-After"))
	}
	owner := newBrowser(t, env.UIURL)
	if r := try(owner, "198.51.100.2", "owner@tool.example", ownerPassword); r.status != http.StatusSeeOther {
		t.Errorf("the owner from another address: %d, want in", r.status)
	}
}
