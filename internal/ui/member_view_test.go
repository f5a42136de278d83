package ui_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"stagecoach/internal/demo"
)

var (
	getFormRE  = regexp.MustCompile(`(?s)<form method="get".*?</form>`)
	postFormRE = regexp.MustCompile(`<form[^>]*method="post"[^>]*action="([^"]+)"`)
	fieldRE    = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
)

// A member sees every page read-only: no form that changes anything but
// logging out and retrying a dead letter (which members may do), no field
// to edit outside the filters, and no advice to press a button only admins
// have.
func TestMembersSeeEveryPageReadOnly(t *testing.T) {
	env := startFullDemo(t)
	admin := newBrowser(t, env.UIURL)
	createOwner(t, admin)
	addUser(t, admin, "mo@tool.example", "member", "member password 1")
	m := newBrowser(t, env.UIURL)
	if r := login(t, m, "mo@tool.example", "member password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("member login: %d", r.status)
	}
	pages := []string{"/", "/connections", "/connections/" + demo.ConnectionID, "/providers", "/providers/" + demo.ProviderID, "/integrations",
		"/integrations/" + env.Integration.ID, "/orders", "/exports", "/events", "/dead-letters", "/audit", "/users"}
	for _, p := range pages {
		r := m.get(p)
		if r.status != http.StatusOK {
			t.Errorf("member GET %s: %d", p, r.status)
			continue
		}
		body := getFormRE.ReplaceAllString(r.body, "")
		for _, f := range postFormRE.FindAllStringSubmatch(body, -1) {
			if f[1] != "/logout" && !regexp.MustCompile(`^/dead-letters/\d+/retry$`).MatchString(f[1]) {
				t.Errorf("member GET %s: a form posts to %s", p, f[1])
			}
		}
		for _, f := range fieldRE.FindAllString(body, -1) {
			if !strings.Contains(f, `type="hidden"`) {
				t.Errorf("member GET %s: an editable field %s", p, f)
			}
		}
		for _, advice := range []string{"Activate runs the setup check", `href="/connections/new"`, `href="/providers/new"`, "Enable this provider"} {
			if strings.Contains(r.body, advice) {
				t.Errorf("member GET %s: the page offers %q", p, advice)
			}
		}
	}
	// The integration's settings are shown, in words.
	in := html.UnescapeString(m.get("/integrations/" + env.Integration.ID).body)
	if !regexp.MustCompile(`(?s)data-field="triggerStage"><th>[^<]+</th><td>Assessment\s*</td>`).MatchString(in) || !strings.Contains(in, "Only an admin changes these settings.") {
		t.Errorf("the member's view of the integration's settings:\n%s", in[strings.Index(in, "<h2>Settings"):])
	}
	// An admin still gets the form.
	if a := admin.get("/integrations/" + env.Integration.ID); !strings.Contains(a.body, `id="settings"`) || strings.Contains(a.body, `id="settings-view"`) {
		t.Error("the admin does not get the settings form")
	}
}

// Small things: a name ending in s takes a bare apostrophe, error messages
// start with a capital, and the Disconnect button is not the first action
// of a connection's page.
func TestPossessivesErrorsAndTheDisconnectButton(t *testing.T) {
	env := startFullDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	page := html.UnescapeString(b.get("/integrations/" + env.Integration.ID).body)
	if !strings.Contains(page, "Demo Assessments' packages") || strings.Contains(page, "Assessments's") {
		t.Error("the integration page does not write “Demo Assessments' packages”")
	}
	if r := b.get("/orders/nope"); r.status != http.StatusNotFound || !strings.Contains(html.UnescapeString(r.body), `Order "nope" not found`) {
		t.Errorf("a missing order: %d %s", r.status, r.body)
	}
	conn := b.get("/connections/" + demo.ConnectionID).body
	first := regexp.MustCompile(`<button[^>]*type="submit"[^>]*>`).FindAllString(getFormRE.ReplaceAllString(conn[strings.Index(conn, "<main>"):], ""), -1)
	if len(first) < 2 || strings.Contains(first[0], "danger") {
		t.Errorf("the connection page's first button: %v", first)
	}
	if strings.Index(conn, `id="disconnect"`) < strings.Index(conn, `id="register-webhooks"`) {
		t.Error("Disconnect comes before registering webhooks")
	}
}

// The API key and webhook secret shown once each have a Copy button that
// copies exactly the value beside it.
func TestSecretsShownOnceHaveACopyButton(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	r := b.post("/providers/new", "/providers", url.Values{"id": {"acme"}, "name": {"Acme"}, "kind": {"assessment"}})
	if r.status != http.StatusOK {
		t.Fatalf("register a provider: %d", r.status)
	}
	for _, id := range []string{"provider-api-key", "provider-webhook-secret"} {
		if !regexp.MustCompile(`<div class="secret" id="` + id + `">[^<]+</div><button type="button" class="secondary small copy hidden" data-copy="` + id + `">Copy</button>`).MatchString(r.body) {
			t.Errorf("no Copy button beside %s", id)
		}
	}
	r = b.post("/providers/acme", "/providers/acme/rotate-key", url.Values{"grace": {"0s"}})
	if r.status != http.StatusOK || !strings.Contains(r.body, `data-copy="provider-new-secret"`) {
		t.Errorf("no Copy button beside the rotated key (%d)", r.status)
	}
}
