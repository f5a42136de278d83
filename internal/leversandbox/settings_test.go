package leversandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/leversandbox/pages"
)

func TestSettingsAPIKeyThroughThePage(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	br := newBrowser(t, b)

	key := br.generateKey("Reporting", "Find all stages", "Find an opportunity")
	if len(key) != 40 {
		t.Fatalf("key %q has %d characters, want 40", key, len(key))
	}
	// Shown once: the next view lists the key by name and hint only.
	again := br.get("/settings/integrations/api-credentials")
	if strings.Contains(again.body, key) || !strings.Contains(again.body, "Reporting") || !strings.Contains(again.body, "…"+key[36:]) {
		t.Fatalf("second view shows the key again or lacks the row")
	}

	b.call(t, "GET", "/v1/stages", nil, basicKey(key)).must(t, 200)
	b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil, basicKey(key)).must(t, 200)
	msg := b.call(t, "GET", "/v1/opportunities", nil, basicKey(key)).errorBody(t, 403, "Forbidden")
	if !strings.Contains(msg, `"Find all opportunities"`) {
		t.Fatalf("403 message %q does not name the missing permission", msg)
	}
	b.call(t, "GET", "/v1/stages/"+stageID("Offer"), nil, basicKey(key)).errorBody(t, 403, "Forbidden")
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}, basicKey(key)).errorBody(t, 403, "Forbidden")

	// The default key keeps every permission.
	b.call(t, "GET", "/v1/opportunities", nil).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}).must(t, 200)

	// Revoke through the page: the key is refused at once.
	var id string
	for _, k := range b.call(t, "GET", "/_sandbox/api-keys", nil, noAuth).must(t, 200).list(t) {
		if k["name"] == "Reporting" {
			id = k["id"].(string)
			if perms := strs(k["permissions"]); len(perms) != 2 {
				t.Fatalf("permissions=%v", perms)
			}
		}
	}
	p := br.submit("/settings/integrations/api-credentials/"+id+"/revoke", nil)
	if !strings.Contains(flashOf(p.body), "Revoked the API key Reporting") {
		t.Fatalf("flash=%q", flashOf(p.body))
	}
	b.call(t, "GET", "/v1/stages", nil, basicKey(key)).errorBody(t, 401, "Unauthorized")

	t.Run("bad input is a 400 naming what is wrong", func(t *testing.T) {
		for _, c := range []struct {
			form url.Values
			want string
		}{
			{url.Values{"name": {""}, "permission": {"Find all stages"}}, "needs a name"},
			{url.Values{"name": {"x"}}, "at least one permission"},
			{url.Values{"name": {"x"}, "permission": {"Find everything"}}, `unknown permission "Find everything"`},
			{url.Values{"name": {"default"}, "permission": {"Find all stages"}}, "exists already"},
		} {
			p := br.post("/settings/integrations/api-credentials", c.form)
			if p.status != 400 || !strings.Contains(flashOf(p.body), c.want) {
				t.Errorf("%v: status %d, flash %q, want 400 with %q", c.form, p.status, flashOf(p.body), c.want)
			}
		}
	})
	t.Run("the --api-key key cannot be revoked here", func(t *testing.T) {
		p := br.post("/settings/integrations/api-credentials/"+seedID("api-key:default")+"/revoke", nil)
		if p.status != 400 {
			t.Fatalf("status %d", p.status)
		}
		b.call(t, "GET", "/v1/stages", nil).must(t, 200)
	})
	t.Run("confidential access is granted at creation", func(t *testing.T) {
		p := br.submit("/settings/integrations/api-credentials", url.Values{
			"name": {"Confidential"}, "permission": {"Find all opportunities"}, "confidential": {"1"},
		})
		ck := newKeyRe.FindStringSubmatch(p.body)[1]
		plain := br.generateKey("Not confidential", "Find all opportunities")
		b.call(t, "GET", "/v1/opportunities?confidentiality=all", nil, basicKey(ck)).must(t, 200)
		b.call(t, "GET", "/v1/opportunities?confidentiality=all", nil, basicKey(plain)).errorBody(t, 403, "Forbidden")
		b.call(t, "GET", "/v1/opportunities", nil, basicKey(plain)).must(t, 200)
	})
}

