package leversandbox

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"
)

// TestWalkthrough follows the curl examples of docs/lever-sandbox.md with
// plain net/http: create, move, tag, note, file, profile form, webhook.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)

	// Register a webhook through the API; the token is 48 lowercase hex.
	hookID, token := b.registerWebhook(t, "candidateStageChange", rc.srv.URL+"/hooks/lever", nil)
	if !regexp.MustCompile(`^[0-9a-f]{48}$`).MatchString(token) {
		t.Fatalf("signatureToken %q is not 48 lowercase hex characters", token)
	}
	for _, wh := range b.call(t, "GET", "/v1/webhooks", nil).must(t, 200).list(t) {
		if cfg := wh["configuration"].(map[string]any); cfg["signatureToken"] != nil {
			t.Fatalf("GET /webhooks shows the signature token: %v", wh)
		}
	}

	// Create an opportunity on a posting, as a user.
	opp := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{
		"name": "Rosa Diaz", "emails": []string{"rosa@example.org"}, "postings": []string{backendPosting},
		"tags": []string{"sourced-by-acme"}, "sources": []string{"Acme Sourcing"}, "origin": "sourced",
	}).must(t, http.StatusCreated).data(t)
	id := opp["id"].(string)
	if got := opp["stage"]; got != stageID("New lead") {
		t.Fatalf("stage=%v, want New lead", got)
	}
	for _, tag := range []string{"Backend Engineer", "Platform", "Berlin", "Full-time", "sourced-by-acme"} {
		if !contains(strs(opp["tags"]), tag) {
			t.Fatalf("tags %v lack %q (inherited from the posting or sent)", opp["tags"], tag)
		}
	}
	if got := len(strs(opp["applications"])); got != 1 {
		t.Fatalf("applications=%v, want one", opp["applications"])
	}

	// Move it; the stage change is appended and the webhook fires.
	moved := b.call(t, "PUT", "/v1/opportunities/"+id+"/stage?perform_as="+recruiterID,
		map[string]string{"stage": stageID("Assessment")}).must(t, 200).data(t)
	if got := moved["stage"]; got != stageID("Assessment") {
		t.Fatalf("stage=%v after move", got)
	}
	if n := len(moved["stageChanges"].([]any)); n != 2 {
		t.Fatalf("stageChanges has %d entries, want 2", n)
	}
	d := rc.wait(t, 1)[0]
	verifySignature(t, d, token)
	if d.env.Event != "candidateStageChange" || d.env.ID == "" {
		t.Fatalf("event=%q id=%q", d.env.Event, d.env.ID)
	}
	data := d.data(t)
	if data["opportunityId"] != id || data["candidateId"] != id || data["contactId"] != opp["contact"] ||
		data["toStageId"] != stageID("Assessment") || data["fromStageId"] != stageID("New lead") {
		t.Fatalf("data=%v", data)
	}

	// Tags.
	tagged := b.call(t, "POST", "/v1/opportunities/"+id+"/addTags", map[string]any{"tags": []string{"Acme: Invited"}}).must(t, 200).data(t)
	if !contains(strs(tagged["tags"]), "Acme: Invited") {
		t.Fatalf("tags=%v after addTags", tagged["tags"])
	}
	untagged := b.call(t, "POST", "/v1/opportunities/"+id+"/removeTags", map[string]any{"tags": []string{"Acme: Invited"}}).must(t, 200).data(t)
	if contains(strs(untagged["tags"]), "Acme: Invited") {
		t.Fatalf("tags=%v after removeTags", untagged["tags"])
	}

	// A note, answered 201 with only its id.
	note := b.call(t, "POST", "/v1/opportunities/"+id+"/notes?perform_as="+recruiterID,
		map[string]any{"value": "Acme assessment completed: 82/100 @rkhan", "score": 3}).must(t, http.StatusCreated).data(t)
	noteID, _ := note["noteId"].(string)
	if noteID == "" {
		t.Fatalf("no noteId in %v", note)
	}
	notes := b.call(t, "GET", "/v1/opportunities/"+id+"/notes", nil).must(t, 200).list(t)
	if len(notes) != 1 || notes[0]["id"] != noteID {
		t.Fatalf("notes=%v", notes)
	}

	// A file, then its download.
	pdf := []byte("%PDF-1.4 assessment report")
	body, ct := multipartBody(t, nil, []multipartFile{{"file", "report.pdf", pdf}})
	file := b.call(t, "POST", "/v1/opportunities/"+id+"/files?perform_as="+recruiterID, body, contentType(ct)).must(t, http.StatusCreated).data(t)
	if file["name"] != "report.pdf" || file["ext"] != ".pdf" || file["status"] != "processed" || file["size"] != float64(len(pdf)) {
		t.Fatalf("file=%v", file)
	}
	got := b.call(t, "GET", "/v1/opportunities/"+id+"/files/"+file["id"].(string)+"/download", nil).must(t, 200)
	if !bytes.Equal(got.body, pdf) {
		t.Fatalf("download=%q", got.body)
	}

	// A profile form from the template: copy its fields, set values.
	tpl := b.call(t, "GET", "/v1/form_templates/"+demoFormTpl, nil).must(t, 200).data(t)
	var fields []map[string]any
	for i, f := range tpl["fields"].([]any) {
		field := f.(map[string]any)
		delete(field, "id")
		field["value"] = []any{"82", "Advance", nil}[i]
		fields = append(fields, field)
	}
	form := b.call(t, "POST", "/v1/opportunities/"+id+"/forms?perform_as="+recruiterID,
		map[string]any{"baseTemplateId": demoFormTpl, "fields": fields}).must(t, http.StatusCreated).data(t)
	if form["type"] != "form" || form["baseTemplateId"] != demoFormTpl || form["user"] != recruiterID {
		t.Fatalf("form=%v", form)
	}

	// What the recruiter sees.
	view := b.call(t, "GET", "/_sandbox/opportunities/"+id, nil, noAuth).must(t, 200).object(t)
	if st := view["stage"].(map[string]any); st["text"] != "Assessment" {
		t.Fatalf("recruiter view stage=%v", st)
	}
	for _, key := range []string{"notes", "forms", "files"} {
		if n := len(view[key].([]any)); n != 1 {
			t.Fatalf("recruiter view has %d %s, want 1", n, key)
		}
	}

	// The delivery log shows the delivery once the sender has read the
	// receiver's answer, which may come a moment after the receiver saw it.
	var log []map[string]any
	eventually(t, "the delivery in the log", func() bool {
		log = b.call(t, "GET", "/_sandbox/deliveries?webhookId="+hookID, nil).must(t, 200).list(t)
		return len(log) == 1 && log[0]["outcome"] == "delivered"
	})
}

