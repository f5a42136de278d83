package leversandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestNotes(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	base := "/v1/opportunities/" + adaOpp + "/notes"
	id := b.call(t, "POST", base+"?perform_as="+recruiterID, map[string]any{"value": "first"}).must(t, 201).data(t)["noteId"].(string)
	// note_id appends a comment to the thread.
	again := b.call(t, "POST", base+"?note_id="+id, map[string]any{"value": "second"}).must(t, 201).data(t)["noteId"]
	if again != id {
		t.Fatalf("noteId=%v, want the thread %s", again, id)
	}
	n := b.call(t, "GET", base+"/"+id, nil).must(t, 200).data(t)
	if fields := n["fields"].([]any); len(fields) != 2 || fields[1].(map[string]any)["value"] != "second" {
		t.Fatalf("note=%v", n)
	}
	b.call(t, "POST", base, map[string]any{"value": ""}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", base, map[string]any{"value": "x", "score": 5}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", base, map[string]any{"value": "x", "createdAt": 99999999999999}).errorBody(t, 400, "BadRequest")

	// Update replaces; it bumps the opportunity's updatedAt.
	before := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["updatedAt"].(float64)
	b.call(t, "PUT", base+"/"+id, map[string]any{"values": []map[string]any{{"value": "rewritten"}}, "user": recruiterID}).must(t, 200)
	n = b.call(t, "GET", base+"/"+id, nil).must(t, 200).data(t)
	if fields := n["fields"].([]any); len(fields) != 1 || fields[0].(map[string]any)["value"] != "rewritten" {
		t.Fatalf("note after update=%v", n)
	}
	if after := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["updatedAt"].(float64); after < before {
		t.Fatalf("updatedAt went back")
	}
	b.call(t, "DELETE", base+"/"+id, nil).must(t, 204)
	b.call(t, "GET", base+"/"+id, nil).errorBody(t, 404, "ResourceNotFound")

	// Notes written in the app cannot be changed through the API.
	dev := "/v1/opportunities/" + seedID("opportunity:dev") + "/notes/" + seedID("note:dev")
	b.call(t, "PUT", dev, map[string]any{"values": []map[string]any{{"value": "x"}}}).errorBody(t, 403, "Forbidden")
	b.call(t, "DELETE", dev, nil).errorBody(t, 403, "Forbidden")
}