func TestSettingsEveryRouteHasAPermission(t *testing.T) {
	t.Parallel()
	sb, _ := demo(t)
	if len(sb.perms.byName) == 0 {
		t.Fatal("no permissions registered")
	}
	if len(sb.perms.unmapped) > 0 {
		t.Errorf("routes without an API key permission in routePermissions: %v", sb.perms.unmapped)
	}
	if len(sb.perms.mixed) > 0 {
		t.Errorf("permissions used for read and write routes: %v", sb.perms.mixed)
	}
	registered := map[string]bool{}
	for _, p := range sb.perms.list("") {
		for _, r := range p.Routes {
			registered[r] = true
		}
	}
	for pattern := range routePermissions {
		if !registered[pattern] {
			t.Errorf("routePermissions names %q, which is not a route", pattern)
		}
	}
	// The names seed 002 asks for all exist, with the access it lists.
	for _, n := range imochaRead {
		if p := sb.perms.byName[n]; p == nil || p.Access != "read" {
			t.Errorf("read permission %q: %v", n, p)
		}
	}
	for _, n := range imochaWrite {
		if p := sb.perms.byName[n]; p == nil || p.Access != "write" {
			t.Errorf("write permission %q: %v", n, p)
		}
	}
}

func TestSettingsCSRFAndCookies(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	br := newBrowser(t, b)
	p := br.get("/settings/integrations/api-credentials")
	var cookie *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == pages.SessionCookie {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie=%+v, want HttpOnly and SameSite=Strict", cookie)
	}
	form := url.Values{"name": {"Sneaky"}, "permission": {"Find all users"}}

	// No session (a cross-site POST carries no SameSite=Strict cookie).
	stranger := newBrowser(t, b)
	if p := stranger.postRaw("/settings/integrations/api-credentials", form); p.status != 403 {
		t.Fatalf("without a session: %d", p.status)
	}
	// A session but no or a wrong token.
	if p := br.postRaw("/settings/integrations/api-credentials", form); p.status != 403 {
		t.Fatalf("without a token: %d", p.status)
	}
	wrong := url.Values{"csrf": {strings.Repeat("0", 48)}}
	for k, v := range form {
		wrong[k] = v
	}
	if p := br.postRaw("/settings/integrations/api-credentials", wrong); p.status != 403 {
		t.Fatalf("with a wrong token: %d", p.status)
	}
	// The right token from a foreign origin.
	good := url.Values{"csrf": {br.csrf()}}
	for k, v := range form {
		good[k] = v
	}
	if p := br.postRaw("/settings/integrations/api-credentials", good, "Origin", "https://evil.example"); p.status != 403 {
		t.Fatalf("from another origin: %d", p.status)
	}
	for _, k := range b.call(t, "GET", "/_sandbox/api-keys", nil, noAuth).must(t, 200).list(t) {
		if k["name"] == "Sneaky" {
			t.Fatal("a refused form created a key")
		}
	}
	// Another browser's token does not work in this session.
	if p := br.postRaw("/settings/integrations/api-credentials", url.Values{"csrf": {stranger.csrf()}, "name": {"Sneaky"}, "permission": {"Find all users"}}); p.status != 403 {
		t.Fatalf("with another session's token: %d", p.status)
	}
	// The same form from the page itself works.
	if p := br.postRaw("/settings/integrations/api-credentials", good, "Origin", b.url); p.status != 303 {
		t.Fatalf("own origin: %d %s", p.status, flashOf(p.body))
	}
}

