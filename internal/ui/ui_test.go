package ui_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// startDemo runs a bare demo (sandbox, stagecoach, sample provider, nothing
// connected) on free ports.
func startDemo(t *testing.T) *demo.Env { t.Helper(); return startDemoWith(t, nil) }

// startDemoWith is startDemo with more changes to stagecoach's config.
func startDemoWith(t *testing.T, change func(*app.Config)) *demo.Env {
	t.Helper()
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0", ProviderDelay: 50 * time.Millisecond, DataDir: t.TempDir(), Bare: true}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Engine.ReconcileInterval = -1
		if change != nil {
			change(c)
		}
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) reply {
	b.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = b.base + path
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(data), header: resp.Header}
}

func (b *browser) get(path string) reply { b.t.Helper(); return b.do(http.MethodGet, path, nil, nil) }

var flashRE = regexp.MustCompile(`<div class="flash" role="status">([^<]*)</div>`)

// flash follows the redirect r and returns the flash message the page it
// leads to shows, if any.
func (b *browser) flash(r reply) string {
	b.t.Helper()
	m := flashRE.FindStringSubmatch(b.get(r.location).body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token of the form on a page.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r := b.get(path)
	m := csrfRE.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("GET %s (%d) has no CSRF token:\n%s", path, r.status, r.body)
	}
	return m[1]
}

// post sends a form with the CSRF token of the page at from.
func (b *browser) post(from, path string, form url.Values) reply {
	b.t.Helper()
	form.Set("csrf", b.csrf(from))
	return b.do(http.MethodPost, path, form, nil)
}

const ownerPassword = "correct horse battery"

func createOwner(t *testing.T, b *browser) {
	t.Helper()
	r := b.post("/setup", "/setup", url.Values{"email": {"owner@tool.example"}, "name": {"Owner"}, "password": {ownerPassword}, "password2": {ownerPassword}})
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("create the owner: %d %s\n%s", r.status, r.location, r.body)
	}
}

func login(t *testing.T, b *browser, email, pw string) reply {
	t.Helper()
	return b.post("/login", "/login", url.Values{"email": {email}, "password": {pw}})
}

func TestFirstVisitCreatesTheOwnerOnce(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	if r := b.get("/orders"); r.status != http.StatusSeeOther || r.location != "/setup" {
		t.Fatalf("first visit: %d to %q, want the owner setup", r.status, r.location)
	}
	// A form without the CSRF token is refused.
	if r := b.do(http.MethodPost, "/setup", url.Values{"email": {"x@y.example"}, "password": {ownerPassword}, "password2": {ownerPassword}}, nil); r.status != http.StatusForbidden {
		t.Fatalf("setup without CSRF token: %d", r.status)
	}
	r := b.post("/setup", "/setup", url.Values{"email": {"owner@tool.example"}, "password": {"short"}, "password2": {"short"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "at least 10 characters") {
		t.Fatalf("short password: %d", r.status)
	}
	form := url.Values{"email": {"owner@tool.example"}, "name": {"Owner"}, "password": {ownerPassword}, "password2": {ownerPassword}}
	form.Set("csrf", b.csrf("/setup"))
	r = b.do(http.MethodPost, "/setup", form, nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("create the owner: %d\n%s", r.status, r.body)
	}
	cookie := strings.Join(r.header.Values("Set-Cookie"), "\n")
	for _, want := range []string{"sc_session=", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie lacks %s: %s", want, cookie)
		}
	}
	if r := b.get("/"); r.status != http.StatusOK || !strings.Contains(r.body, "owner@tool.example · admin") {
		t.Fatalf("overview after setup: %d", r.status)
	}
	// Once an owner exists nobody else can claim it.
	other := newBrowser(t, env.UIURL)
	if r := other.get("/setup"); r.status != http.StatusSeeOther || r.location != "/login" {
		t.Fatalf("setup after the owner exists: %d to %q", r.status, r.location)
	}
	pre := other.csrf("/login")
	form.Set("email", "intruder@evil.example")
	form.Set("csrf", pre)
	if r := other.do(http.MethodPost, "/setup", form, nil); r.status != http.StatusConflict {
		t.Fatalf("a second owner: %d", r.status)
	}
	if r := login(t, other, "intruder@evil.example", ownerPassword); r.status != http.StatusUnauthorized {
		t.Fatalf("the refused owner could log in: %d", r.status)
	}
}

// Five wrong passwords slow the account down but do not lock its owner out:
// the right password right away waits (429 with Retry-After), and the right
// password after that delay gets in.
func TestLoginSlowsAnAccountButDoesNotLockItsOwner(t *testing.T) {
	clock := &loginClock{}
	clock.ms.Store(time.Now().Truncate(time.Second).UnixMilli())
	env := startDemoWith(t, func(c *app.Config) { c.UI.NowFunc = clock.Now })
	createOwner(t, newBrowser(t, env.UIURL))
	b := newBrowser(t, env.UIURL)
	for i := 0; i < 5; i++ {
		r := login(t, b, "owner@tool.example", "wrong password "+string(rune('a'+i)))
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "The e-mail or the password is wrong") {
			t.Fatalf("wrong password %d: %d", i, r.status)
		}
	}
	r := login(t, b, "owner@tool.example", ownerPassword)
	if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed logins") {
		t.Fatalf("the right password at once after 5 failures: %d, want 429", r.status)
	}
	wait, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || wait < 1 || wait > 2 {
		t.Fatalf("Retry-After=%q, want 1 or 2 seconds", r.header.Get("Retry-After"))
	}
	clock.Advance(time.Duration(wait) * time.Second)
	if r := login(t, b, "owner@tool.example", ownerPassword); r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("the right password after the delay: %d %s, want in", r.status, r.location)
	}
}