func TestProfileForms(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	base := "/v1/opportunities/" + adaOpp + "/forms"
	field := func(typ, text string, required bool, value any, options ...string) map[string]any {
		f := map[string]any{"type": typ, "text": text, "description": "", "required": required, "value": value}
		if len(options) > 0 {
			var opts []map[string]string
			for _, o := range options {
				opts = append(opts, map[string]string{"text": o})
			}
			f["options"] = opts
		}
		return f
	}
	good := []map[string]any{
		field("text", "Score", true, "82"),
		field("dropdown", "Recommendation", true, "Advance", "Advance", "Hold", "Reject"),
		field("textarea", "Comments", false, nil),
	}
	bad := map[string][]map[string]any{
		"a field missing":         good[:2],
		"wrong text":              {field("text", "Points", true, "82"), good[1], good[2]},
		"required value missing":  {field("text", "Score", true, nil), good[1], good[2]},
		"value not an option":     {good[0], field("dropdown", "Recommendation", true, "Maybe", "Advance", "Hold", "Reject"), good[2]},
		"fields in another order": {good[1], good[0], good[2]},
	}
	for name, fields := range bad {
		t.Run(name+" is 400 and creates nothing", func(t *testing.T) {
			b.call(t, "POST", base, map[string]any{"baseTemplateId": demoFormTpl, "fields": fields}).errorBody(t, 400, "BadRequest")
		})
	}
	if n := len(b.call(t, "GET", base, nil).must(t, 200).list(t)); n != 0 {
		t.Fatalf("%d forms after refused creates", n)
	}
	form := b.call(t, "POST", base, map[string]any{"baseTemplateId": demoFormTpl, "fields": good}).must(t, 201).data(t)
	if form["user"] != nil {
		t.Fatalf("user=%v without perform_as", form["user"])
	}
	fields := form["fields"].([]any)
	if fields[0].(map[string]any)["id"] == seedID("form-template:demo-assessment:score") {
		t.Fatal("form fields reuse the template's field ids")
	}
	if v, has := fields[2].(map[string]any)["value"]; !has || v != nil {
		t.Fatalf("unanswered field value=%v (present %v), want null", v, has)
	}
	b.call(t, "GET", base+"/"+form["id"].(string), nil).must(t, 200)

	// Form templates: create (with generated field ids), list with include,
	// update and delete API-created ones only.
	tpl := b.call(t, "POST", "/v1/form_templates", map[string]any{
		"text": "Acme Assessment", "instructions": "Results", "fields": []map[string]any{
			{"type": "text", "text": "Score", "required": true},
			{"type": "yes-no", "text": "Passed", "required": false},
			{"type": "multiple-select", "text": "Skills", "options": []map[string]string{{"text": "Go"}, {"text": "SQL"}}},
		},
	}).must(t, 201).data(t)
	tplID := tpl["id"].(string)
	for _, f := range tpl["fields"].([]any) {
		if f.(map[string]any)["id"] == "" {
			t.Fatal("template field without id")
		}
	}
	listed := b.call(t, "GET", "/v1/form_templates?include=text", nil).must(t, 200).list(t)
	if len(listed) != 2 || len(listed[0]) != 2 {
		t.Fatalf("templates with include=text: %v", listed)
	}
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/forms", map[string]any{"baseTemplateId": tplID, "fields": []map[string]any{
		field("text", "Score", true, "90"), field("yes-no", "Passed", false, "yes"),
		field("multiple-select", "Skills", false, []string{"Go", "SQL"}, "Go", "SQL"),
	}}).must(t, 201)
	b.call(t, "POST", "/v1/form_templates", map[string]any{"text": "Bad", "fields": []map[string]any{{"type": "score-system", "text": "x"}}}).errorBody(t, 400, "BadRequest")
	b.call(t, "PUT", "/v1/form_templates/"+tplID, map[string]any{"text": "Acme Assessment v2", "fields": []map[string]any{{"type": "text", "text": "Score"}}}).must(t, 200)
	b.call(t, "PUT", "/v1/form_templates/"+demoFormTpl, map[string]any{"text": "x", "fields": []map[string]any{{"type": "text", "text": "x"}}}).errorBody(t, 403, "Forbidden")
	b.call(t, "DELETE", "/v1/form_templates/"+demoFormTpl, nil).errorBody(t, 403, "Forbidden")
	b.call(t, "DELETE", "/v1/form_templates/"+tplID, nil).must(t, 204)
	b.call(t, "GET", "/v1/form_templates/"+tplID, nil).errorBody(t, 404, "ResourceNotFound")
}

