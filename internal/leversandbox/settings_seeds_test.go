package leversandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The Lever-side steps of each seed, done in the sandbox's pages the way
// the help articles describe them, on an account whose webhook groups start
// switched off (as a new Lever account's do).

// The permissions seed 002 (iMocha) asks the admin to tick.
var (
	imochaRead = []string{
		"Find a stage", "Find a user", "Find a posting", "Find an opportunity", "Find an opportunity application",
		"Find an opportunity form", "Find a form template", "Find all users", "Find all stages", "Find all tags",
		"Find all postings", "Find all opportunities", "Find all form templates", "Find all opportunity application",
		"Find all opportunity forms", "Find all opportunity notes",
	}
	imochaWrite = []string{
		"Upload an opportunities file", "Update opportunity stage", "Update a form template", "Remove opportunities tag",
		"Create an opportunity note", "Create an opportunity form", "Create a form template", "Add opportunity tag",
	}
)

func freshAccount(t *testing.T) *testBundle {
	t.Helper()
	_, b := setupGroupsOff(t, Config{Seed: "demo"})
	for _, g := range b.call(t, "GET", "/_sandbox/webhook-groups", nil, noAuth).must(t, 200).list(t) {
		if g["enabled"] != false {
			t.Fatalf("group %v is on in a fresh account", g["event"])
		}
	}
	return b
}

// moveAs moves an opportunity as a recruiter in the app.
func moveAs(t *testing.T, b *testBundle, opp, stage string) {
	t.Helper()
	b.call(t, "POST", "/_sandbox/opportunities/"+opp+"/stage", map[string]string{"stage": stage}, noAuth).must(t, 200)
}

// quiet asserts that rc gets nothing more for a moment.
func quiet(t *testing.T, rc *receiver, n int, why string) {
	t.Helper()
	time.Sleep(100 * time.Millisecond)
	if got := rc.count(); got != n {
		t.Fatalf("%s: receiver got %d requests, want %d", why, got, n)
	}
}

// Seed 000 (Jobma): accept the app's permissions, switch on Candidate Stage
// Change, then later revoke the app under Authorized Apps.
func TestSeed000JobmaWalkthrough(t *testing.T) {
	t.Parallel()
	b := freshAccount(t)
	admin := newBrowser(t, b)
	scopes := "offline_access opportunities:write:admin notes:write:admin stages:read:admin tags:read:admin postings:read:admin webhooks:write:admin"
	params := oauthApp(t, b, "jobma", scopes)

	// In Jobma: Integrations > Lever > review the permissions, Accept.
	consent := admin.get("/oauth/authorize?" + params.Encode())
	for _, sc := range strings.Fields(scopes) {
		if !strings.Contains(consent.body, sc) {
			t.Fatalf("consent screen lacks %s", sc)
		}
	}
	q := admin.approveApp(b, params, "accept")
	if q.Get("state") != "st-jobma" {
		t.Fatalf("state=%q", q.Get("state"))
	}
	access, refresh := exchange(t, b, "jobma", q.Get("code"))

	// Jobma subscribes to stage changes through the API.
	jobma := newReceiver(t)
	b.call(t, "POST", "/v1/webhooks", map[string]any{"url": jobma.srv.URL, "event": eventStageChange}, bearer(access)).must(t, 201)
	moveAs(t, b, adaOpp, "Jobma")
	quiet(t, jobma, 0, "before Candidate Stage Change is switched on")

	// In Lever: Settings > Integrations and API > Webhooks, toggle it on.
	p := admin.get("/settings/integrations/webhooks")
	if !strings.Contains(p.body, `id="group-candidateStageChange"`) || !strings.Contains(p.body, jobma.srv.URL) {
		t.Fatal("the webhooks tab does not list the group with Jobma's URL")
	}
	admin.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"on"}})
	moveAs(t, b, adaOpp, "Phone interview")
	moveAs(t, b, adaOpp, "Jobma")
	got := jobma.wait(t, 2)
	if got[1].data(t)["toStageId"] != stageID("Jobma") {
		t.Fatalf("delivery=%s", got[1].raw)
	}
	// Jobma writes the interview link back.
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/notes", map[string]any{"value": "Jobma interview: https://jobma.example/i/1"}, bearer(access)).must(t, 201)
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/addTags", map[string]any{"tags": []string{"Jobma Interview Invited"}}, bearer(access)).must(t, 200)

	// Disabling: Authorized Apps > Jobma > Revoke access.
	apps := admin.get("/settings/integrations/authorized-apps")
	if !strings.Contains(apps.body, `id="app-jobma"`) {
		t.Fatal("Jobma is not listed under Authorized Apps")
	}
	admin.submit("/settings/integrations/authorized-apps/jobma/revoke", nil)
	b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil, bearer(access)).errorBody(t, 401, "Unauthorized")
	if status, code := refreshGrant(t, b, "jobma", refresh); status != 400 || code != "invalid_grant" {
		t.Fatalf("refresh: %d %s", status, code)
	}
}

