package ui_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// startClockDemo runs a bare demo whose store runs on a clock the test
// moves (what a rotated key's grace is measured by), and creates the owner.
func startClockDemo(t *testing.T) (*demo.Env, *loginClock, *browser) {
	t.Helper()
	clock := &loginClock{}
	clock.ms.Store(time.Now().Truncate(time.Second).UnixMilli())
	env := startDemoWith(t, func(c *app.Config) { c.NowFunc = clock.Now })
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	return env, clock, b
}

// apiStatus calls GET /v1/me with key and returns the status.
func apiStatus(t *testing.T, env *demo.Env, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.UIURL+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var newSecretRE = regexp.MustCompile(`id="provider-new-secret">([^<]+)<`)

// registerProvider registers a provider without a webhook URL through the
// UI and returns its API key and webhook secret.
func registerProvider(t *testing.T, b *browser, id string) (key, secret string) {
	t.Helper()
	r := b.post("/providers/new", "/providers", url.Values{"id": {id}, "name": {"Acme"}, "kind": {"assessment"}})
	k := regexp.MustCompile(`id="provider-api-key">(sc_[^<]+)<`).FindStringSubmatch(r.body)
	s := regexp.MustCompile(`id="provider-webhook-secret">([^<]+)<`).FindStringSubmatch(r.body)
	if r.status != http.StatusOK || k == nil || s == nil {
		t.Fatalf("register %s: %d\n%s", id, r.status, r.body)
	}
	return html.UnescapeString(k[1]), html.UnescapeString(s[1])
}

func TestProviderPageEditsAndRotatesTheKeyWithAGrace(t *testing.T) {
	env, clock, b := startClockDemo(t)
	oldKey, _ := registerProvider(t, b, "acme")

	if list := b.get("/providers"); !strings.Contains(list.body, `href="/providers/acme"`) {
		t.Fatalf("the provider list does not link to the provider:\n%s", list.body)
	}
	p := b.get("/providers/acme")
	if p.status != http.StatusOK || !strings.Contains(p.body, "Webhook deliveries") || !strings.Contains(p.body, "No connection uses it yet") {
		t.Fatalf("GET /providers/acme: %d\n%s", p.status, p.body)
	}
	if r := b.get("/providers/nope"); r.status != http.StatusNotFound {
		t.Fatalf("GET /providers/nope: %d, want 404", r.status)
	}

	// The webhook URL the register form left empty is set later, and a
	// wrong one is refused with what is wrong.
	r := b.post("/providers/acme", "/providers/acme", url.Values{"name": {"Acme Assess"}, "webhookUrl": {"ftp://tool.example/hooks"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "webhookUrl must be an http(s) URL") {
		t.Fatalf("a bad webhook URL: %d\n%s", r.status, r.body)
	}
	r = b.post("/providers/acme", "/providers/acme", url.Values{"name": {"Acme Assess"}, "webhookUrl": {"https://tool.example/hooks"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("edit: %d\n%s", r.status, r.body)
	}
	if f := b.flash(r); !strings.Contains(f, "webhook URL (none) → https://tool.example/hooks") || !strings.Contains(f, "“Acme” → “Acme Assess”") {
		t.Fatalf("edit flash %q", f)
	}
	ctx := context.Background()
	var got *struct{ name, hook string }
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.ProviderGet(ctx, "acme")
		got = &struct{ name, hook string }{p.Name, p.WebhookURL}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got.name != "Acme Assess" || got.hook != "https://tool.example/hooks" {
		t.Fatalf("stored provider %+v", *got)
	}

	// Rotate the key with an hour's grace: both keys work for the hour,
	// then the old one answers 401.
	r = b.post("/providers/acme", "/providers/acme/rotate-key", url.Values{"grace": {"1h0m0s"}})
	m := newSecretRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || !strings.HasPrefix(m[1], "sc_") {
		t.Fatalf("rotate the key: %d\n%s", r.status, r.body)
	}
	newKey := m[1]
	if strings.Contains(b.get("/providers/acme").body, newKey) {
		t.Fatal("the new key is shown again")
	}
	if got := apiStatus(t, env, oldKey); got != http.StatusOK {
		t.Fatalf("old key during the grace: %d, want 200", got)
	}
	if got := apiStatus(t, env, newKey); got != http.StatusOK {
		t.Fatalf("new key: %d, want 200", got)
	}
	clock.Advance(59 * time.Minute)
	if got := apiStatus(t, env, oldKey); got != http.StatusOK {
		t.Fatalf("old key a minute before the grace ends: %d, want 200", got)
	}
	clock.Advance(time.Minute)
	if got := apiStatus(t, env, oldKey); got != http.StatusUnauthorized {
		t.Fatalf("old key once the grace ended: %d, want 401", got)
	}
	if got := apiStatus(t, env, newKey); got != http.StatusOK {
		t.Fatalf("new key after the grace: %d, want 200", got)
	}

	// Without a grace the replaced key stops at once; a grace beyond a week
	// is refused.
	r = b.post("/providers/acme", "/providers/acme/rotate-key", url.Values{"grace": {"0s"}})
	if m = newSecretRE.FindStringSubmatch(r.body); r.status != http.StatusOK || m == nil {
		t.Fatalf("rotate without grace: %d", r.status)
	}
	if got := apiStatus(t, env, newKey); got != http.StatusUnauthorized {
		t.Fatalf("key replaced without grace: %d, want 401", got)
	}
	if got := apiStatus(t, env, m[1]); got != http.StatusOK {
		t.Fatalf("newest key: %d, want 200", got)
	}
	if r := b.post("/providers/acme", "/providers/acme/rotate-key", url.Values{"grace": {"200h"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Grace must be between 0 and 168h0m0s") {
		t.Fatalf("a grace of 200h: %d", r.status)
	}

	// Deleting asks for the id first, then the key stops working.
	if r := b.post("/providers/acme", "/providers/acme/delete", url.Values{"confirm": {"acm"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "type the provider id") {
		t.Fatalf("delete without confirming: %d", r.status)
	}
	if apiStatus(t, env, m[1]) != http.StatusOK {
		t.Fatal("an unconfirmed delete deleted")
	}
	if r := b.post("/providers/acme", "/providers/acme/delete", url.Values{"confirm": {"acme"}}); r.status != http.StatusSeeOther || r.location != "/providers" {
		t.Fatalf("delete: %d %s", r.status, r.location)
	}
	if got := apiStatus(t, env, m[1]); got != http.StatusUnauthorized {
		t.Fatalf("the deleted provider's key: %d, want 401", got)
	}
	if r := b.get("/providers/acme"); r.status != http.StatusNotFound {
		t.Fatalf("the deleted provider's page: %d", r.status)
	}

	// Each action is in the audit log, with who did it.
	audit := b.get("/audit?target=provider:acme")
	for _, want := range []string{"provider.create", "provider.update", "provider.rotate_key", "provider.delete", "owner@tool.example", "webhook URL (none) → https://tool.example/hooks", "the old one stopped at once", "“Acme Assess” with its 0 packages and 0 integrations"} {
		if !strings.Contains(audit.body, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	if strings.Contains(audit.body, newKey) || strings.Contains(audit.body, oldKey) {
		t.Error("the audit log shows a key")
	}
	if n := strings.Count(audit.body, ">provider.rotate_key<"); n != 2 {
		t.Errorf("the audit log has %d key rotations, want 2", n)
	}
	// Filtering by action narrows the log.
	if only := b.get("/audit?action=provider.delete"); strings.Contains(only.body, ">provider.rotate_key<") || !strings.Contains(only.body, ">provider.delete<") {
		t.Error("the audit log's action filter does not narrow it")
	}
}

func waitIdle(t *testing.T, env *demo.Env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := env.App.Queue.WaitIdle(ctx); err != nil {
		t.Fatalf("the job runner did not go idle: %v", err)
	}
}

// hookCatcher receives the webhooks stagecoach sends.
type hookCatcher struct {
	srv  *httptest.Server
	hook chan http.Header
}

func newHookCatcher(t *testing.T) *hookCatcher {
	c := &hookCatcher{hook: make(chan http.Header, 16)}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h := r.Header.Clone()
		h.Set("X-Test-Body", string(body))
		c.hook <- h
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *hookCatcher) next(t *testing.T) (http.Header, []byte) {
	t.Helper()
	select {
	case h := <-c.hook:
		return h, []byte(h.Get("X-Test-Body"))
	case <-time.After(20 * time.Second):
		t.Fatal("no webhook arrived")
	}
	return nil, nil
}

func verifies(t *testing.T, secret string, h http.Header, body []byte) bool {
	t.Helper()
	v, err := provider.NewWebhookVerifier(secret)
	if err != nil {
		t.Fatal(err)
	}
	v.Tolerance = 0 // the store's clock is moved; the signature is what counts
	h = h.Clone()
	h.Del("X-Test-Body")
	_, err = v.Verify(h, body)
	return err == nil
}

func TestRotatedWebhookSecretSignsUntilItsGraceEnds(t *testing.T) {
	env, clock, b := startClockDemo(t)
	_, oldSecret := registerProvider(t, b, "acme")
	hooks := newHookCatcher(t)
	if r := b.post("/providers/acme", "/providers/acme", url.Values{"name": {"Acme"}, "webhookUrl": {hooks.srv.URL}}); r.status != http.StatusSeeOther {
		t.Fatalf("set the webhook URL: %d\n%s", r.status, r.body)
	}
	r := b.post("/providers/acme", "/providers/acme/rotate-secret", url.Values{"grace": {"24h0m0s"}})
	m := newSecretRE.FindStringSubmatch(r.body)
	if r.status != http.StatusOK || m == nil || !strings.HasPrefix(m[1], "whsec_") {
		t.Fatalf("rotate the secret: %d\n%s", r.status, r.body)
	}
	newSecret := html.UnescapeString(m[1])
	ctx := context.Background()
	send := func() (http.Header, []byte) {
		t.Helper()
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
			return env.App.Engine.EnqueueProviderMessage(ctx, tx, "acme", "test:1", "test.ping", map[string]string{"hello": "world"})
		}); err != nil {
			t.Fatal(err)
		}
		env.App.Engine.Notify()
		h, body := hooks.next(t)
		// The job is finished before the clock moves: a job still running
		// when its lease runs out on the moved clock would be sent twice.
		waitIdle(t, env)
		return h, body
	}
	h, body := send()
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 2 {
		t.Fatalf("during the grace a webhook carries %d signatures, want 2", n)
	}
	if !verifies(t, oldSecret, h, body) || !verifies(t, newSecret, h, body) {
		t.Fatal("during the grace the webhook does not verify with both the old and the new secret")
	}
	clock.Advance(24 * time.Hour)
	h, body = send()
	if n := len(strings.Fields(h.Get("webhook-signature"))); n != 1 {
		t.Fatalf("after the grace a webhook carries %d signatures, want 1", n)
	}
	if verifies(t, oldSecret, h, body) || !verifies(t, newSecret, h, body) {
		t.Fatal("after the grace the old secret still verifies, or the new one does not")
	}

	// The deliveries are listed on the provider's page and one can be sent
	// again, with its message id.
	page := b.get("/providers/acme")
	id := regexp.MustCompile(`action="/providers/acme/deliveries/(\d+)/again"`).FindStringSubmatch(page.body)
	if id == nil || !strings.Contains(page.body, "test.ping") || !strings.Contains(page.body, "delivered") {
		t.Fatalf("the deliveries are not listed with a send-again button:\n%s", page.body)
	}
	first := h.Get("webhook-id")
	if r := b.post("/providers/acme", "/providers/acme/deliveries/"+id[1]+"/again", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("send again: %d\n%s", r.status, r.body)
	}
	again, _ := hooks.next(t)
	if again.Get("webhook-id") != first {
		t.Fatalf("sent again with id %q, want the newest delivery's %q", again.Get("webhook-id"), first)
	}
	audit := b.get("/audit?actor=owner%40tool.example")
	for _, want := range []string{"provider.rotate_secret", "provider.send_again"} {
		if !strings.Contains(audit.body, want) {
			t.Errorf("the audit log lacks %q", want)
		}
	}
	if strings.Contains(audit.body, newSecret) || strings.Contains(audit.body, oldSecret) {
		t.Error("the audit log shows a secret")
	}
}

// The provider itself rotates its webhook secret through the API.
func TestProviderRotatesItsSecretThroughTheAPI(t *testing.T) {
	env, clock, b := startClockDemo(t)
	key, _ := registerProvider(t, b, "acme")
	post := func(body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, env.UIURL+"/v1/me/webhook-secret/rotate", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(`{"graceSeconds": 999999999}`); code != http.StatusBadRequest || !strings.Contains(body, "graceSeconds") {
		t.Fatalf("a grace beyond a week: %d %s", code, body)
	}
	code, body := post(`{"graceSeconds": 3600}`)
	if code != http.StatusOK || !strings.Contains(body, `"webhookSecret":"whsec_`) {
		t.Fatalf("rotate: %d %s", code, body)
	}
	want := clock.Now().Add(time.Hour).Format(time.RFC3339)
	if !strings.Contains(body, want) {
		t.Fatalf("rotate answered %s, want previousSecretExpiresAt %s", body, want)
	}
	var secrets []string
	ctx := context.Background()
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		secrets, err = tx.ProviderPreviousSecrets(ctx, "acme")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(secrets) != 1 {
		t.Fatalf("%d previous secrets kept, want 1", len(secrets))
	}
	clock.Advance(time.Hour)
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		secrets, err = tx.ProviderPreviousSecrets(ctx, "acme")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(secrets) != 0 {
		t.Fatalf("%d previous secrets sign after the grace, want 0", len(secrets))
	}

	// The Go client rotates too; without a grace the old secret stops now.
	rot, err := provider.NewClient(env.UIURL, key).RotateWebhookSecret(ctx, 0)
	if err != nil || !strings.HasPrefix(rot.WebhookSecret, "whsec_") || !rot.PreviousSecretExpiresAt.Equal(clock.Now()) {
		t.Fatalf("RotateWebhookSecret: %+v, %v", rot, err)
	}
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		secrets, err = tx.ProviderPreviousSecrets(ctx, "acme")
		return err
	}); err != nil || len(secrets) != 0 {
		t.Fatalf("after a rotation without grace %d previous secrets sign (%v)", len(secrets), err)
	}
}

// A provider registered without a webhook URL gets the webhooks that
// waited for one as soon as the URL is set, not at the end of their wait.
func TestWebhooksWaitingForAURLGoOnceItIsSet(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	registerProvider(t, b, "acme")
	ctx := context.Background()
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		return env.App.Engine.EnqueueProviderMessage(ctx, tx, "acme", "test:1", "test.ping", map[string]string{"hello": "world"})
	}); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, env) // tried once, and waiting a minute for a URL
	if page := b.get("/providers/acme"); !strings.Contains(page.body, "provider has no webhook URL yet") {
		t.Fatalf("the waiting webhook does not say why:\n%s", page.body)
	}
	hooks := newHookCatcher(t)
	if r := b.post("/providers/acme", "/providers/acme", url.Values{"name": {"Acme"}, "webhookUrl": {hooks.srv.URL}}); r.status != http.StatusSeeOther {
		t.Fatalf("set the webhook URL: %d", r.status)
	}
	h, _ := hooks.next(t) // within 20 s: well before the minute's wait ends
	if h.Get("webhook-id") == "" {
		t.Fatal("the webhook has no id")
	}
}