func TestFeedback(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	b.call(t, "POST", "/v1/feedback_templates", map[string]any{"text": "No score", "fields": []map[string]any{{"type": "textarea", "text": "Notes"}}}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", "/v1/feedback_templates", map[string]any{"text": "Two scores", "fields": []map[string]any{
		{"type": "score-system", "text": "A"}, {"type": "score-system", "text": "B"}}}).errorBody(t, 400, "BadRequest")
	tpl := b.call(t, "POST", "/v1/feedback_templates", map[string]any{"text": "Acme round", "fields": []map[string]any{
		{"type": "score-system", "text": "Overall", "required": true}, {"type": "textarea", "text": "Summary"}}}).must(t, 201).data(t)
	fields := tpl["fields"].([]any)
	scoreID, summaryID := fields[0].(map[string]any)["id"], fields[1].(map[string]any)["id"]
	if opts := fields[0].(map[string]any)["options"].([]any); len(opts) != 4 {
		t.Fatalf("score-system options=%v", opts)
	}
	list := b.call(t, "GET", "/v1/feedback_templates", nil).must(t, 200).list(t)
	if len(list) != 3 { // No Feedback, Interview Feedback, Acme round
		t.Fatalf("feedback templates=%d", len(list))
	}

	base := "/v1/opportunities/" + adaOpp + "/feedback"
	body := map[string]any{"baseTemplateId": tpl["id"], "fieldValues": []map[string]any{{"id": scoreID, "value": "3 - Hire"}, {"id": summaryID, "value": "Solid."}}}
	b.call(t, "POST", base, body).errorBody(t, 400, "BadRequest") // perform_as required
	b.call(t, "POST", base+"?perform_as="+interviewerID, map[string]any{"baseTemplateId": tpl["id"], "fieldValues": []map[string]any{{"id": scoreID, "value": "5 - Wow"}}}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", base+"?perform_as="+interviewerID, map[string]any{"baseTemplateId": tpl["id"], "panel": newID(), "fieldValues": []map[string]any{{"id": scoreID, "value": "3 - Hire"}}}).errorBody(t, 400, "BadRequest")
	fb := b.call(t, "POST", base+"?perform_as="+interviewerID, body).must(t, 201).data(t)
	if fb["user"] != interviewerID || fb["baseTemplateId"] != tpl["id"] {
		t.Fatalf("feedback=%v", fb)
	}
	got := b.call(t, "GET", base, nil).must(t, 200).list(t)
	if len(got) != 1 || got[0]["fields"].([]any)[0].(map[string]any)["value"] != "3 - Hire" {
		t.Fatalf("feedback list=%v", got)
	}
	b.call(t, "DELETE", base+"/"+fb["id"].(string)+"?perform_as="+interviewerID, nil).must(t, 204)
}

func TestPostingsAndContacts(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	p := b.call(t, "POST", "/v1/postings?perform_as="+recruiterID, map[string]any{
		"text": "QA Engineer", "categories": map[string]any{"team": "Quality", "location": "Lisbon", "commitment": "Full-time"},
		"tags": []string{"Acme Tests"},
	}).must(t, 201).data(t)
	if p["state"] != "draft" || p["user"] != recruiterID || p["owner"] != recruiterID {
		t.Fatalf("posting=%v", p)
	}
	id := p["id"].(string)
	// Partial update: tags replace, other fields stay.
	up := b.call(t, "POST", "/v1/postings/"+id+"?perform_as="+recruiterID, map[string]any{"tags": []string{"Demo: Go Coding"}, "state": "published"}).must(t, 200).data(t)
	if tags := strs(up["tags"]); len(tags) != 1 || tags[0] != "Demo: Go Coding" || up["text"] != "QA Engineer" || up["state"] != "published" {
		t.Fatalf("updated posting=%v", up)
	}
	b.call(t, "PUT", "/v1/postings/"+id, map[string]any{"text": "x"}).errorBody(t, 404, "ResourceNotFound")
	b.call(t, "POST", "/v1/postings?perform_as="+recruiterID, map[string]any{"text": "Secret", "confidentiality": "confidential"}).errorBody(t, 400, "BadRequest")

	// A new opportunity on it inherits the new tag.
	o := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{"name": "Q A", "postings": []string{id}}).must(t, 201).data(t)
	if !contains(strs(o["tags"]), "Demo: Go Coding") || !contains(strs(o["tags"]), "Lisbon") {
		t.Fatalf("tags=%v", o["tags"])
	}

	// Admin posting tags.
	at := b.call(t, "POST", "/_sandbox/postings/"+backendPosting+"/tags", map[string]any{"add": []string{"Demo: Go Coding"}}, noAuth).must(t, 200).data(t)
	if !contains(strs(at["tags"]), "Demo: Go Coding") {
		t.Fatalf("admin posting tags=%v", at["tags"])
	}

	// Contacts: location is a string in, an object out.
	c := b.call(t, "PUT", "/v1/contacts/"+seedID("contact:ada"), map[string]any{"location": "Hamburg", "phones": []map[string]string{{"value": "+49 1"}}}).must(t, 200).data(t)
	if c["location"].(map[string]any)["name"] != "Hamburg" || c["name"] != "Ada Park" {
		t.Fatalf("contact=%v", c)
	}
	if loc := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["location"]; loc != "Hamburg" {
		t.Fatalf("opportunity location=%v", loc)
	}
	links := b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/addLinks", map[string]any{"links": []string{"https://ada.dev"}}).must(t, 200).data(t)
	if !contains(strs(links["links"]), "https://ada.dev") {
		t.Fatalf("links=%v", links["links"])
	}
	src := b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/addSources", map[string]any{"sources": []string{"Acme"}}).must(t, 200).data(t)
	if !contains(strs(src["sources"]), "Acme") {
		t.Fatalf("sources=%v", src["sources"])
	}
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/addTags", map[string]any{"tag": "x"}).errorBody(t, 400, "BadRequest")
}