// Seed 001 (JobTwine): accept in the modal, switch on Candidate Stage
// Change, tag a posting "JobTwine", revoke under Authorized Apps.
func TestSeed001JobTwineWalkthrough(t *testing.T) {
	t.Parallel()
	b := freshAccount(t)
	admin := newBrowser(t, b)
	params := oauthApp(t, b, "jobtwine", "offline_access opportunities:write:admin notes:write:admin stages:read:admin postings:read:admin users:read:admin interviews:read:admin webhooks:write:admin")

	// Someone who is not a Super Admin cannot connect it.
	recruiter := newBrowser(t, b)
	recruiter.signInAs(recruiterID)
	if q := recruiter.approveApp(b, params, "accept"); q.Get("error") != "access_denied" {
		t.Fatalf("team member accepted: %v", q)
	}
	q := admin.approveApp(b, params, "accept")
	access, refresh := exchange(t, b, "jobtwine", q.Get("code"))

	admin.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"on"}})
	p := admin.get("/settings/integrations/webhooks")
	if !strings.Contains(p.body, `id="group-candidateStageChange">`+"\n  <h2>Candidate Stage Change <span class=\"on\">on</span>") {
		t.Fatal("the group is not shown as on")
	}
	jobtwine := newReceiver(t)
	b.call(t, "POST", "/v1/webhooks", map[string]any{"url": jobtwine.srv.URL, "event": eventStageChange}, bearer(access)).must(t, 201)

	// Jobs with the "JobTwine" tag are pulled in.
	jobs := b.call(t, "GET", "/v1/postings?tag=JobTwine", nil, bearer(access)).must(t, 200).list(t)
	if len(jobs) != 1 || jobs[0]["id"] != sreposting {
		t.Fatalf("tagged postings=%v", jobs)
	}
	moveAs(t, b, adaOpp, "JobTwine")
	if d := jobtwine.wait(t, 1)[0].data(t); d["toStageId"] != stageID("JobTwine") {
		t.Fatalf("delivery=%v", d)
	}
	b.call(t, "GET", "/v1/users", nil, bearer(access)).must(t, 200)
	// Outside its scopes: a 403.
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/files?perform_as="+recruiterID, nil, bearer(access)).errorBody(t, 403, "Forbidden")

	admin.submit("/settings/integrations/authorized-apps/jobtwine/revoke", nil)
	b.call(t, "GET", "/v1/postings", nil, bearer(access)).errorBody(t, 401, "Unauthorized")
	if status, code := refreshGrant(t, b, "jobtwine", refresh); status != 400 || code != "invalid_grant" {
		t.Fatalf("refresh: %d %s", status, code)
	}
}

