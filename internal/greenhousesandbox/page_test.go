package greenhousesandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestRecruiterPage: the recruiter page shows an application's stage, the
// candidate's tags and notes (escaped) and the application's files.
func TestRecruiterPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	tok := e.customerToken()
	_, _, body := e.do(http.MethodGet, "/v3/applications?per_page=1", tok, nil)
	var apps []struct {
		ID          int64 `json:"id"`
		CandidateID int64 `json:"candidate_id"`
	}
	_ = json.Unmarshal(body, &apps)
	a := apps[0]
	for path, in := range map[string]map[string]any{
		"/v3/notes":          {"candidate_id": a.CandidateID, "user_id": 1001, "body": "Score <b>42</b> & done", "visibility": "admin_only"},
		"/v3/candidate_tags": {"name": "Acme Completed"},
		"/v3/attachments":    {"application_id": a.ID, "filename": "report.pdf", "type": "other", "content": "JVBERg=="},
	} {
		if status, _, body := e.do(http.MethodPost, path, tok, in); status >= 300 {
			t.Fatalf("POST %s: %d %s", path, status, body)
		}
	}
	_, _, body = e.do(http.MethodGet, "/v3/candidate_tags", tok, nil)
	var tags []struct {
		ID int64 `json:"id"`
	}
	_ = json.Unmarshal(body, &tags)
	e.do(http.MethodPost, "/v3/applied_candidate_tags", tok, map[string]any{"candidate_id": a.CandidateID, "candidate_tag_id": tags[0].ID})

	resp, err := e.srv.Client().Get(e.srv.URL + "/applications/" + strconv.FormatInt(a.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Application Review", "Acme Completed", "Score &lt;b&gt;42&lt;/b&gt; &amp; done", "report.pdf"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	resp, err = e.srv.Client().Get(e.srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	index, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(index), "Backend Engineer") || !strings.Contains(string(index), "/applications/"+strconv.FormatInt(a.ID, 10)) {
		t.Errorf("the jobs page lacks the job or the application's link")
	}
}