func TestSettingsOnlySuperAdmins(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	params := oauthApp(t, b, "acme", "offline_access stages:read:admin")
	admin := newBrowser(t, b)
	if q := admin.approveApp(b, params, "accept"); q.Get("code") == "" {
		t.Fatalf("approve: %v", q)
	}
	hookID, _ := b.registerWebhook(t, eventStageChange, "http://127.0.0.1:1/hook", nil)
	keysBefore := len(b.call(t, "GET", "/_sandbox/api-keys", nil, noAuth).must(t, 200).list(t))

	for _, who := range []struct{ id, name, role string }{
		{priyaID, "Priya Shah", "Admin"}, {recruiterID, "Rahul Khan", "Team Member"},
		{lenaID, "Lena Fischer", "Limited Team Member"}, {interviewerID, "Tom Becker", "Interviewer"},
	} {
		t.Run(who.role, func(t *testing.T) {
			br := newBrowser(t, b)
			br.signInAs(who.id)
			users := br.get("/settings/users")
			if users.status != 200 || !strings.Contains(users.body, `id="signed-in">`+who.name+"</strong> ("+who.role+")") {
				t.Fatalf("users tab: %d", users.status)
			}
			for _, tab := range []string{"api-credentials", "webhooks", "authorized-apps"} {
				p := br.get("/settings/integrations/" + tab)
				if p.status != 403 || !strings.Contains(p.body, "only a Super Admin can manage") || !strings.Contains(p.body, who.role) {
					t.Fatalf("%s: status %d", tab, p.status)
				}
				if strings.Contains(p.body, "Generate new key") || strings.Contains(p.body, "Revoke access") {
					t.Fatalf("%s shows the controls to a %s", tab, who.role)
				}
			}
			for _, post := range []struct {
				path string
				form url.Values
			}{
				{"/settings/integrations/api-credentials", url.Values{"name": {"Mine"}, "permission": {"Find all users"}}},
				{"/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"off"}}},
				{"/settings/integrations/webhooks/candidateStageChange/token", nil},
				{"/settings/integrations/webhooks/candidateStageChange/add", url.Values{"url": {"https://mine.example/hook"}}},
				{"/settings/integrations/webhooks/hooks/" + hookID + "/verify", nil},
				{"/settings/integrations/webhooks/hooks/" + hookID + "/token", nil},
				{"/settings/integrations/authorized-apps/acme/revoke", nil},
			} {
				if p := br.post(post.path, post.form); p.status != 403 || !strings.Contains(p.body, "only a Super Admin") {
					t.Fatalf("POST %s: status %d", post.path, p.status)
				}
			}
			// The admin endpoint applies the same rule.
			b.call(t, "POST", "/_sandbox/api-keys", map[string]any{"name": "Mine", "permissions": []string{"Find all users"}, "actingUser": who.id}, noAuth).errorBody(t, 403, "Forbidden")
			b.call(t, "POST", "/_sandbox/webhook-groups/candidateStageChange", map[string]any{"enabled": false, "actingUser": who.id}, noAuth).errorBody(t, 403, "Forbidden")
			b.call(t, "POST", "/_sandbox/authorized-apps/acme/revoke", map[string]any{"actingUser": who.id}, noAuth).errorBody(t, 403, "Forbidden")
			// A non-Super-Admin fails at the end of the consent screen.
			if q := br.approveApp(b, params, "accept"); q.Get("error") != "access_denied" {
				t.Fatalf("consent as %s: %v", who.role, q)
			}
		})
	}
	// Nothing changed.
	if n := len(b.call(t, "GET", "/_sandbox/api-keys", nil, noAuth).must(t, 200).list(t)); n != keysBefore {
		t.Fatalf("keys: %d, want %d", n, keysBefore)
	}
	if apps := b.call(t, "GET", "/_sandbox/authorized-apps", nil, noAuth).must(t, 200).list(t); len(apps) != 1 {
		t.Fatalf("apps=%v", apps)
	}
	if g := groupEnabled(t, b, eventStageChange); !g {
		t.Fatal("candidateStageChange was switched off by a refused form")
	}
	// Deactivated users cannot be signed in as.
	br := newBrowser(t, b)
	if p := br.post("/session/user", url.Values{"user_id": {deactivatedID}}); p.status != 400 {
		t.Fatalf("sign in as deactivated: %d", p.status)
	}
}

func groupEnabled(t testing.TB, b *testBundle, event string) bool {
	t.Helper()
	for _, g := range b.call(t, "GET", "/_sandbox/webhook-groups", nil, noAuth).must(t, 200).list(t) {
		if g["event"] == event {
			return g["enabled"] == true
		}
	}
	t.Fatalf("no group %s", event)
	return false
}

func TestSettingsWebhooksThroughThePage(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	br := newBrowser(t, b)
	apiHook := newReceiver(t)
	b.registerWebhook(t, eventStageChange, apiHook.srv.URL, nil)

	// Switched off in the page, even the API-created webhook gets nothing.
	p := br.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"off"}})
	if !strings.Contains(flashOf(p.body), "Candidate Stage Change is off") {
		t.Fatalf("flash=%q", flashOf(p.body))
	}
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]string{"stage": "Phone interview"}, noAuth).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("On-site")}).must(t, 200)
	time.Sleep(100 * time.Millisecond)
	if n := apiHook.count(); n != 0 || len(b.deliveries(t, "event=candidateStageChange")) != 0 {
		t.Fatalf("a disabled group delivered %d", n)
	}
	br.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"on"}})
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]string{"stage": "Offer"}, noAuth).must(t, 200)
	apiHook.wait(t, 1)

	// A URL added with + Add Webhook, before any signing token: unsigned.
	pageHook := newReceiver(t, http.StatusOK, http.StatusOK, http.StatusInternalServerError)
	p = br.submit("/settings/integrations/webhooks/candidateStageChange/add", url.Values{"url": {pageHook.srv.URL}})
	if !strings.Contains(p.body, pageHook.srv.URL) || !strings.Contains(p.body, "Generate Token") {
		t.Fatal("the added URL or the Generate Token button is missing")
	}
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]string{"stage": "On-site"}, noAuth).must(t, 200)
	d := pageHook.wait(t, 1)[0]
	var raw map[string]any
	_ = json.Unmarshal(d.raw, &raw)
	if _, signed := raw["signature"]; signed || d.env.Event != eventStageChange {
		t.Fatalf("delivery before a token: %s", d.raw)
	}

	// Generate Token, then deliveries are signed with it.
	p = br.submit("/settings/integrations/webhooks/candidateStageChange/token", nil)
	if !strings.Contains(flashOf(p.body), "Generated the Candidate Stage Change signing token") {
		t.Fatalf("flash=%q", flashOf(p.body))
	}
	tok := groupToken(t, b, eventStageChange)
	if len(tok) != 48 || !strings.Contains(p.body, tok) {
		t.Fatalf("token %q not shown", tok)
	}
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]string{"stage": "Offer"}, noAuth).must(t, 200)
	verifySignature(t, pageHook.wait(t, 2)[1], tok)

	// Regenerate: the new token signs.
	p = br.submit("/settings/integrations/webhooks/candidateStageChange/token", nil)
	if !strings.Contains(flashOf(p.body), "Regenerated") {
		t.Fatalf("flash=%q", flashOf(p.body))
	}
	tok2 := groupToken(t, b, eventStageChange)
	if tok2 == tok {
		t.Fatal("regenerate kept the token")
	}

	// Verify Connection: Lever's test request, signed; the answer is shown.
	hookID := webhookIDFor(t, b, eventStageChange, pageHook.srv.URL)
	p = br.submit("/settings/integrations/webhooks/hooks/"+hookID+"/verify", nil)
	if f := flashOf(p.body); !strings.Contains(f, "answered 500") || !strings.Contains(f, "not verified") {
		t.Fatalf("flash=%q", f)
	}
	p = br.submit("/settings/integrations/webhooks/hooks/"+hookID+"/verify", nil)
	if f := flashOf(p.body); !strings.Contains(f, "answered 200") || !strings.Contains(f, "connection verified") {
		t.Fatalf("flash=%q", f)
	}
	test := pageHook.wait(t, 4)[3]
	if test.env.Event != eventHired || string(test.env.Data) != "{}" || test.env.ID != "" {
		t.Fatalf("test request=%s", test.raw)
	}
	verifySignature(t, test, tok2)
	// Recent deliveries list status and outcome, the tests included.
	if !strings.Contains(p.body, "(verify connection)") || !strings.Contains(p.body, "<td>500</td>") || !strings.Contains(p.body, "delivered") {
		t.Fatal("recent deliveries are not shown")
	}

	// The API cannot change a page webhook; the page cannot change an API one.
	b.call(t, "DELETE", "/v1/webhooks/"+hookID, nil).errorBody(t, 403, "Forbidden")
	apiID := webhookIDFor(t, b, eventStageChange, apiHook.srv.URL)
	if p := br.post("/settings/integrations/webhooks/hooks/"+apiID+"/remove", nil); p.status != 403 {
		t.Fatalf("remove API webhook from the page: %d", p.status)
	}
	// An API webhook's own token can be regenerated in the page.
	apiHook.wait(t, 3)
	br.submit("/settings/integrations/webhooks/hooks/"+apiID+"/token", nil)
	n := 3
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]string{"stage": "On-site"}, noAuth).must(t, 200)
	var newTok string
	for _, g := range b.call(t, "GET", "/_sandbox/webhook-groups", nil, noAuth).must(t, 200).list(t) {
		for _, w := range g["webhooks"].([]any) {
			if wh := w.(map[string]any); wh["id"] == apiID {
				newTok = wh["signatureToken"].(string)
			}
		}
	}
	verifySignature(t, apiHook.wait(t, n+1)[n], newTok)

	// Remove the page webhook (once the move above reached it): nothing
	// more reaches it.
	pageHook.wait(t, 5)
	br.submit("/settings/integrations/webhooks/hooks/"+hookID+"/remove", nil)
	before := pageHook.count()
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]string{"stage": "Offer"}, noAuth).must(t, 200)
	apiHook.wait(t, n+2)
	time.Sleep(50 * time.Millisecond)
	if pageHook.count() != before {
		t.Fatal("a removed webhook still got a delivery")
	}

	t.Run("bad input", func(t *testing.T) {
		if p := br.post("/settings/integrations/webhooks/candidateStageChange/add", url.Values{"url": {"not a url"}}); p.status != 400 || !strings.Contains(flashOf(p.body), "absolute http(s) URL") {
			t.Fatalf("bad url: %d %q", p.status, flashOf(p.body))
		}
		if p := br.post("/settings/integrations/webhooks/noSuchEvent/toggle", url.Values{"on": {"on"}}); p.status != 400 {
			t.Fatalf("unknown event: %d", p.status)
		}
		if p := br.post("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"maybe"}}); p.status != 400 {
			t.Fatalf("bad toggle: %d", p.status)
		}
	})
}