func TestPanelsOnlyExternallyManaged(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	grace := "/v1/opportunities/" + seedID("opportunity:grace")
	panelID, ivID := seedID("panel:grace"), seedID("interview:grace")
	p := b.call(t, "GET", grace+"/panels/"+panelID, nil).must(t, 200).data(t)
	if p["externallyManaged"] != false {
		t.Fatalf("seed panel=%v", p)
	}
	iv := map[string]any{"panel": panelID, "interviewers": []map[string]any{{"id": interviewerID}}, "date": 1900000000000, "duration": 30}
	b.call(t, "POST", grace+"/interviews?perform_as="+recruiterID, iv).errorBody(t, 403, "Forbidden")
	b.call(t, "PUT", grace+"/interviews/"+ivID+"?perform_as="+recruiterID, iv).errorBody(t, 403, "Forbidden")
	b.call(t, "DELETE", grace+"/panels/"+panelID+"?perform_as="+recruiterID, nil).errorBody(t, 403, "Forbidden")
	b.call(t, "POST", grace+"/panels?perform_as="+recruiterID, map[string]any{"timezone": "UTC", "interviews": []any{}}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", grace+"/panels?perform_as="+recruiterID, map[string]any{"timezone": "UTC", "applications": []string{},
		"interviews": []any{iv}}).errorBody(t, 400, "BadRequest")

	// A panel update keeps interviews sent with an id, adds new ones, drops
	// the rest.
	created := b.call(t, "POST", grace+"/panels?perform_as="+recruiterID, map[string]any{"timezone": "UTC", "interviews": []any{iv, iv}}).must(t, 201).data(t)
	ivs := created["interviews"].([]any)
	keep := ivs[0].(map[string]any)["id"]
	kept := map[string]any{"id": keep, "interviewers": []map[string]any{{"id": interviewerID}}, "date": 1900000000000, "duration": 90}
	updated := b.call(t, "PUT", grace+"/panels/"+created["id"].(string)+"?perform_as="+recruiterID, map[string]any{
		"timezone": "UTC", "interviews": []any{kept, iv}}).must(t, 200).data(t)
	got := updated["interviews"].([]any)
	if len(got) != 2 || got[0].(map[string]any)["id"] != keep || got[1].(map[string]any)["id"] == ivs[1].(map[string]any)["id"] {
		t.Fatalf("interviews after update=%v", got)
	}
	if n := len(b.call(t, "GET", grace+"/interviews", nil).must(t, 200).list(t)); n != 3 {
		t.Fatalf("interviews=%d, want 3 (seed + 2)", n)
	}
}