func TestCreateOpportunityMultipartAndDedupe(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	body, ct := multipartBody(t, [][2]string{
		{"name", "Sam Lee"}, {"emails[]", "sam@example.org"}, {"links[]", "https://github.com/samlee"},
		{"postings[]", sreposting}, {"phones[]", `{"value":"+1 555 0199","type":"mobile"}`},
		{"origin", "sourced"}, {"sources[]", "Acme"},
	}, []multipartFile{{"resumeFile", "cv.pdf", []byte("%PDF cv")}, {"files[]", "portfolio.txt", []byte("portfolio")}})
	first := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, body, contentType(ct)).must(t, http.StatusCreated).data(t)
	if !contains(strs(first["tags"]), "JobTwine") {
		t.Fatalf("tags=%v: the SRE posting's tag is not inherited", first["tags"])
	}
	if phones := first["phones"].([]any); len(phones) != 1 || phones[0].(map[string]any)["type"] != "mobile" {
		t.Fatalf("phones=%v", first["phones"])
	}
	id := first["id"].(string)
	resumes := b.call(t, "GET", "/v1/opportunities/"+id+"/resumes", nil).must(t, 200).list(t)
	if len(resumes) != 1 {
		t.Fatalf("resumes=%v", resumes)
	}
	dl := b.call(t, "GET", "/v1/opportunities/"+id+"/resumes/"+resumes[0]["id"].(string)+"/download", nil).must(t, 200)
	if string(dl.body) != "%PDF cv" {
		t.Fatalf("resume download=%q", dl.body)
	}
	if files := b.call(t, "GET", "/v1/opportunities/"+id+"/files", nil).must(t, 200).list(t); len(files) != 1 {
		t.Fatalf("files=%v", files)
	}

	// Same e-mail (other case), other posting: same contact, stored data wins,
	// new e-mail added.
	second := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{
		"name": "Samuel Lee", "emails": []string{"SAM@example.org", "sam.lee@work.example"}, "postings": []string{backendPosting},
	}).must(t, http.StatusCreated).data(t)
	if second["contact"] != first["contact"] {
		t.Fatalf("contact=%v, want the existing %v", second["contact"], first["contact"])
	}
	if second["name"] != "Sam Lee" {
		t.Fatalf("name=%v, want the stored Sam Lee", second["name"])
	}
	if emails := strs(second["emails"]); len(emails) != 2 {
		t.Fatalf("emails=%v, want the stored one plus the new one", emails)
	}
	byEmail := b.call(t, "GET", "/v1/opportunities?email=sam@example.org", nil).must(t, 200).list(t)
	if len(byEmail) != 2 {
		t.Fatalf("GET ?email= found %d opportunities, want 2", len(byEmail))
	}

	// More than one posting is refused.
	b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{
		"name": "X", "postings": []string{backendPosting, sreposting},
	}).errorBody(t, 400, "BadRequest")
}