func TestSettingsAuthorizedAppsThroughThePage(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	br := newBrowser(t, b)
	params := oauthApp(t, b, "acme", "offline_access opportunities:read:admin stages:read:admin")

	apps := br.get("/settings/integrations/authorized-apps")
	if !strings.Contains(apps.body, "No apps are authorized") {
		t.Fatal("an app is listed before any approval")
	}
	consent := br.get("/oauth/authorize?" + params.Encode())
	if !strings.Contains(consent.body, "Signed in as <strong id=\"signed-in\">Alex Morgan</strong> (Super Admin)") {
		t.Fatal("the consent page does not show the signed-in Super Admin")
	}
	q := br.approveApp(b, params, "accept")
	access, refresh := exchange(t, b, "acme", q.Get("code"))

	apps = br.get("/settings/integrations/authorized-apps")
	for _, want := range []string{"acme", "opportunities:read:admin", "stages:read:admin", "Revoke access", "by Alex Morgan"} {
		if !strings.Contains(apps.body, want) {
			t.Fatalf("authorized apps lacks %q", want)
		}
	}
	// Inside its scopes it works, outside it is a 403.
	b.call(t, "GET", "/v1/opportunities", nil, bearer(access)).must(t, 200)
	b.call(t, "GET", "/v1/users", nil, bearer(access)).errorBody(t, 403, "Forbidden")
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}, bearer(access)).errorBody(t, 403, "Forbidden")

	p := br.submit("/settings/integrations/authorized-apps/acme/revoke", nil)
	if !strings.Contains(flashOf(p.body), "Revoked access for acme") || strings.Contains(p.body, `id="app-acme"`) {
		t.Fatalf("after revoke: %q", flashOf(p.body))
	}
	b.call(t, "GET", "/v1/opportunities", nil, bearer(access)).errorBody(t, 401, "Unauthorized")
	if status, code := refreshGrant(t, b, "acme", refresh); status != 400 || code != "invalid_grant" {
		t.Fatalf("refresh after revoke: %d %s", status, code)
	}
	// Revoking again: the app is gone.
	if p := br.post("/settings/integrations/authorized-apps/acme/revoke", nil); p.status != 404 {
		t.Fatalf("second revoke: %d", p.status)
	}
	// A new approval brings it back, with the new scopes.
	q = br.approveApp(b, params, "accept")
	access2, _ := exchange(t, b, "acme", q.Get("code"))
	b.call(t, "GET", "/v1/stages", nil, bearer(access2)).must(t, 200)
	if got := b.call(t, "GET", "/_sandbox/authorized-apps", nil, noAuth).must(t, 200).list(t); len(got) != 1 || got[0]["clientId"] != "acme" {
		t.Fatalf("apps=%v", got)
	}
}

