package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/demo"
	"stagecoach/internal/store"
)

func TestIntegrationsPageListsEveryIntegrationWithItsState(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	if r := b.post("/connections/new", "/connections", url.Values{"id": {"acme"}, "environment": {"custom"}, "baseUrl": {env.SandboxURL}, "method": {"api_key"}, "apiKey": {env.SandboxAPIKey}}); r.status != http.StatusSeeOther {
		t.Fatalf("connect: %d\n%s", r.status, r.body)
	}
	if r := b.post("/connections/acme", "/connections/acme/webhooks/register", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("register webhooks: %d\n%s", r.status, r.body)
	}
	enable := func(provider string) string {
		t.Helper()
		r := b.post("/connections/acme", "/connections/acme/integrations", url.Values{"provider": {provider}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/integrations/") {
			t.Fatalf("enable %s: %d %s", provider, r.status, r.location)
		}
		return strings.SplitN(r.location, "?", 2)[0]
	}
	broken, draft := enable(demo.ProviderID), enable(demo.VideoProviderID)
	if r := b.post(broken, broken, url.Values{"action": {"save"}, "s.triggerStage": {"Nowhere"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save a trigger stage that is not in Lever: %d\n%s", r.status, r.body)
	}

	if r := b.post(draft, draft, url.Values{"action": {"save"}, "s.triggerStage": {demo.VideoStage}, "s.defaultPackage": {"general"}}); r.status != http.StatusSeeOther {
		t.Fatalf("save the video integration's settings: %d\n%s", r.status, r.body)
	}

	home := b.get("/")
	if !regexp.MustCompile(`id="integrations-card"[^§]*?href="/integrations"`).MatchString(home.body) || !strings.Contains(home.body, `<a href="/integrations" >Integrations</a>`) {
		t.Fatalf("the overview's card or the navigation does not link to the Integrations page:\n%s", home.body)
	}
	list := b.get("/integrations")
	if list.status != http.StatusOK {
		t.Fatalf("GET /integrations: %d\n%s", list.status, list.body)
	}
	rowOf := func(body, path string) string {
		id := strings.TrimPrefix(path, "/integrations/")
		m := regexp.MustCompile(`<tr data-integration="` + id + `">(?s:.*?)</tr>`).FindString(body)
		if m == "" {
			t.Fatalf("integration %s is not listed:\n%s", id, body)
		}
		return m
	}
	if row := rowOf(list.body, broken); !strings.Contains(row, "failing setup check") || !strings.Contains(row, "Nowhere") || !strings.Contains(row, "Demo Assessments") || !strings.Contains(row, "acme") {
		t.Errorf("the integration with a missing stage is listed as:\n%s", row)
	}
	if row := rowOf(list.body, draft); !strings.Contains(row, ">draft<") {
		t.Errorf("the draft is listed as:\n%s", row)
	}
	failing := b.get("/integrations?state=failing")
	if !strings.Contains(failing.body, strings.TrimPrefix(broken, "/integrations/")) || strings.Contains(failing.body, `data-integration="`+strings.TrimPrefix(draft, "/integrations/")+`"`) {
		t.Errorf("the failing filter lists:\n%s", failing.body)
	}
	// The check ran once and is kept: the next view does not ask Lever again.
	ctx := context.Background()
	var checks map[string]*store.IntegrationCheck
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { checks, err = tx.IntegrationCheckList(ctx); return }); err != nil {
		t.Fatal(err)
	}
	c := checks[strings.TrimPrefix(broken, "/integrations/")]
	if c == nil || c.Errors == 0 || !strings.Contains(c.FirstError, "Nowhere") {
		t.Fatalf("the kept check of the broken integration: %+v", c)
	}

	// Activate refused by the setup check still saved the settings: that is
	// recorded too.
	if r := b.post(broken, broken, url.Values{"action": {"activate"}, "s.triggerStage": {"Elsewhere"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("activate with a missing stage: %d", r.status)
	}
	// The list checks a changed integration again rather than show the
	// check of its old settings.
	if row := rowOf(b.get("/integrations").body, broken); !strings.Contains(row, "Elsewhere") {
		t.Errorf("after its settings changed the integration is listed as:\n%s", row)
	}
	if log := b.get("/audit?action=integration.save").body; !strings.Contains(log, "settings changed: triggerStage (not activated yet)") {
		t.Errorf("a refused Activate that saved the settings is not in the audit log:\n%s", log)
	}

	// The settings change is in the audit log, naming the setting.
	audit := b.get("/audit?target=integration:")
	if !strings.Contains(audit.body, ">integration.save<") || !strings.Contains(audit.body, "settings changed: triggerStage") || !strings.Contains(audit.body, ">integration.create<") {
		t.Errorf("the audit log of integrations:\n%s", audit.body)
	}
	for _, want := range []string{">connection.create<", ">connection.register_webhooks<"} {
		if !strings.Contains(b.get("/audit").body, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
}

func TestMembersSeeProvidersAndTheAuditLogReadOnly(t *testing.T) {
	env := startDemo(t)
	admin := newBrowser(t, env.UIURL)
	createOwner(t, admin)
	addUser(t, admin, "mo@tool.example", "member", "member password 1")
	m := newBrowser(t, env.UIURL)
	if r := login(t, m, "mo@tool.example", "member password 1"); r.status != http.StatusSeeOther {
		t.Fatalf("member login: %d", r.status)
	}
	p := m.get("/providers/" + demo.ProviderID)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Demo Assessments") {
		t.Fatalf("member GET the provider page: %d", p.status)
	}
	for _, form := range []string{`id="provider-edit"`, `id="rotate-key"`, `id="rotate-secret"`, `id="provider-delete"`, "<input"} {
		if strings.Contains(strings.SplitN(p.body, "<main>", 2)[1], form) {
			t.Errorf("a member's provider page has %s", form)
		}
	}
	if r := m.post("/providers/"+demo.ProviderID, "/providers/"+demo.ProviderID+"/rotate-key", url.Values{"grace": {"1h"}}); r.status != http.StatusForbidden {
		t.Fatalf("member rotates a key: %d", r.status)
	}
	if r := m.get("/integrations"); r.status != http.StatusOK {
		t.Fatalf("member GET /integrations: %d", r.status)
	}

	// A member's retry is recorded under their name; a refused action is not
	// recorded at all.
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
	id := regexp.MustCompile(`action="/dead-letters/(\d+)/retry"`).FindStringSubmatch(m.get("/dead-letters").body)
	if id == nil {
		t.Fatal("no dead letter to retry")
	}
	if r := m.post("/dead-letters", "/dead-letters/"+id[1]+"/retry", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("member retries: %d", r.status)
	}
	mine := m.get("/audit?actor=mo%40tool.example")
	if !strings.Contains(mine.body, ">job.retry<") || !strings.Contains(mine.body, "job:"+id[1]) || strings.Contains(mine.body, ">provider.rotate_key<") || strings.Contains(mine.body, ">user.add<") {
		t.Errorf("the member's audit entries:\n%s", mine.body)
	}
	if r := admin.post("/users", "/users/"+userID(t, admin, "mo@tool.example")+"/role", url.Values{"role": {"admin"}}); r.status != http.StatusSeeOther {
		t.Fatalf("promote the member: %d", r.status)
	}
	all := admin.get("/audit?target=user:mo%40tool.example").body
	if !strings.Contains(all, ">user.add<") || !strings.Contains(all, ">user.role<") || !strings.Contains(all, "role set to admin") {
		t.Errorf("adding and promoting the member are not in the audit log under their e-mail:\n%s", all)
	}
	future := time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02")
	if r := m.get("/audit?since=" + future); !strings.Contains(r.body, "No entry matches") {
		t.Errorf("entries after %s are listed", future)
	}
	if r := m.get("/audit?since=yesterday"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Since &#34;yesterday&#34; is not a date") {
		t.Errorf("a bad since: %d\n%s", r.status, r.body)
	}
}
