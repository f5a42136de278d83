package leversandbox

import (
	"slices"
	"strings"
	"testing"
)

// TestWriteBodyMustBeJSONOrMultipart: Lever reads JSON bodies, and
// multipart/form-data where files are sent; a note sent as text/plain, as a
// form or without a Content-Type would reach Lever as no fields at all. The
// sandbox refuses it with Lever's 400 naming the Content-Type, and writes
// nothing, so a client that forgets the header cannot pass its tests.
func TestWriteBodyMustBeJSONOrMultipart(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	path := "/v1/opportunities/" + adaOpp + "/notes?perform_as=" + recruiterID
	before := len(b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/notes", nil).must(t, 200).list(t))

	body := []byte(`{"value":"Assessment sent"}`)
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		msg := b.call(t, "POST", path, body, contentType(ct)).errorBody(t, 400, "BadRequest")
		if !strings.Contains(msg, "Content-Type must be application/json") {
			t.Errorf("Content-Type %q: message %q does not say what Lever reads", ct, msg)
		}
	}
	if n := len(b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/notes", nil).must(t, 200).list(t)); n != before {
		t.Fatalf("notes=%d after refused writes, want %d", n, before)
	}

	b.call(t, "POST", path, body, contentType("application/json; charset=utf-8")).must(t, 201)
	// A write without a body (deactivating a user) needs no Content-Type.
	b.call(t, "POST", "/v1/users/"+interviewerID+"/deactivate", nil).must(t, 200)
}

// TestPostingCreateDefaultsToBothJobSites: a posting created through the API
// without distributionChannels appears on the public and the internal job
// site, as Lever documents ("defaults to public and internal").
func TestPostingCreateDefaultsToBothJobSites(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	p := b.call(t, "POST", "/v1/postings?perform_as="+adminID, map[string]any{"text": "Data Engineer", "state": "published"}).must(t, 201).data(t)
	got := strs(p["distributionChannels"])
	slices.Sort(got)
	if !slices.Equal(got, []string{"internal", "public"}) {
		t.Fatalf("distributionChannels=%v, want public and internal", p["distributionChannels"])
	}
	// So it is listed among the published postings on the public site.
	found := false
	for _, q := range b.call(t, "GET", "/v1/postings?state=published", nil).must(t, 200).list(t) {
		found = found || q["id"] == p["id"]
	}
	if !found {
		t.Fatal("a published posting created without distributionChannels is missing from the published list")
	}
}

// TestPostingUpdateRefusesWhatLeverRefuses: Lever's "Update a posting" does
// not let workplaceType go back to unspecified once it is onsite, remote or
// hybrid, and wants all of salaryRange's child fields once one is given. The
// sandbox answers Lever's 400 naming what is wrong and leaves the posting as
// it was.
func TestPostingUpdateRefusesWhatLeverRefuses(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	p := b.call(t, "POST", "/v1/postings?perform_as="+adminID, map[string]any{"text": "Platform Engineer", "workplaceType": "remote"}).must(t, 201).data(t)
	path := "/v1/postings/" + p["id"].(string) + "?perform_as=" + adminID

	msg := b.call(t, "POST", path, map[string]any{"workplaceType": "unspecified", "tags": []string{"kept?"}}).errorBody(t, 400, "BadRequest")
	if !strings.Contains(msg, "unspecified") {
		t.Errorf("message %q does not name workplaceType's value", msg)
	}
	msg = b.call(t, "POST", path, map[string]any{"salaryRange": map[string]any{"min": 40000, "max": 60000}}).errorBody(t, 400, "BadRequest")
	if !strings.Contains(msg, "currency, interval") {
		t.Errorf("message %q does not name the missing salaryRange fields", msg)
	}
	got := b.call(t, "GET", "/v1/postings/"+p["id"].(string), nil).must(t, 200).data(t)
	if got["workplaceType"] != "remote" || len(strs(got["tags"])) != 0 || got["salaryRange"] != nil {
		t.Fatalf("a refused update changed the posting: %v", got)
	}

	b.call(t, "POST", path, map[string]any{"workplaceType": "hybrid", "salaryRange": map[string]any{"min": 40000, "max": 60000, "currency": "USD", "interval": "per-year-salary"}}).must(t, 200)
	// A posting that never had a workplace type may still be sent unspecified.
	q := b.call(t, "POST", "/v1/postings?perform_as="+adminID, map[string]any{"text": "Analyst"}).must(t, 201).data(t)
	b.call(t, "POST", "/v1/postings/"+q["id"].(string)+"?perform_as="+adminID, map[string]any{"workplaceType": "unspecified"}).must(t, 200)
}

// TestFeedbackTemplateFieldTypesAndScorecards: a feedback template takes the
// field types Lever lists for feedback forms, not file uploads, notes or
// university pickers, which belong to other forms; and a scorecard answer is
// an array of {score, comment} with a score from 1 to 4 or null, as Lever's
// Scorecard field documents. Each refusal is Lever's 400 naming the field.
func TestFeedbackTemplateFieldTypesAndScorecards(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	for _, typ := range []string{"file-upload", "note", "university"} {
		msg := b.call(t, "POST", "/v1/feedback_templates", map[string]any{"text": "Odd " + typ, "fields": []map[string]any{
			{"type": "score-system", "text": "Overall"}, {"type": typ, "text": "Extra"}}}).errorBody(t, 400, "BadRequest")
		if !strings.Contains(msg, typ) || !strings.Contains(msg, "scorecard") {
			t.Errorf("%s: message %q does not name the type and the allowed ones", typ, msg)
		}
	}

	tpl := b.call(t, "POST", "/v1/feedback_templates", map[string]any{"text": "Skills", "fields": []map[string]any{
		{"type": "score-system", "text": "Overall", "required": true}, {"type": "scorecard", "text": "Skills"}}}).must(t, 201).data(t)
	fields := tpl["fields"].([]any)
	scoreID, cardID := fields[0].(map[string]any)["id"], fields[1].(map[string]any)["id"]
	base := "/v1/opportunities/" + adaOpp + "/feedback?perform_as=" + interviewerID
	answer := func(card any) response {
		return b.call(t, "POST", base, map[string]any{"baseTemplateId": tpl["id"], "fieldValues": []map[string]any{
			{"id": scoreID, "value": "3 - Hire"}, {"id": cardID, "value": card}}})
	}
	for _, bad := range []any{
		[]any{"3"},
		[]any{map[string]any{"score": 7, "comment": "off the scale"}},
		[]any{map[string]any{"score": 2.5}},
		[]any{map[string]any{"score": 3, "comment": 42}},
	} {
		if msg := answer(bad).errorBody(t, 400, "BadRequest"); !strings.Contains(msg, "Skills") {
			t.Errorf("%v: message %q does not name the field", bad, msg)
		}
	}
	if n := len(b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/feedback", nil).must(t, 200).list(t)); n != 0 {
		t.Fatalf("feedback=%d after refused answers, want 0", n)
	}
	answer([]any{map[string]any{"score": 4, "comment": "clear"}, map[string]any{"score": nil}}).must(t, 201)
}