func TestSettingsAdminEndpoint(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	users := b.call(t, "GET", "/_sandbox/users", nil, noAuth).must(t, 200).list(t)
	roles := map[string]bool{}
	for _, u := range users {
		roles[u["role"].(string)] = true
	}
	for _, r := range []string{"Super Admin", "Admin", "Team Member", "Limited Team Member", "Interviewer"} {
		if !roles[r] {
			t.Errorf("the seed has no %s", r)
		}
	}
	perms := b.call(t, "GET", "/_sandbox/permissions", nil, noAuth).must(t, 200).list(t)
	if len(perms) != len(routePermissions)-countShared() {
		t.Fatalf("%d permissions for %d routes, %d shared", len(perms), len(routePermissions), countShared())
	}
	for _, p := range perms {
		if p["access"] != "read" && p["access"] != "write" || len(strs(p["routes"])) == 0 {
			t.Fatalf("permission %v", p)
		}
	}

	k := b.call(t, "POST", "/_sandbox/api-keys", map[string]any{"name": "ci", "permissions": []string{"Find all stages"}}, noAuth).must(t, 201).data(t)
	key := k["key"].(string)
	b.call(t, "GET", "/v1/stages", nil, basicKey(key)).must(t, 200)
	b.call(t, "GET", "/v1/users", nil, basicKey(key)).errorBody(t, 403, "Forbidden")
	b.call(t, "POST", "/_sandbox/api-keys", map[string]any{"name": "bad", "permissions": []string{"nope"}}, noAuth).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", "/_sandbox/api-keys", map[string]any{"name": "x", "permissions": []string{"Find all stages"}, "actingUser": "nobody@example.com"}, noAuth).errorBody(t, 400, "BadRequest")
	b.call(t, "DELETE", "/_sandbox/api-keys/"+k["id"].(string), nil, noAuth).must(t, 204)
	b.call(t, "GET", "/v1/stages", nil, basicKey(key)).errorBody(t, 401, "Unauthorized")

	rc := newReceiver(t)
	g := b.call(t, "POST", "/_sandbox/webhook-groups/candidateHired/token", nil, noAuth).must(t, 200).data(t)
	tok := g["signatureToken"].(string)
	add := b.call(t, "POST", "/_sandbox/webhook-groups/Candidate%20Hired/webhooks", map[string]any{"url": rc.srv.URL, "verify": true}, noAuth).must(t, 201).data(t)
	if v := add["verify"].(map[string]any); v["ok"] != true || v["status"] != float64(200) {
		t.Fatalf("verify=%v", v)
	}
	verifySignature(t, rc.wait(t, 1)[0], tok)
	b.call(t, "POST", "/_sandbox/webhook-groups/candidateHired", map[string]any{"enabled": false}, noAuth).must(t, 200)
	b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/archive", map[string]any{"reason": "Hired"}, noAuth).must(t, 200)
	time.Sleep(100 * time.Millisecond)
	if rc.count() != 1 {
		t.Fatal("a disabled group delivered")
	}
	b.call(t, "POST", "/_sandbox/webhook-groups/candidateHired", map[string]any{}, noAuth).errorBody(t, 400, "BadRequest")
	id := add["webhook"].(map[string]any)["id"].(string)
	b.call(t, "DELETE", "/_sandbox/webhooks/"+id, nil, noAuth).must(t, 204)
	b.call(t, "DELETE", "/_sandbox/webhooks/"+id+"?actingUser="+priyaID, nil, noAuth).errorBody(t, 403, "Forbidden")
}

