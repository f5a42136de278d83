package leversandbox

import "testing"

// A candidate applying on the job site lands on the posting in "New
// applicant", owned by the posting's owner, with the posting's tags, as
// Lever attaches posting tags to the opportunities linked to a posting.
func TestAdminPostingApplyInheritsPostingTags(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	b.call(t, "POST", "/_sandbox/postings/"+backendPosting+"/tags", map[string]any{"add": []string{"Acme: Java"}}, noAuth).must(t, 200)

	p := b.call(t, "GET", "/_sandbox/postings/"+backendPosting, nil, noAuth).must(t, 200).data(t)
	if !contains(strs(p["tags"]), "Acme: Java") {
		t.Fatalf("posting tags = %v", p["tags"])
	}
	list := b.call(t, "GET", "/_sandbox/postings", nil, noAuth).must(t, 200).list(t)
	found := false
	for _, q := range list {
		found = found || q["id"] == backendPosting && contains(strs(q["tags"]), "Acme: Java")
	}
	if !found {
		t.Fatalf("the posting list does not show the posting with its tag: %v", list)
	}

	v := b.call(t, "POST", "/_sandbox/postings/"+backendPosting+"/apply", map[string]any{"name": "Lin Park", "email": "lin@example.org"}, noAuth).must(t, 201).object(t)
	opp := v["opportunity"].(map[string]any)
	if !contains(strs(opp["tags"]), "Acme: Java") || opp["origin"] != "applied" {
		t.Fatalf("applied opportunity = %v", opp)
	}
	if st := v["stage"].(map[string]any); st["text"] != "New applicant" {
		t.Fatalf("stage = %v", st)
	}
	if opp["owner"] != p["owner"] {
		t.Fatalf("owner = %v, want the posting's owner %v", opp["owner"], p["owner"])
	}
	// The API sees the same opportunity.
	got := b.call(t, "GET", "/v1/opportunities/"+opp["id"].(string), nil).must(t, 200).data(t)
	if !contains(strs(got["tags"]), "Acme: Java") {
		t.Fatalf("API tags = %v", got["tags"])
	}

	b.call(t, "POST", "/_sandbox/postings/"+backendPosting+"/apply", map[string]any{"name": "No Mail"}, noAuth).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", "/_sandbox/postings/nope/apply", map[string]any{"name": "A", "email": "a@example.org"}, noAuth).errorBody(t, 404, "ResourceNotFound")
	b.call(t, "GET", "/_sandbox/postings/nope", nil, noAuth).errorBody(t, 404, "ResourceNotFound")
}