func TestMembersViewAndRetryButDoNotConfigure(t *testing.T) {
	env := startDemo(t)
	admin := newBrowser(t, env.UIURL)
	createOwner(t, admin)
	r := admin.post("/users", "/users", url.Values{"email": {"mo@tool.example"}, "name": {"Mo"}, "role": {"member"}, "password": {"member password 1"}, "password2": {"member password 1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add a member: %d\n%s", r.status, r.body)
	}
	// A dead letter to retry.
	ctx := context.Background()
	db := env.App.DB
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.JobInsert(ctx, store.JobParams{Kind: "no_such_kind", Args: map[string]string{}, RunAt: time.Now().Add(time.Hour)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`UPDATE jobs SET status = 'dead', last_error = 'boom' WHERE kind = 'no_such_kind'`); err != nil {
		t.Fatal(err)
	}

	m := newBrowser(t, env.UIURL)
	if r := login(t, m, "mo@tool.example", "member password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("member login: %d", r.status)
	}
	for _, p := range []string{"/connections", "/providers", "/orders", "/events", "/dead-letters", "/users"} {
		if r := m.get(p); r.status != http.StatusOK {
			t.Errorf("member GET %s: %d", p, r.status)
		}
	}
	if r := m.get("/connections/new"); r.status != http.StatusForbidden {
		t.Errorf("member opens the connect form: %d", r.status)
	}
	r = m.post("/connections", "/connections", url.Values{"id": {"x"}, "environment": {"production"}, "method": {"api_key"}, "apiKey": {"k"}})
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "Only an admin") {
		t.Fatalf("member creates a connection: %d", r.status)
	}
	dead := m.get("/dead-letters")
	id := regexp.MustCompile(`action="/dead-letters/(\d+)/retry"`).FindStringSubmatch(dead.body)
	if id == nil {
		t.Fatalf("no retry button on the dead letters:\n%s", dead.body)
	}
	if r := m.post("/dead-letters", "/dead-letters/"+id[1]+"/retry", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("member retries: %d\n%s", r.status, r.body)
	}
	var status string
	if err := db.SQL().QueryRow(`SELECT status FROM jobs WHERE kind = 'no_such_kind'`).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != domain.JobAvailable && status != domain.JobRunning && status != domain.JobDead {
		t.Fatalf("retried job is %s", status)
	}
	if status == domain.JobDead {
		// It may have run and died again already; its attempt count was reset.
		var attempt int
		_ = db.SQL().QueryRow(`SELECT attempt FROM jobs WHERE kind = 'no_such_kind'`).Scan(&attempt)
		if attempt > 1 {
			t.Fatalf("the retry did not reset the job (attempt %d)", attempt)
		}
	}
}

func TestPostsNeedTheSessionTokenAndThisSite(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	form := url.Values{"email": {"a@b.example"}, "role": {"member"}, "password": {"0123456789"}, "password2": {"0123456789"}}
	if r := b.do(http.MethodPost, "/users", form, nil); r.status != http.StatusForbidden {
		t.Fatalf("POST without the CSRF token: %d", r.status)
	}
	form.Set("csrf", b.csrf("/users"))
	if r := b.do(http.MethodPost, "/users", form, map[string]string{"Origin": "https://evil.example"}); r.status != http.StatusForbidden {
		t.Fatalf("POST from another site: %d", r.status)
	}
	if r := b.do(http.MethodPost, "/users", form, map[string]string{"Origin": env.UIURL}); r.status != http.StatusSeeOther {
		t.Fatalf("POST with the token from this site: %d\n%s", r.status, r.body)
	}
	// Logging out ends the session on the server.
	b.post("/", "/logout", url.Values{})
	if r := b.get("/connections"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("after logout: %d %s", r.status, r.location)
	}
}

// connectByOAuth runs the OAuth flow as the browser would, and returns the
// callback URL Lever sent the browser to.
func connectByOAuth(t *testing.T, env *demo.Env, b *browser, id string) string {
	t.Helper()
	r := b.post("/connections/new", "/connections", url.Values{"id": {id}, "name": {"Acme"}, "environment": {"custom"}, "baseUrl": {env.SandboxURL}, "method": {"oauth"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, env.SandboxURL+"/oauth/authorize?") {
		t.Fatalf("connect by OAuth: %d to %q\n%s", r.status, r.location, r.body)
	}
	au, _ := url.Parse(r.location)
	q := au.Query()
	if q.Get("audience") != env.SandboxURL+"/v1/" || q.Get("client_id") != demo.UIClientID || q.Get("redirect_uri") != env.UIURL+"/connections/oauth/callback" || q.Get("state") == "" {
		t.Fatalf("authorize request: %v", q)
	}
	scopes := strings.Fields(q.Get("scope"))
	for _, want := range engine.LeverScopes(domain.KindAssessment) {
		if !contains(scopes, want) {
			t.Errorf("the authorize request lacks scope %s", want)
		}
	}
	// The Super Admin accepts on Lever's consent page.
	consent := url.Values{}
	for k := range q {
		consent.Set(k, q.Get(k))
	}
	consent.Set("decision", "accept")
	cr := b.do(http.MethodPost, env.SandboxURL+"/oauth/authorize", consent, nil)
	if cr.status != http.StatusFound || !strings.HasPrefix(cr.location, env.UIURL+"/connections/oauth/callback?") {
		t.Fatalf("consent: %d to %q", cr.status, cr.location)
	}
	return cr.location
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestOAuthConnectChecksStateAndSealsTokens(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)

	// A callback whose state this browser never started is refused.
	if r := b.get("/connections/oauth/callback?code=x&state=forged"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "did not start here") {
		t.Fatalf("forged state: %d", r.status)
	}
	callback := connectByOAuth(t, env, b, "acme")
	// Another logged-in session cannot use this browser's state.
	admin2 := newBrowser(t, env.UIURL)
	if r := login(t, admin2, "owner@tool.example", ownerPassword); r.status != http.StatusSeeOther {
		t.Fatal(r.status)
	}
	if r := admin2.get(callback); r.status != http.StatusBadRequest {
		t.Fatalf("another session's callback: %d", r.status)
	}
	// The state went with that attempt: start again in this browser.
	callback = connectByOAuth(t, env, b, "acme")
	r := b.get(callback)
	if r.status != http.StatusSeeOther || r.location != "/connections/acme" {
		t.Fatalf("callback: %d %s\n%s", r.status, r.location, r.body)
	}
	if r := b.get(callback); r.status != http.StatusBadRequest {
		t.Fatalf("a replayed callback: %d", r.status)
	}
	ctx := context.Background()
	var c *domain.Connection
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, "acme"); return }); err != nil {
		t.Fatal(err)
	}
	if c.AuthKind != "oauth" || c.Status != domain.ConnActive || c.Credentials.AccessToken == "" || c.Credentials.RefreshToken == "" || !contains(c.Credentials.Scopes, "offline_access") {
		t.Fatalf("connection: %+v", c)
	}
	// The page says when the token was renewed and by when Lever wants the
	// app authorized again (a year after the consent).
	if page := b.get("/connections/acme"); !strings.Contains(page.body, `id="conn-token"`) ||
		!strings.Contains(page.body, "re-authorize before "+c.Credentials.GrantedAt.AddDate(1, 0, 0).UTC().Format("2006-01-02 15:04:05")) {
		t.Fatal("the OAuth connection's page does not say when the token was renewed and when the authorization ends")
	}
	var raw []byte
	if err := env.App.DB.SQL().QueryRow(`SELECT credentials FROM connections WHERE id = 'acme'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(c.Credentials.AccessToken)) || bytes.Contains(raw, []byte(c.Credentials.RefreshToken)) {
		t.Fatal("the tokens are stored in the clear")
	}
	// The connection works against Lever: its page lists the webhooks to
	// register, and registering them goes through Lever's API.
	if r := b.post("/connections/acme", "/connections/acme/webhooks/register", url.Values{}); r.status != http.StatusSeeOther || r.location != "/connections/acme" || !strings.Contains(b.flash(r), "Registered 3 webhooks") {
		t.Fatalf("register webhooks: %d %s\n%s", r.status, r.location, r.body)
	}
	hooks, err := env.Lever.ListWebhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 3 {
		t.Fatalf("Lever has %d webhooks, want 3", len(hooks))
	}

	// Lever revokes the app; the engine marks the connection broken on the
	// next refused call. Reconnecting by OAuth makes it active again with
	// new tokens.
	if _, err := http.Post(env.SandboxURL+"/_sandbox/oauth/revoke", "application/json", strings.NewReader(`{"clientId":"`+demo.UIClientID+`"}`)); err != nil {
		t.Fatal(err)
	}
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		c.Status, c.StatusReason = domain.ConnBroken, "Lever refused the credentials: revoked"
		return tx.ConnectionUpdate(ctx, c)
	}); err != nil {
		t.Fatal(err)
	}
	if page := b.get("/connections/acme"); !strings.Contains(page.body, "Lever refused the credentials: revoked") || !strings.Contains(page.body, "Reconnect by OAuth") {
		t.Fatal("the broken connection's page does not say why, or offers no reconnect")
	}
	r = b.post("/connections/acme", "/connections/acme/reconnect", url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, env.SandboxURL+"/oauth/authorize?") {
		t.Fatalf("reconnect: %d %s", r.status, r.location)
	}
	au, _ := url.Parse(r.location)
	consent := au.Query()
	consent.Set("decision", "accept")
	cr := b.do(http.MethodPost, env.SandboxURL+"/oauth/authorize", consent, nil)
	if r := b.get(cr.location); r.status != http.StatusSeeOther {
		t.Fatalf("reconnect callback: %d\n%s", r.status, r.body)
	}
	old := c.Credentials.AccessToken
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, "acme"); return }); err != nil {
		t.Fatal(err)
	}
	if c.Status != domain.ConnActive || c.StatusReason != "" || c.Credentials.AccessToken == old {
		t.Fatalf("after reconnecting: %s %q, new token: %v", c.Status, c.StatusReason, c.Credentials.AccessToken != old)
	}

	// Disconnecting deletes the tokens and removes the webhooks.
	if r := b.post("/connections/acme", "/connections/acme/disconnect", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("disconnect: %d", r.status)
	}
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, "acme"); return }); err != nil {
		t.Fatal(err)
	}
	if c.Status != domain.ConnDisconnected || c.Credentials.AccessToken != "" || c.Credentials.RefreshToken != "" {
		t.Fatalf("after disconnect: %s, tokens kept: %v", c.Status, c.Credentials.AccessToken != "")
	}
	if hooks, _ := env.Lever.ListWebhooks(ctx); len(hooks) != 0 {
		t.Fatalf("Lever still has %d webhooks after disconnect", len(hooks))
	}
	if page := b.get("/connections/acme"); !strings.Contains(page.body, "disconnected") {
		t.Fatal("the connection page does not say disconnected")
	}
}

func TestActivateRefusesWhatWouldNotWork(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	// An API-key connection without webhooks.
	r := b.post("/connections/new", "/connections", url.Values{"id": {"acme"}, "environment": {"custom"}, "baseUrl": {env.SandboxURL}, "method": {"api_key"}, "apiKey": {env.SandboxAPIKey}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("connect with an API key: %d\n%s", r.status, r.body)
	}
	// The connection's default perform-as user must be active in Lever.
	if r := b.post("/connections/acme", "/connections/acme", url.Values{"name": {"Acme"}, "performAs": {"dana.ortiz@example.com"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "does not exist") && !strings.Contains(r.body, "deactivated") {
		t.Fatalf("a deactivated perform-as user: %d\n%s", r.status, r.body)
	}
	users := b.get("/connections/acme")
	uid := regexp.MustCompile(`<option value="([^"]+)" >[^<]*&lt;[^&]+&gt;</option>`).FindStringSubmatch(users.body)
	if uid == nil {
		t.Fatalf("no Lever users offered as perform-as:\n%s", users.body)
	}
	if r := b.post("/connections/acme", "/connections/acme", url.Values{"name": {"Acme Inc."}, "performAs": {uid[1]}}); r.status != http.StatusSeeOther {
		t.Fatalf("set the perform-as user: %d\n%s", r.status, r.body)
	}
	var conn *domain.Connection
	if err := env.App.DB.InTx(context.Background(), func(tx *store.Tx) (err error) { conn, err = tx.ConnectionGet(context.Background(), "acme"); return }); err != nil {
		t.Fatal(err)
	}
	if conn.PerformAs != uid[1] || conn.Name != "Acme Inc." {
		t.Fatalf("connection after saving: name %q, perform-as %q", conn.Name, conn.PerformAs)
	}
	r = b.post("/connections/acme", "/connections/acme/integrations", url.Values{"provider": {demo.ProviderID}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/integrations/") {
		t.Fatalf("enable the provider: %d %s", r.status, r.location)
	}
	intPath := strings.SplitN(r.location, "?", 2)[0]
	page := b.get(intPath)
	for _, want := range []string{`name="s.triggerStage"`, ">Assessment Complete<", "Backend Engineer</label>", `name="s.taggedPostings"`, "Default: Demo Assessments Assessment Invited"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the settings form lacks %s", want)
		}
	}
	r = b.post(intPath, intPath, url.Values{"action": {"activate"}, "s.triggerStage": {"Assesment"}, "s.performAs": {"dana.ortiz@example.com"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("activate bad settings: %d", r.status)
	}
	for _, want := range []string{
		"Not activated",
		"The trigger stage &#34;Assesment&#34; is not a stage of this Lever account",
		"dana.ortiz@example.com",
		"deactivated",
		"The Lever webhook candidateStageChange is not set up",
		"does not exist in Lever yet",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the setup check does not say %q", want)
		}
	}
	if !strings.Contains(r.body, "not saved") {
		t.Error("the page does not say the settings with a deactivated perform-as user were not saved")
	}
	// Without the deactivated user the settings are stored, still not active.
	r = b.post(intPath, intPath, url.Values{"action": {"activate"}, "s.triggerStage": {"Assesment"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "The settings are saved") || !strings.Contains(r.body, "is not a stage") {
		t.Fatalf("activate with a missing stage: %d", r.status)
	}
	var in *domain.Integration
	id := strings.TrimPrefix(intPath, "/integrations/")
	ctx := context.Background()
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, id); return }); err != nil {
		t.Fatal(err)
	}
	if in.Enabled {
		t.Fatal("an integration that failed its check was enabled")
	}
	s, _ := engine.ParseSettings(in.Settings)
	if s.TriggerStage != "Assesment" {
		t.Fatalf("the typed settings were not kept: %s", in.Settings)
	}
	// Fixed settings and webhooks: Activate turns it on.
	if r := b.post("/connections/acme", "/connections/acme/webhooks/register", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("register webhooks: %d", r.status)
	}
	r = b.post(intPath, intPath, url.Values{"action": {"activate"}, "s.triggerStage": {"Assessment"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="activate-confirm"`) {
		t.Fatalf("activate good settings, with a candidate already in the stage: %d %s\n%s", r.status, r.location, r.body)
	}
	r = b.post(intPath, intPath, url.Values{"action": {"activate_confirm"}, "include": {"none"}})
	if r.status != http.StatusSeeOther || !strings.Contains(b.flash(r), "Activated") {
		t.Fatalf("activate good settings: %d %s\n%s", r.status, r.location, r.body)
	}
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, id); return }); err != nil {
		t.Fatal(err)
	}
	if !in.Enabled {
		t.Fatal("not enabled after a clean check")
	}
	// Registered but never seen: the check says so, until the Super Admin
	// presses "Verify connection" in Lever's settings.
	if page := b.get(intPath); !strings.Contains(page.body, "candidateStageChange, candidateArchiveChange, candidateDeleted webhook has arrived yet") {
		t.Fatal("the setup check does not say that no webhook has arrived")
	}
	r = b.post("/connections/acme", "/connections/acme/webhooks/check", url.Values{})
	if r.status != http.StatusSeeOther || !strings.Contains(r.location, "check=") {
		t.Fatalf("check webhooks: %d %s", r.status, r.location)
	}
	verifyInLever(t, env.SandboxURL, "/hooks/lever/acme")
	statusURL := "/connections/acme/webhooks/status?" + strings.SplitN(r.location, "?", 2)[1]
	deadline := time.Now().Add(30 * time.Second)
	for {
		var st map[string]struct {
			Arrived bool `json:"arrived"`
		}
		_ = json.Unmarshal([]byte(b.get(statusURL).body), &st)
		if st["candidateStageChange"].Arrived && st["candidateArchiveChange"].Arrived && st["candidateDeleted"].Arrived {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the test deliveries did not arrive: %v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if page := b.get(intPath); strings.Contains(page.body, "has arrived yet") {
		t.Fatal("the setup check still says no webhook arrived after the check")
	}
	var got map[string]any
	_ = json.Unmarshal(in.Settings, &got)
	if got["triggerStage"] != "Assessment" || len(got) != 1 {
		t.Fatalf("stored settings %s, want only the trigger stage (defaults for the rest)", in.Settings)
	}
}

func TestProviderRegistrationAndMapSettings(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	r := b.post("/providers/new", "/providers", url.Values{"id": {"hackajob"}, "name": {"hackajob"}, "kind": {domain.KindSourcing}, "webhookUrl": {"https://tool.example/hooks"}})
	if r.status != http.StatusOK {
		t.Fatalf("register a provider: %d\n%s", r.status, r.body)
	}
	key := regexp.MustCompile(`id="provider-api-key">(sc_[^<]+)<`).FindStringSubmatch(r.body)
	secret := regexp.MustCompile(`id="provider-webhook-secret">([^<]+)<`).FindStringSubmatch(r.body)
	if key == nil || secret == nil {
		t.Fatalf("the API key and webhook secret are not shown:\n%s", r.body)
	}
	// Shown once: the list never shows them again.
	if list := b.get("/providers"); strings.Contains(list.body, key[1]) || strings.Contains(list.body, secret[1]) || !strings.Contains(list.body, "hackajob") {
		t.Fatal("the provider list shows the secrets, or not the provider")
	}
	// The key works against the provider API.
	req, _ := http.NewRequest(http.MethodGet, env.UIURL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+key[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the shown API key: %d", resp.StatusCode)
	}
	if r := b.post("/providers/new", "/providers", url.Values{"id": {"hackajob"}, "name": {"x"}, "kind": {domain.KindSourcing}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "exists already") {
		t.Fatalf("a duplicate provider id: %d", r.status)
	}

	r = b.post("/connections/new", "/connections", url.Values{"id": {"acme"}, "environment": {"custom"}, "baseUrl": {env.SandboxURL}, "method": {"api_key"}, "apiKey": {env.SandboxAPIKey}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("connect: %d", r.status)
	}
	r = b.post("/connections/acme", "/connections/acme/integrations", url.Values{"provider": {"hackajob"}})
	intPath := strings.SplitN(r.location, "?", 2)[0]
	page := b.get(intPath)
	for _, want := range []string{"Provider role → Lever posting", "Provider stage → Lever stage", "Lever stage → provider stage", "Default funnel stage", "Export policy", `name="s.rolePostings.k"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the sourcing form lacks %q", want)
		}
	}
	ctx := context.Background()
	var postingID, stageID string
	for p, err := range env.Lever.ListPostings(ctx, leverPostings()) {
		if err != nil {
			t.Fatal(err)
		}
		postingID = p.ID
		break
	}
	stages, err := env.Lever.ListStages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stageID = stages[1].ID
	form := url.Values{"action": {"save"},
		"s.rolePostings.k": {"role-42", ""}, "s.rolePostings.v": {postingID, ""},
		"s.stageMap.k": {"interviewing", "offer"}, "s.stageMap.v": {stageID, ""},
		"s.exportPolicy": {"all"}, "s.defaultStage": {stages[0].ID}}
	if r := b.post(intPath, intPath, form); r.status != http.StatusSeeOther {
		t.Fatalf("save sourcing settings: %d\n%s", r.status, r.body)
	}
	var in *domain.Integration
	id := strings.TrimPrefix(intPath, "/integrations/")
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, id); return }); err != nil {
		t.Fatal(err)
	}
	s, err := engine.ParseSettings(in.Settings)
	if err != nil {
		t.Fatal(err)
	}
	if s.RolePostings["role-42"] != postingID || len(s.RolePostings) != 1 || s.StageMap["interviewing"] != stageID || len(s.StageMap) != 1 || s.ExportPolicy != "all" || s.DefaultStage != stages[0].ID {
		t.Fatalf("stored settings: %s", in.Settings)
	}
	// A role mapped twice is refused with its name.
	dup := url.Values{"action": {"save"}, "s.rolePostings.k": {"role-42", "role-42"}, "s.rolePostings.v": {postingID, postingID}}
	if r := b.post(intPath, intPath, dup); r.status != http.StatusBadRequest || !strings.Contains(r.body, "is mapped twice") {
		t.Fatalf("a duplicate map key: %d", r.status)
	}
	// The saved values come back selected.
	page = b.get(intPath)
	if !strings.Contains(page.body, `value="role-42"`) || !strings.Contains(page.body, `<option value="all" selected>`) {
		t.Fatal("the saved settings are not shown on the form")
	}
}