// Seed 002 (iMocha): generate an API key with exactly the listed
// permissions, add the stage-change webhook URL; the key does what iMocha
// needs and nothing else.
func TestSeed002IMochaWalkthrough(t *testing.T) {
	t.Parallel()
	b := freshAccount(t)
	admin := newBrowser(t, b)
	key := admin.generateKey("iMocha", append(append([]string{}, imochaRead...), imochaWrite...)...)
	for _, k := range b.call(t, "GET", "/_sandbox/api-keys", nil, noAuth).must(t, 200).list(t) {
		if k["name"] == "iMocha" && len(strs(k["permissions"])) != len(imochaRead)+len(imochaWrite) {
			t.Fatalf("permissions=%v", k["permissions"])
		}
	}
	as := basicKey(key)

	// 4. Webhooks tab: add the URL to Candidate stage change (and switch it on).
	imocha := newReceiver(t)
	admin.submit("/settings/integrations/webhooks/candidateStageChange/add", url.Values{"url": {imocha.srv.URL}})
	moveAs(t, b, adaOpp, "Assessment")
	quiet(t, imocha, 0, "while the group is off")
	admin.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"on"}})

	// iMocha's configuration screen: stages, form templates, postings, users, tags.
	b.call(t, "GET", "/v1/stages", nil, as).must(t, 200)
	b.call(t, "GET", "/v1/stages/"+stageID("Assessment"), nil, as).must(t, 200)
	b.call(t, "GET", "/v1/form_templates", nil, as).must(t, 200)
	b.call(t, "GET", "/v1/form_templates/"+demoFormTpl, nil, as).must(t, 200)
	b.call(t, "GET", "/v1/postings", nil, as).must(t, 200)
	b.call(t, "GET", "/v1/postings/"+backendPosting, nil, as).must(t, 200)
	b.call(t, "GET", "/v1/users", nil, as).must(t, 200)
	b.call(t, "GET", "/v1/users/"+recruiterID, nil, as).must(t, 200)
	b.call(t, "GET", "/v1/tags", nil, as).must(t, 200)
	tpl := b.call(t, "POST", "/v1/form_templates", map[string]any{
		"text": "iMocha Assessment", "fields": []map[string]any{{"type": "text", "text": "Score", "required": true}},
	}, as).must(t, 201).data(t)
	tplID := tpl["id"].(string)
	b.call(t, "PUT", "/v1/form_templates/"+tplID, map[string]any{
		"text": "iMocha Assessment", "fields": []map[string]any{{"type": "text", "text": "Score", "required": true}, {"type": "text", "text": "Report", "required": false}},
	}, as).must(t, 200)

	// The recruiter moves the candidate to "Assessment": iMocha is told.
	moveAs(t, b, adaOpp, "Phone interview")
	moveAs(t, b, adaOpp, "Assessment")
	ev := imocha.wait(t, 2)[1]
	if ev.env.Event != eventStageChange || ev.data(t)["toStageId"] != stageID("Assessment") {
		t.Fatalf("delivery=%s", ev.raw)
	}
	opp := ev.data(t)["opportunityId"].(string)

	// What iMocha then does with the key.
	o := b.call(t, "GET", "/v1/opportunities/"+opp+"?expand=applications", nil, as).must(t, 200).data(t)
	b.call(t, "GET", "/v1/opportunities?tag=Demo:%20Go%20Coding", nil, as).must(t, 200)
	apps := b.call(t, "GET", "/v1/opportunities/"+opp+"/applications", nil, as).must(t, 200).list(t)
	b.call(t, "GET", "/v1/opportunities/"+opp+"/applications/"+apps[0]["id"].(string), nil, as).must(t, 200)
	b.call(t, "POST", "/v1/opportunities/"+opp+"/addTags", map[string]any{"tags": []string{"iMocha: Invited"}}, as).must(t, 200)
	b.call(t, "POST", "/v1/opportunities/"+opp+"/removeTags", map[string]any{"tags": []string{"iMocha: Invited"}}, as).must(t, 200)
	b.call(t, "POST", "/v1/opportunities/"+opp+"/notes", map[string]any{"value": "iMocha assessment completed: 82/100"}, as).must(t, 201)
	b.call(t, "GET", "/v1/opportunities/"+opp+"/notes", nil, as).must(t, 200)
	form := b.call(t, "POST", "/v1/opportunities/"+opp+"/forms?perform_as="+recruiterID, map[string]any{
		"baseTemplateId": tplID, "fields": []map[string]any{
			{"type": "text", "text": "Score", "description": "", "required": true, "value": "82"},
			{"type": "text", "text": "Report", "description": "", "required": false, "value": nil},
		},
	}, as).must(t, 201).data(t)
	b.call(t, "GET", "/v1/opportunities/"+opp+"/forms", nil, as).must(t, 200)
	b.call(t, "GET", "/v1/opportunities/"+opp+"/forms/"+form["id"].(string), nil, as).must(t, 200)
	body, ct := multipartBody(t, nil, []multipartFile{{"file", "imocha-report.pdf", []byte("%PDF-1.4 report")}})
	b.call(t, "POST", "/v1/opportunities/"+opp+"/files?perform_as="+recruiterID, body, as, contentType(ct)).must(t, 201)
	b.call(t, "PUT", "/v1/opportunities/"+opp+"/stage", map[string]any{"stage": stageID("Assessment Complete")}, as).must(t, 200)

	// And nothing else.
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/opportunities?perform_as=" + recruiterID, map[string]any{"name": "X", "emails": []string{"x@example.org"}}},
		{"PUT", "/v1/opportunities/" + opp + "/archived", map[string]any{"reason": seedID("reason:Withdrew")}},
		{"POST", "/v1/opportunities/" + opp + "/addLinks", map[string]any{"links": []string{"https://x.example"}}},
		{"GET", "/v1/opportunities/" + opp + "/files", nil},
		{"GET", "/v1/opportunities/" + opp + "/resumes", nil},
		{"GET", "/v1/opportunities/" + opp + "/feedback", nil},
		{"GET", "/v1/opportunities/deleted", nil},
		{"DELETE", "/v1/form_templates/" + tplID, nil},
		{"POST", "/v1/postings/" + backendPosting + "?perform_as=" + recruiterID, map[string]any{"tags": []string{"iMocha"}}},
		{"GET", "/v1/archive_reasons", nil},
		{"GET", "/v1/sources", nil},
		{"GET", "/v1/webhooks", nil},
		{"POST", "/v1/webhooks", map[string]any{"url": "https://x.example/h", "event": eventStageChange}},
		{"GET", "/v1/contacts/" + o["contact"].(string), nil},
		{"POST", "/v1/users", map[string]any{"name": "X", "email": "x@example.org"}},
	} {
		b.call(t, c.method, c.path, c.body, as).errorBody(t, http.StatusForbidden, "Forbidden")
	}
	// The recruiter sees the result in Lever.
	view := b.call(t, "GET", "/_sandbox/opportunities/"+opp, nil, noAuth).must(t, 200).object(t)
	if view["stage"].(map[string]any)["text"] != "Assessment Complete" || len(view["forms"].([]any)) != 1 || len(view["files"].([]any)) != 1 {
		t.Fatalf("recruiter view=%v", view)
	}
}