func TestArchive(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	path := "/v1/opportunities/" + adaOpp + "/archived"
	b.call(t, "PUT", path, map[string]any{}).errorBody(t, 400, "BadRequest")
	b.call(t, "PUT", path, map[string]any{"reason": newID()}).errorBody(t, 400, "BadRequest")
	o := b.call(t, "PUT", path, map[string]any{"reason": seedID("reason:Withdrew")}).must(t, 200).data(t)
	if o["archived"].(map[string]any)["reason"] != seedID("reason:Withdrew") || o["archiveReason"] != seedID("reason:Withdrew") || o["archivedAt"] == nil {
		t.Fatalf("archived=%v", o)
	}
	o = b.call(t, "PUT", path, map[string]any{"reason": nil}).must(t, 200).data(t)
	if o["archived"] != nil || o["archivedAt"] != nil {
		t.Fatalf("unarchived=%v", o)
	}
	// The admin endpoint takes reason texts and stage texts.
	v := b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/archive", map[string]any{"reason": "Hired"}, noAuth).must(t, 200).object(t)
	if v["opportunity"].(map[string]any)["archived"] == nil {
		t.Fatalf("admin archive=%v", v)
	}
	v = b.call(t, "POST", "/_sandbox/opportunities/"+adaOpp+"/stage", map[string]any{"stage": "phone interview"}, noAuth).must(t, 200).object(t)
	if v["stage"].(map[string]any)["text"] != "Phone interview" {
		t.Fatalf("admin stage=%v", v["stage"])
	}
	list := b.call(t, "GET", "/_sandbox/opportunities?stage=Phone%20interview", nil, noAuth).must(t, 200).list(t)
	if len(list) != 2 {
		t.Fatalf("admin list in Phone interview=%d, want 2", len(list))
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	page := b.call(t, "GET", "/", nil, noAuth).must(t, 200)
	for _, want := range []string{"Ada Park", "Backend Engineer", "Demo: Go Coding", "New applicant", "Great phone screen", "Overall Rating", "Move"} {
		if !strings.Contains(string(page.body), want) {
			t.Fatalf("page lacks %q", want)
		}
	}
	// The Move button posts a form (with the session's CSRF token, as the
	// signed-in user); the page redirects back and the webhook fires.
	form := "stage=" + stageID("Assessment") + "&return=%2F"
	b.call(t, "POST", "/opportunities/"+adaOpp+"/stage", []byte(form), noAuth, contentType("application/x-www-form-urlencoded")).must(t, http.StatusForbidden)
	br := newBrowser(t, b)
	br.signInAs(recruiterID)
	if p := br.post("/opportunities/"+adaOpp+"/stage", url.Values{"stage": {stageID("Assessment")}, "return": {"/"}}); p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("move: %d %q", p.status, p.location)
	}
	if d := rc.wait(t, 1)[0].data(t); d["opportunityId"] != adaOpp {
		t.Fatalf("data=%v", d)
	}
	changes := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["stageChanges"].([]any)
	if last := changes[len(changes)-1].(map[string]any); last["userId"] != recruiterID || last["toStageId"] != stageID("Assessment") {
		t.Fatalf("last stage change=%v, want by the signed-in user", last)
	}
	if p := br.post("/opportunities/"+adaOpp+"/archive", url.Values{"reason": {"Withdrew"}, "return": {"/"}}); p.status != http.StatusSeeOther {
		t.Fatalf("archive: %d", p.status)
	}
	if p := br.get("/"); !strings.Contains(p.body, `id="signed-in">Rahul Khan`) || !strings.Contains(p.body, "archived: Withdrew") {
		t.Fatal("the page does not show the signed-in user or the archive")
	}
	detail := b.call(t, "GET", "/opportunities/"+adaOpp, nil, noAuth).must(t, 200)
	if !strings.Contains(string(detail.body), "Stage history") {
		t.Fatal("detail page lacks the stage history")
	}
	b.call(t, "GET", "/opportunities/"+newID(), nil, noAuth).must(t, 404)
}

func TestFileUploadCap(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	path := "/v1/opportunities/" + adaOpp + "/files?perform_as=" + recruiterID
	body, ct := multipartBody(t, nil, []multipartFile{{"file", "big.pdf", make([]byte, maxFileSize+1)}})
	b.call(t, "POST", path, body, contentType(ct)).errorBody(t, 400, "BadRequest")
	body, ct = multipartBody(t, nil, []multipartFile{{"file", "empty.pdf", nil}})
	f := b.call(t, "POST", path, body, contentType(ct)).must(t, 201).data(t)
	if f["status"] != "error" {
		t.Fatalf("empty file status=%v", f["status"])
	}
	b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/files/"+f["id"].(string)+"/download", nil).errorBody(t, 422, "UnprocessableEntity")
	b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/files?uploaded_at_start=soon", nil).errorBody(t, 400, "BadRequest")
	b.call(t, "DELETE", "/v1/opportunities/"+adaOpp+"/files/"+f["id"].(string), nil).errorBody(t, 400, "BadRequest")
	b.call(t, "DELETE", "/v1/opportunities/"+adaOpp+"/files/"+f["id"].(string)+"?perform_as="+recruiterID, nil).must(t, 204)
}