func TestSetupCheckSeesWrongEnvironmentAndMissingScopes(t *testing.T) {
	env := startDemo(t)
	ctx := context.Background()
	adm := env.App.Admin
	jwt := func(aud string) string {
		enc := func(v any) string { b, _ := json.Marshal(v); return base64url(b) }
		return enc(map[string]string{"alg": "none"}) + "." + enc(map[string]any{"aud": aud, "scope": "offline_access"}) + ".x"
	}
	add := func(c *domain.Connection) string {
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error { return tx.ConnectionCreate(ctx, c) }); err != nil {
			t.Fatal(err)
		}
		in, err := adm.CreateIntegration(ctx, c.ID, demo.ProviderID, nil)
		if err != nil {
			t.Fatal(err)
		}
		return in.ID
	}
	text := func(fs admin.Findings) string {
		var b strings.Builder
		for _, f := range fs {
			b.WriteString(f.Severity + ": " + f.Message + "\n")
		}
		return b.String()
	}

	// A token from Lever's sandbox on a production connection: said, and
	// never sent to production.
	prod := add(&domain.Connection{ID: "prod", Name: "prod", Environment: "production", AuthKind: "oauth", Status: domain.ConnActive,
		Credentials: domain.Credentials{AccessToken: jwt("https://api.sandbox.lever.co/v1/"), RefreshToken: "r"}})
	fs, err := adm.CheckIntegration(ctx, prod, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fs.OK() || !strings.Contains(text(fs), "issued by Lever's sandbox") || !strings.Contains(text(fs), "points at production") {
		t.Fatalf("sandbox token on production:\n%s", text(fs))
	}

	// An authorization without the scopes the assessment flow needs.
	narrow := add(&domain.Connection{ID: "narrow", Name: "narrow", Environment: "custom", BaseURL: env.SandboxURL, AuthKind: "oauth", Status: domain.ConnActive,
		Credentials: domain.Credentials{AccessToken: jwt(env.SandboxURL + "/v1/"), Scopes: []string{"offline_access", "opportunities:read:admin"}}})
	fs, err = adm.CheckIntegration(ctx, narrow, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"lacks the scope notes:write:admin", "lacks the scope forms:write:admin", "Lever refused the connection's credentials"} {
		if !strings.Contains(text(fs), want) {
			t.Errorf("the check does not say %q:\n%s", want, text(fs))
		}
	}
}