// Seed 003 (sourcing platform): the API key from Lever, Generate Token on
// the Webhooks page, switch on Candidate Stage Change, + Add Webhook and
// Verify Connection.
func TestSeed003SourcingWalkthrough(t *testing.T) {
	t.Parallel()
	b := freshAccount(t)
	admin := newBrowser(t, b)

	// 3. The API key (Lever support hands it over; a Super Admin makes it).
	key := admin.generateKey("Anonymous interviews", "Create an opportunity", "Find all users", "Find all stages",
		"Find all postings", "Find an opportunity", "Update opportunity stage")
	as := basicKey(key)
	// 8. The default "perform as" user, found by e-mail.
	users := b.call(t, "GET", "/v1/users?email=rkhan@example.com", nil, as).must(t, 200).list(t)
	if len(users) != 1 || users[0]["id"] != recruiterID {
		t.Fatalf("users=%v", users)
	}
	b.call(t, "GET", "/v1/stages", nil, as).must(t, 200)

	// 4. Webhooks page: Generate Token (none yet).
	p := admin.get("/settings/integrations/webhooks")
	if !strings.Contains(p.body, "Generate Token") {
		t.Fatal("no Generate Token button")
	}
	p = admin.submit("/settings/integrations/webhooks/candidateStageChange/token", nil)
	tok := groupToken(t, b, eventStageChange)
	if !strings.Contains(p.body, tok) {
		t.Fatal("the generated token is not shown")
	}

	// 12. Toggle Candidate Stage Change on, + Add Webhook; 13. Verify Connection.
	admin.submit("/settings/integrations/webhooks/candidateStageChange/toggle", url.Values{"on": {"on"}})
	platform := newReceiver(t)
	p = admin.submit("/settings/integrations/webhooks/candidateStageChange/add", url.Values{"url": {platform.srv.URL}, "verify": {"1"}})
	if f := flashOf(p.body); !strings.Contains(f, "connection verified") {
		t.Fatalf("flash=%q", f)
	}
	test := platform.wait(t, 1)[0]
	if test.env.Event != eventHired || string(test.env.Data) != "{}" {
		t.Fatalf("verify request=%s", test.raw)
	}
	verifySignature(t, test, tok)

	// A successful interview: the candidate is exported into the default stage.
	opp := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{
		"name": "Anon Candidate", "emails": []string{"anon@example.org"}, "postings": []string{backendPosting},
		"stage": stageID("Phone interview"), "origin": "sourced",
	}, as).must(t, 201).data(t)
	// Stage changes in Lever keep the platform up to date, signed with the token.
	moveAs(t, b, opp["id"].(string), "On-site")
	d := platform.wait(t, 2)[1]
	if d.env.Event != eventStageChange || d.data(t)["opportunityId"] != opp["id"] {
		t.Fatalf("delivery=%s", d.raw)
	}
	verifySignature(t, d, tok)
	// The key has no more than it was given.
	b.call(t, "POST", "/v1/opportunities/"+opp["id"].(string)+"/notes", map[string]any{"value": "x"}, as).errorBody(t, 403, "Forbidden")
}