// countShared is how many routes share a permission with another route.
func countShared() int {
	seen := map[string]int{}
	for _, n := range routePermissions {
		seen[n]++
	}
	shared := 0
	for _, c := range seen {
		shared += c - 1
	}
	return shared
}

func TestSettingsSwitchingOffStopsPendingRetries(t *testing.T) {
	t.Parallel()
	_, b := setup(t, Config{Seed: "demo", WebhookRetryDelays: []time.Duration{800 * time.Millisecond, 800 * time.Millisecond}})
	br := newBrowser(t, b)
	rc := newReceiver(t, http.StatusInternalServerError, http.StatusInternalServerError, http.StatusInternalServerError)
	b.registerWebhook(t, eventStageChange, rc.srv.URL, nil)
	moveAs(t, b, adaOpp, "Offer")
	rc.wait(t, 1)
	br.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"off"}})
	eventually(t, "the retry to be cancelled", func() bool {
		for _, d := range b.deliveries(t, "event=candidateStageChange") {
			if d["outcome"] == "cancelled" {
				return true
			}
		}
		return false
	})
	quiet(t, rc, 1, "after the group was switched off")
}

func TestSettingsPersist(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/lever.json"
	sb, b := setupGroupsOff(t, Config{Seed: "demo", DataPath: path})
	br := newBrowser(t, b)
	key := br.generateKey("Kept", "Find all stages")
	br.submit("/settings/integrations/webhooks/candidateHired/token", nil)
	tok := groupToken(t, b, eventHired)
	br.submit("/settings/integrations/webhooks/candidateHired/add", url.Values{"url": {"https://kept.example/hook"}})
	br.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"on"}})
	q := br.approveApp(b, oauthApp(t, b, "kept", "stages:read:admin"), "accept")
	access, _ := exchange(t, b, "kept", q.Get("code"))
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}

	_, b2 := setupGroupsOff(t, Config{Seed: "demo", DataPath: path, WebhookGroupsOn: true})
	b2.call(t, "GET", "/v1/stages", nil, basicKey(key)).must(t, 200)
	b2.call(t, "GET", "/v1/users", nil, basicKey(key)).errorBody(t, 403, "Forbidden")
	b2.call(t, "GET", "/v1/stages", nil, bearer(access)).must(t, 200)
	if groupToken(t, b2, eventHired) != tok || webhookIDFor(t, b2, eventHired, "https://kept.example/hook") == "" {
		t.Fatal("the group token or the page webhook was lost")
	}
	// The groups keep their switches (a restart with WebhookGroupsOn does
	// not switch the others on).
	if !groupEnabled(t, b2, eventStageChange) || groupEnabled(t, b2, eventHired) {
		t.Fatal("group switches were lost")
	}
	if apps := b2.call(t, "GET", "/_sandbox/authorized-apps", nil, noAuth).must(t, 200).list(t); len(apps) != 1 || apps[0]["clientId"] != "kept" {
		t.Fatalf("apps=%v", apps)
	}
}