func base64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func leverPostings() lever.ListPostingsParams { return lever.ListPostingsParams{} }

func TestExportsListedWithTimelines(t *testing.T) {
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0",
		SourcingAddr: "127.0.0.1:0", ProviderDelay: time.Hour, SourcingDelay: 100 * time.Millisecond, DataDir: t.TempDir()}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Engine.ReconcileInterval = -1
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	ctx := context.Background()
	var exports []*domain.Export
	deadline := time.Now().Add(60 * time.Second)
	for {
		exports = nil
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
			exports, _, err = tx.ExportList(ctx, store.ExportFilter{Status: domain.ExportExported})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		pseudo := false
		for _, x := range exports {
			pseudo = pseudo || x.Pseudonym != ""
		}
		if len(exports) >= 2 && pseudo {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sample marketplace exported %d candidates in a minute", len(exports))
		}
		time.Sleep(200 * time.Millisecond)
	}
	var named, pseudo *domain.Export
	for _, x := range exports {
		if x.Pseudonym != "" {
			pseudo = x
		} else {
			named = x
		}
	}
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	list := b.get("/exports")
	if list.status != http.StatusOK || !strings.Contains(list.body, named.Profile.Name) || !strings.Contains(list.body, pseudo.Pseudonym+` <span class="muted">(pseudonym)</span>`) {
		t.Fatalf("the exports list lacks the named or the pseudonymous candidate: %d", list.status)
	}
	if found := b.get("/exports?q=" + url.QueryEscape(strings.ToUpper(named.Profile.Name))); !strings.Contains(found.body, `data-export="`+named.ID+`"`) || strings.Contains(found.body, `data-export="`+pseudo.ID+`"`) {
		t.Fatal("searching the name does not find just that export")
	}
	if failed := b.get("/exports?status=failed"); strings.Contains(failed.body, `data-export="`+named.ID+`"`) {
		t.Fatal("the status filter lets an exported candidate through")
	}
	// The counts add up to the rows listed (the marketplace may export more
	// meanwhile, so not to the exports read above).
	n, _ := counts(list.body)
	sum := atoi(n[domain.ExportPending]) + atoi(n[domain.ExportExported]) + atoi(n[domain.ExportFailed]) + atoi(n[domain.ExportDeleted])
	if atoi(n[domain.ExportExported]) < len(exports) || atoi(n[""]) != sum || strings.Count(list.body, "<tr data-export=") != sum {
		t.Errorf("the exports list counts %v for %d rows; %d were exported before", n, strings.Count(list.body, "<tr data-export="), len(exports))
	}
	page := b.get("/exports/" + named.ID)
	for _, want := range []string{"Created the opportunity in Lever", "Sent export.created to ", named.OpportunityID, "open in Lever"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the export page lacks %q", want)
		}
	}
	if pp := b.get("/exports/" + pseudo.ID); !strings.Contains(pp.body, "without identifying data") {
		t.Error("the pseudonymous export's page does not say it carries no identifying data")
	}
}