// Seed 004 (hackajob): accept the integration and its scopes, switch on the
// seven required webhooks, revoke under Authorized Apps.
func TestSeed004HackajobWalkthrough(t *testing.T) {
	t.Parallel()
	b := freshAccount(t)
	admin := newBrowser(t, b)
	params := oauthApp(t, b, "hackajob", "offline_access opportunities:write:admin contact:read:admin stages:read:admin postings:read:admin archive_reasons:read:admin interviews:read:admin users:read:admin webhooks:write:admin")
	q := admin.approveApp(b, params, "accept")
	access, refresh := exchange(t, b, "hackajob", q.Get("code"))
	tok := bearer(access)

	required := []struct{ event, label string }{
		{eventStageChange, "Candidate Stage Change"}, {eventArchiveChange, "Candidate Archive State Change"},
		{eventHired, "Candidate Hired"}, {eventDeleted, "Candidate Deleted"}, {eventInterviewCreated, "Interview Created"},
		{eventInterviewUpdated, "Interview Updated"}, {eventInterviewDeleted, "Interview Deleted"},
	}
	hackajob := newReceiver(t)
	for _, r := range append(required, struct{ event, label string }{eventApplicationCreated, "Application Created"}) {
		b.call(t, "POST", "/v1/webhooks", map[string]any{"url": hackajob.srv.URL, "event": r.event}, tok).must(t, 201)
	}
	p := admin.get("/settings/integrations/webhooks")
	for _, r := range required {
		if !strings.Contains(p.body, "<h2>"+r.label+" <span class=\"off\">off</span>") {
			t.Fatalf("%s is not listed as off", r.label)
		}
		admin.submit("/settings/integrations/webhooks/"+r.event+"/toggle", url.Values{"on": {"on"}})
	}
	p = admin.get("/settings/integrations/webhooks")
	for _, r := range required {
		if !strings.Contains(p.body, "<h2>"+r.label+" <span class=\"on\">on</span>") {
			t.Fatalf("%s is not on", r.label)
		}
	}

	// hackajob exports a candidate (Application Created stays off: nothing).
	opp := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{
		"name": "Hacka Candidate", "emails": []string{"hacka@example.org"}, "postings": []string{backendPosting}, "origin": "sourced",
		"stage": stageID("Phone interview"),
	}, tok).must(t, 201).data(t)
	id := opp["id"].(string)
	b.call(t, "GET", "/v1/contacts/"+opp["contact"].(string), nil, tok).must(t, 200)

	// Each of the seven fires once: a recruiter moves the candidate and
	// books, moves and cancels an interview, then hires and deletes.
	moveAs(t, b, id, "On-site")
	panel := b.call(t, "POST", "/v1/opportunities/"+id+"/panels?perform_as="+recruiterID, map[string]any{
		"timezone": "Europe/London", "externalUrl": "https://hackajob.example/i/1",
		"interviews": []map[string]any{{"subject": "Tech interview", "interviewers": []map[string]any{{"id": interviewerID}}, "date": 1900000000000, "duration": 60}},
	}).must(t, 201).data(t)
	ivID := panel["interviews"].([]any)[0].(map[string]any)["id"].(string)
	b.call(t, "PUT", "/v1/opportunities/"+id+"/interviews/"+ivID+"?perform_as="+recruiterID, map[string]any{
		"panel": panel["id"], "subject": "Tech interview (moved)", "interviewers": []map[string]any{{"id": interviewerID}}, "date": 1900000360000, "duration": 45,
	}).must(t, 200)
	b.call(t, "DELETE", "/v1/opportunities/"+id+"/interviews/"+ivID+"?perform_as="+recruiterID, nil).must(t, 204)
	b.call(t, "POST", "/_sandbox/opportunities/"+id+"/archive", map[string]any{"reason": "Hired"}, noAuth).must(t, 200)
	b.call(t, "DELETE", "/_sandbox/opportunities/"+id, nil, noAuth).must(t, 204)
	got := map[string]int{}
	for _, d := range hackajob.wait(t, 7) {
		got[d.env.Event]++
	}
	for _, r := range required {
		if got[r.event] != 1 {
			t.Fatalf("%s delivered %d times, want 1 (all: %v)", r.event, got[r.event], got)
		}
	}
	quiet(t, hackajob, 7, "Application Created is off")
	if got[eventApplicationCreated] != 0 {
		t.Fatal("Application Created was delivered while off")
	}

	// Disabling: Authorized Apps > hackajob > Revoke Access.
	admin.submit("/settings/integrations/authorized-apps/hackajob/revoke", nil)
	b.call(t, "GET", "/v1/stages", nil, tok).errorBody(t, 401, "Unauthorized")
	if status, code := refreshGrant(t, b, "hackajob", refresh); status != 400 || code != "invalid_grant" {
		t.Fatalf("refresh: %d %s", status, code)
	}
}
