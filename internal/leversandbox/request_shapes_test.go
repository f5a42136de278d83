package leversandbox

import (
	"strings"
	"testing"
)

// TestMultipartCreateSpellings: a multipart create is read in the spellings
// Lever's reference writes (emails[], links[], sources[], postings[], each
// phone in a phones[] field as JobVyne sends it, the archived state as
// archive[reason] in the reference's archive[archivedAt] syntax), and any
// other spelling of those fields (phones[0][value], archived[reason], a bare
// or indexed array) is refused with Lever's 400 naming the field and the
// spelling to use, rather than silently dropping what the recruiter would
// then miss.
func TestMultipartCreateSpellings(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	path := "/v1/opportunities?perform_as=" + recruiterID
	create := func(fields [][2]string) response {
		body, ct := multipartBody(t, fields, []multipartFile{{"resumeFile", "cv.txt", []byte("Lin Ortiz, engineer")}})
		return b.call(t, "POST", path, body, contentType(ct))
	}

	o := create([][2]string{
		{"name", "Lin Ortiz"},
		{"emails[]", "lin@example.org"}, {"emails[]", "lin.o@example.org"},
		{"links[]", "https://talent.example/lin"},
		{"sources[]", "Talent Example"},
		{"tags[]", "sourced"},
		{"postings[]", backendPosting},
		{"phones[]", `{"value":"+1 555 0101","type":"mobile"}`},
		{"phones[]", `{"value":"+44 20 7946 0102"}`},
		{"archive[reason]", seedID("reason:Withdrew")},
	}).must(t, 201).data(t)
	if got := strs(o["emails"]); len(got) != 2 || got[1] != "lin.o@example.org" {
		t.Fatalf("emails=%v", got)
	}
	if got := strs(o["links"]); len(got) != 1 || got[0] != "https://talent.example/lin" {
		t.Fatalf("links=%v", got)
	}
	if got := strs(o["sources"]); len(got) != 1 || got[0] != "Talent Example" {
		t.Fatalf("sources=%v", got)
	}
	phones, _ := o["phones"].([]any)
	if len(phones) != 2 || phones[0].(map[string]any)["value"] != "+1 555 0101" || phones[0].(map[string]any)["type"] != "mobile" ||
		phones[1].(map[string]any)["value"] != "+44 20 7946 0102" {
		t.Fatalf("phones=%v", o["phones"])
	}
	if a, _ := o["archived"].(map[string]any); a == nil || a["reason"] != seedID("reason:Withdrew") {
		t.Fatalf("archive[reason] not applied: archived=%v", o["archived"])
	}

	for _, bad := range []struct {
		field [2]string
		want  string // the spelling the message points to
	}{
		{[2]string{"emails", "x@example.org"}, `"emails[]"`},
		{[2]string{"emails[0]", "x@example.org"}, `"emails[]"`},
		{[2]string{"links", "https://x.example"}, `"links[]"`},
		{[2]string{"sources", "Somewhere"}, `"sources[]"`},
		{[2]string{"postings", backendPosting}, `"postings[]"`},
		{[2]string{"phones", `[{"value":"1"}]`}, `"phones[]"`},
		{[2]string{"phones[0][value]", "+1 555 0103"}, `"phones[]"`},
		{[2]string{"phones[0][type]", "mobile"}, `"phones[]"`},
		{[2]string{"phones[]", "+1 555 0104"}, `"phones[]"`},
		{[2]string{"phones[]", `{"number":"1"}`}, `"phones[]"`},
		{[2]string{"archived", `{"reason":"x"}`}, `"archive[reason]"`},
		{[2]string{"archived[reason]", seedID("reason:Withdrew")}, `"archive[reason]"`},
		{[2]string{"archived[archivedAt]", "1407460071043"}, `"archive[archivedAt]"`},
		{[2]string{"archive[when]", "1407460071043"}, `"archive[archivedAt]"`},
	} {
		msg := create([][2]string{{"name", "Bad Spelling"}, bad.field}).errorBody(t, 400, "BadRequest")
		if !strings.Contains(msg, bad.want) {
			t.Errorf("%s: message %q does not name %s", bad.field[0], msg, bad.want)
		}
		if !strings.Contains(msg, bad.field[0]) {
			t.Errorf("%s: message %q does not name the field", bad.field[0], msg)
		}
	}
}

// TestTrailingSlash serves a Data API path with a trailing slash like the
// path without it.
func TestTrailingSlash(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	plain := b.call(t, "GET", "/v1/stages", nil).must(t, 200).list(t)
	slash := b.call(t, "GET", "/v1/stages/", nil).must(t, 200).list(t)
	if len(plain) == 0 || len(plain) != len(slash) {
		t.Fatalf("stages=%d, with a trailing slash %d", len(plain), len(slash))
	}
	o := b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/", nil).must(t, 200).data(t)
	if o["id"] != adaOpp {
		t.Fatalf("opportunity=%v", o["id"])
	}
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/notes/?perform_as="+recruiterID, map[string]any{"value": "slash"}).must(t, 201)
}