// addUser has the admin b add a user.
func addUser(t *testing.T, b *browser, email, role, pw string) {
	t.Helper()
	r := b.post("/users", "/users", url.Values{"email": {email}, "name": {email}, "role": {role}, "password": {pw}, "password2": {pw}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add %s as %s: %d\n%s", email, role, r.status, r.body)
	}
}

// userID reads a user's id from the role form on the Users page, as an
// admin sees it.
func userID(t *testing.T, b *browser, email string) string {
	t.Helper()
	r := b.get("/users")
	m := regexp.MustCompile(`<td>` + regexp.QuoteMeta(email) + `</td>[^\n]*\n\s*<form class="inline" method="post" action="/users/([^/"]+)/role"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no role form for %s on the Users page:\n%s", email, r.body)
	}
	return m[1]
}

func TestAdminChangesARoleAndItTakesEffectOnTheNextRequest(t *testing.T) {
	env := startDemo(t)
	owner := newBrowser(t, env.UIURL)
	createOwner(t, owner)
	addUser(t, owner, "ada@tool.example", "admin", "ada password 1")
	addUser(t, owner, "mo@tool.example", "member", "member password 1")
	ada, mo := newBrowser(t, env.UIURL), newBrowser(t, env.UIURL)
	if r := login(t, ada, "ada@tool.example", "ada password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("ada logs in: %d", r.status)
	}
	if r := login(t, mo, "mo@tool.example", "member password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("mo logs in: %d", r.status)
	}
	if r := ada.get("/connections/new"); r.status != http.StatusOK {
		t.Fatalf("admin ada opens the connect form: %d", r.status)
	} else if !strings.Contains(r.body, `<option value="eu"`) {
		t.Fatal("the connect form offers no EU data centre")
	}
	adaID, moID := userID(t, owner, "ada@tool.example"), userID(t, owner, "mo@tool.example")

	r := owner.post("/users", "/users/"+adaID+"/role", url.Values{"role": {"member"}})
	if r.status != http.StatusSeeOther || !strings.Contains(owner.flash(r), "is now member") {
		t.Fatalf("demote ada: %d %s\n%s", r.status, r.location, r.body)
	}
	// Ada's session is the same cookie, and it is a member's now.
	if r := ada.get("/connections/new"); r.status != http.StatusForbidden {
		t.Fatalf("demoted ada opens the connect form: %d, want 403", r.status)
	}
	if r := ada.get("/"); r.status != http.StatusOK || !strings.Contains(r.body, "ada@tool.example · member") {
		t.Fatalf("demoted ada's overview: %d, want her shown as a member", r.status)
	}
	if r := ada.post("/users", "/users", url.Values{"email": {"x@tool.example"}, "role": {"admin"}, "password": {"0123456789"}, "password2": {"0123456789"}}); r.status != http.StatusForbidden {
		t.Fatalf("demoted ada adds a user: %d", r.status)
	}

	r = owner.post("/users", "/users/"+moID+"/role", url.Values{"role": {"admin"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("promote mo: %d\n%s", r.status, r.body)
	}
	if r := mo.get("/connections/new"); r.status != http.StatusOK {
		t.Fatalf("promoted mo opens the connect form: %d, want 200", r.status)
	}
	users := owner.get("/users").body
	for _, want := range []string{`<td>ada@tool.example</td><td>ada@tool.example</td><td><span class="badge">member</span>`, `<td>mo@tool.example</td><td>mo@tool.example</td><td><span class="badge">admin</span>`} {
		if !strings.Contains(users, want) {
			t.Errorf("the Users page lacks %s", want)
		}
	}

	r = owner.post("/users", "/users/"+moID+"/role", url.Values{"role": {"owner"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "The role must be admin or member.") {
		t.Fatalf("an unknown role: %d", r.status)
	}
	if r := owner.post("/users", "/users/usr_nobody/role", url.Values{"role": {"member"}}); r.status != http.StatusNotFound {
		t.Fatalf("an unknown user: %d, want 404", r.status)
	}
}

func TestRemovingAUserLogsThemOut(t *testing.T) {
	env := startDemo(t)
	owner := newBrowser(t, env.UIURL)
	createOwner(t, owner)
	addUser(t, owner, "mo@tool.example", "member", "member password 1")
	mo := newBrowser(t, env.UIURL)
	if r := login(t, mo, "mo@tool.example", "member password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("mo logs in: %d", r.status)
	}
	if r := mo.get("/orders"); r.status != http.StatusOK {
		t.Fatalf("mo sees the orders: %d", r.status)
	}
	moID := userID(t, owner, "mo@tool.example")

	// The remove form keeps the CSRF and origin checks.
	if r := owner.do(http.MethodPost, "/users/"+moID+"/remove", url.Values{}, nil); r.status != http.StatusForbidden {
		t.Fatalf("remove without the CSRF token: %d", r.status)
	}
	if r := owner.do(http.MethodPost, "/users/"+moID+"/remove", url.Values{"csrf": {owner.csrf("/users")}}, map[string]string{"Origin": "https://evil.example"}); r.status != http.StatusForbidden {
		t.Fatalf("remove from another site: %d", r.status)
	}
	if r := mo.get("/orders"); r.status != http.StatusOK {
		t.Fatalf("a refused removal logged mo out: %d", r.status)
	}

	r := owner.post("/users", "/users/"+moID+"/remove", url.Values{})
	if r.status != http.StatusSeeOther || !strings.Contains(owner.flash(r), "removed") {
		t.Fatalf("remove mo: %d %s\n%s", r.status, r.location, r.body)
	}
	if r := mo.get("/orders"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("removed mo's cookie still works: %d %s", r.status, r.location)
	}
	if r := login(t, mo, "mo@tool.example", "member password 1"); r.status != http.StatusUnauthorized {
		t.Fatalf("removed mo logs in again: %d", r.status)
	}
	if strings.Contains(owner.get("/users").body, "mo@tool.example") {
		t.Fatal("removed mo is still listed")
	}
	if r := owner.post("/users", "/users/"+moID+"/remove", url.Values{}); r.status != http.StatusNotFound {
		t.Fatalf("remove mo twice: %d, want 404", r.status)
	}
}

func TestTheLastAdminIsNeitherDemotedNorRemoved(t *testing.T) {
	env := startDemo(t)
	owner := newBrowser(t, env.UIURL)
	createOwner(t, owner)
	addUser(t, owner, "mo@tool.example", "member", "member password 1")
	ownerID := userID(t, owner, "owner@tool.example")

	for _, action := range []string{"role", "remove"} {
		r := owner.post("/users", "/users/"+ownerID+"/"+action, url.Values{"role": {"member"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "owner@tool.example is the last admin: make another user an admin first.") {
			t.Fatalf("%s of the last admin: %d, want 409 with why\n%s", action, r.status, r.body)
		}
	}
	if r := owner.get("/connections/new"); r.status != http.StatusOK {
		t.Fatalf("the last admin lost admin rights: %d", r.status)
	}

	// With a second admin, the owner may step down; then the other is the last.
	addUser(t, owner, "ada@tool.example", "admin", "ada password 1")
	adaID := userID(t, owner, "ada@tool.example")
	if r := owner.post("/users", "/users/"+ownerID+"/role", url.Values{"role": {"member"}}); r.status != http.StatusSeeOther {
		t.Fatalf("the owner steps down beside another admin: %d\n%s", r.status, r.body)
	}
	if r := owner.get("/connections/new"); r.status != http.StatusForbidden {
		t.Fatalf("the owner as a member opens the connect form: %d", r.status)
	}
	ada := newBrowser(t, env.UIURL)
	if r := login(t, ada, "ada@tool.example", "ada password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("ada logs in: %d", r.status)
	}
	if r := ada.post("/users", "/users/"+adaID+"/remove", url.Values{}); r.status != http.StatusConflict || !strings.Contains(r.body, "ada@tool.example is the last admin") {
		t.Fatalf("the last admin removes herself: %d", r.status)
	}
	// An admin who is not the last may remove herself, and is logged out.
	if r := ada.post("/users", "/users/"+ownerID+"/role", url.Values{"role": {"admin"}}); r.status != http.StatusSeeOther {
		t.Fatalf("ada makes the owner an admin again: %d", r.status)
	}
	r := ada.post("/users", "/users/"+adaID+"/remove", url.Values{})
	if r.status != http.StatusSeeOther || r.location != "/login" {
		t.Fatalf("ada removes herself: %d %s", r.status, r.location)
	}
	if r := ada.get("/orders"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
		t.Fatalf("ada's cookie after removing herself: %d %s", r.status, r.location)
	}
}

func TestMembersCannotChangeOrRemoveUsers(t *testing.T) {
	env := startDemo(t)
	owner := newBrowser(t, env.UIURL)
	createOwner(t, owner)
	addUser(t, owner, "mo@tool.example", "member", "member password 1")
	addUser(t, owner, "kim@tool.example", "member", "member password 2")
	ownerID, moID, kimID := userID(t, owner, "owner@tool.example"), userID(t, owner, "mo@tool.example"), userID(t, owner, "kim@tool.example")
	mo := newBrowser(t, env.UIURL)
	if r := login(t, mo, "mo@tool.example", "member password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("mo logs in: %d", r.status)
	}
	if strings.Contains(mo.get("/users").body, "/remove") {
		t.Error("a member is shown the remove buttons")
	}
	for _, c := range []struct{ path, role string }{
		{"/users/" + moID + "/role", "admin"},
		{"/users/" + ownerID + "/role", "member"},
		{"/users/" + ownerID + "/remove", ""},
		{"/users/" + kimID + "/remove", ""},
	} {
		r := mo.post("/users", c.path, url.Values{"role": {c.role}})
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "Only an admin") {
			t.Errorf("member POST %s: %d, want 403", c.path, r.status)
		}
	}
	users := owner.get("/users").body
	for _, want := range []string{`<td>owner@tool.example</td><td>Owner</td><td><span class="badge">admin</span>`, `<td>mo@tool.example</td><td>mo@tool.example</td><td><span class="badge">member</span>`, `<td>kim@tool.example</td>`} {
		if !strings.Contains(users, want) {
			t.Errorf("after the members' attempts the Users page lacks %s", want)
		}
	}
}

// Two admins removing each other at the same moment: one wins, the other is
// refused as the last admin.
func TestTwoAdminsRemovingEachOtherLeaveOne(t *testing.T) {
	env := startDemo(t)
	owner := newBrowser(t, env.UIURL)
	createOwner(t, owner)
	addUser(t, owner, "ada@tool.example", "admin", "ada password 1")
	ownerID, adaID := userID(t, owner, "owner@tool.example"), userID(t, owner, "ada@tool.example")
	ada := newBrowser(t, env.UIURL)
	if r := login(t, ada, "ada@tool.example", "ada password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("ada logs in: %d", r.status)
	}
	reqs := []struct {
		b    *browser
		path string
		form url.Values
	}{
		{owner, "/users/" + adaID + "/remove", url.Values{"csrf": {owner.csrf("/users")}}},
		{ada, "/users/" + ownerID + "/remove", url.Values{"csrf": {ada.csrf("/users")}}},
	}
	// Each reply: 303 to /users (removed the other), 409 (refused as the
	// last admin), 403 (the sender was removed while the request was on its
	// way) or 303 to /login (the sender was removed before it arrived).
	statuses := make(chan string, len(reqs))
	for _, q := range reqs {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, q.b.base+q.path, strings.NewReader(q.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := q.b.c.Do(req)
			if err != nil {
				statuses <- err.Error()
				return
			}
			resp.Body.Close()
			switch loc := resp.Header.Get("Location"); {
			case resp.StatusCode == http.StatusSeeOther && loc == "/users":
				statuses <- "removed"
			case resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(loc, "/login"):
				statuses <- "logged out"
			case resp.StatusCode == http.StatusConflict || resp.StatusCode == http.StatusForbidden:
				statuses <- "refused"
			default:
				statuses <- fmt.Sprintf("%d %s", resp.StatusCode, loc)
			}
		}()
	}
	got := map[string]int{}
	for range reqs {
		got[<-statuses]++
	}
	if got["removed"] != 1 || got["refused"]+got["logged out"] != 1 {
		t.Fatalf("replies %v, want one removal and the other refused or logged out", got)
	}
	var admins int
	if err := env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM ui_users WHERE role = 'admin'`).Scan(&admins); err != nil {
		t.Fatal(err)
	}
	if admins != 1 {
		t.Fatalf("%d admins left, want 1", admins)
	}
}

var occupantRE = regexp.MustCompile(`name="opportunity" value="([^"]+)"`)

// Activate shows how many candidates are already in the trigger stage, and
// who, before anything is sent; the integration is on, and the listed
// candidates are sent to it, only once the operator confirms.
func TestActivateListsCandidatesAlreadyInTheTriggerStage(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	ctx := context.Background()
	if r := b.post("/connections/new", "/connections", url.Values{"id": {"acme"}, "environment": {"custom"}, "baseUrl": {env.SandboxURL}, "method": {"api_key"}, "apiKey": {env.SandboxAPIKey}}); r.status != http.StatusSeeOther {
		t.Fatalf("connect with an API key: %d\n%s", r.status, r.body)
	}
	if r := b.post("/connections/acme", "/connections/acme/webhooks/register", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("register webhooks: %d", r.status)
	}
	r := b.post("/connections/acme", "/connections/acme/integrations", url.Values{"provider": {demo.ProviderID}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("enable the provider: %d %s", r.status, r.location)
	}
	intPath := strings.SplitN(r.location, "?", 2)[0]
	id := strings.TrimPrefix(intPath, "/integrations/")
	// Who sits in Assessment, as Lever has it.
	var inStage []string
	archived := false
	for opp, err := range env.Lever.ListOpportunities(ctx, lever.ListOpportunitiesParams{Archived: &archived, Expand: []string{"stage"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if opp.Stage.Text == "Assessment" {
			inStage = append(inStage, opp.Name)
		}
	}
	if len(inStage) == 0 {
		t.Fatal("the sandbox seed has nobody in Assessment")
	}

	r = b.post(intPath, intPath, url.Values{"action": {"activate"}, "s.triggerStage": {"Assessment"}})
	if r.status != http.StatusOK {
		t.Fatalf("activate: %d %s\n%s", r.status, r.location, r.body)
	}
	if want := fmt.Sprintf("<strong>%d</strong> candidate", len(inStage)); !strings.Contains(r.body, want) {
		t.Errorf("the Activate page does not show the count %q:\n%s", want, r.body)
	}
	for _, name := range inStage {
		if !strings.Contains(r.body, html.EscapeString(name)) {
			t.Errorf("the Activate page does not name %s", name)
		}
	}
	listed := occupantRE.FindAllStringSubmatch(r.body, -1)
	if len(listed) != len(inStage) {
		t.Fatalf("the confirmation lists %d candidates, want %d", len(listed), len(inStage))
	}
	var in *domain.Integration
	get := func() {
		t.Helper()
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, id); return }); err != nil {
			t.Fatal(err)
		}
	}
	get()
	if in.Enabled {
		t.Fatal("the integration is on before the operator confirmed")
	}
	var evs []*domain.LeverEvent
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		evs, err = tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: listed[0][1]})
		return
	}); err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Fatalf("%d events for a listed candidate before the operator confirmed", len(evs))
	}

	form := url.Values{"action": {"activate_confirm"}, "include": {"listed"}}
	for _, m := range listed {
		form.Add("opportunity", m[1])
	}
	r = b.post(intPath, intPath, form)
	flash := b.flash(r)
	if r.status != http.StatusSeeOther || !strings.Contains(flash, "Activated") {
		t.Fatalf("confirm: %d %s\n%s", r.status, r.location, r.body)
	}
	if !strings.Contains(flash, fmt.Sprintf("%d of the %d candidates", len(listed), len(listed))) {
		t.Errorf("the flash after confirming says %q", flash)
	}
	get()
	if !in.Enabled || in.ActivatedAt.IsZero() {
		t.Fatalf("after confirming: enabled %v, activated at %v", in.Enabled, in.ActivatedAt)
	}
	for _, m := range listed {
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
			evs, err = tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: m[1]})
			return
		}); err != nil {
			t.Fatal(err)
		}
		// The order then runs: the provider may already have completed it
		// and moved the candidate on (a webhook event of its own).
		included := slices.DeleteFunc(slices.Clone(evs), func(ev *domain.LeverEvent) bool { return ev.Source != engine.SourceReconcile })
		if len(included) != 1 {
			for _, ev := range evs {
				t.Logf("event %s %s from %s, triggered at %d, dedupe %s", ev.ID, ev.Event, ev.Source, ev.TriggeredAt, ev.DedupeKey)
			}
			t.Errorf("opportunity %s: %d events from the activation, want the one the operator included", m[1], len(included))
		}
	}

	// Moving the trigger stage of the active integration asks the same
	// question about the new stage, and keeps the integration on.
	r = b.post(intPath, intPath, url.Values{"action": {"activate"}, "s.triggerStage": {"New applicant"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, `id="activate-confirm"`) || !strings.Contains(r.body, "Candidates already in New applicant") {
		t.Fatalf("a new trigger stage with candidates in it: %d %s", r.status, r.location)
	}
	get()
	if !in.Enabled || in.TriggerChangedAt.IsZero() {
		t.Fatalf("after moving the trigger stage: enabled %v, trigger changed at %v", in.Enabled, in.TriggerChangedAt)
	}
	if r := b.post(intPath, intPath, url.Values{"action": {"activate_confirm"}, "include": {"none"}}); r.status != http.StatusSeeOther {
		t.Fatalf("new entries only: %d\n%s", r.status, r.body)
	}
}
