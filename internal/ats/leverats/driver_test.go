package leverats_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"stagecoach/internal/ats/atstest"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
)

// The Lever driver passes the port's conformance suite against the local
// Lever sandbox, with profile forms and with results written as notes.

const sandboxKey = "leverats-test-key"

func TestDriverConformance(t *testing.T) {
	t.Parallel()
	t.Run("Forms", func(t *testing.T) {
		t.Parallel()
		atstest.Run(t, func(t *testing.T) atstest.Harness { return newHarness(t, false) })
	})
	t.Run("ResultsAsNotes", func(t *testing.T) {
		t.Parallel()
		atstest.Run(t, func(t *testing.T) atstest.Harness { return newHarness(t, true) })
	})
}

// sandbox is one Lever sandbox on a test server, with a client for its API.
type sandbox struct {
	srv            *httptest.Server
	client         *lever.Client
	actor, mention string // user ids
}

func startSandbox(tb testing.TB) *sandbox {
	tb.Helper()
	sb, err := leversandbox.New(leversandbox.Config{
		APIKey: sandboxKey, Seed: "demo", RatePerSecond: -1, WebhookGroupsOn: true,
		WebhookRetryDelays: []time.Duration{},
	})
	if err != nil {
		tb.Fatalf("leversandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	tb.Cleanup(func() {
		srv.Close()
		_ = sb.Close()
	})
	c, err := lever.New(lever.Config{
		Environment: lever.Custom(srv.URL), APIKey: sandboxKey, Limiter: lever.Unlimited(),
		HTTPClient: srv.Client(), Timeout: 10 * time.Second,
	})
	if err != nil {
		tb.Fatal(err)
	}
	s := &sandbox{srv: srv, client: c}
	s.actor = s.userID(tb, "rkhan@example.com")
	s.mention = s.userID(tb, "mlopez@example.com")
	return s
}

func (s *sandbox) userID(tb testing.TB, email string) string {
	tb.Helper()
	u, err := s.client.FindUserByEmail(context.Background(), email)
	if err != nil {
		tb.Fatalf("find user %s: %v", email, err)
	}
	return u.ID
}

func newHarness(t *testing.T, resultsAsNotes bool) atstest.Harness {
	s := startSandbox(t)
	d, err := leverats.New(leverats.Config{Client: s.client, ResultsAsNotes: resultsAsNotes})
	if err != nil {
		t.Fatal(err)
	}
	return atstest.Harness{Driver: d, Scene: scene{s}}
}

// admin calls the sandbox's admin endpoint (a recruiter in Lever's app)
// and decodes the JSON answer into out.
func (s *sandbox) admin(tb testing.TB, method, path string, body, out any) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		tb.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// get reads an API route with the key, for downloads the client has no
// method for.
func (s *sandbox) get(tb testing.TB, path string) []byte {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/v1"+path, nil)
	req.SetBasicAuth(sandboxKey, "")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// scene is the Lever sandbox as people use Lever's app.
type scene struct{ s *sandbox }

// NewInterview schedules a one-interview panel through the Data API, as
// Lever's app does.
func (sc scene) NewInterview(t testing.TB, applicationID, interviewer string, start time.Time, minutes int) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"timezone": "Europe/London", "interviews": []map[string]any{{
		"subject": "Phone interview", "interviewers": []map[string]any{{"id": interviewer}},
		"date": start.UnixMilli(), "duration": minutes}}})
	req, _ := http.NewRequest(http.MethodPost, sc.s.srv.URL+"/v1/opportunities/"+applicationID+"/panels?perform_as="+sc.s.actor, bytes.NewReader(b))
	req.SetBasicAuth(sandboxKey, "")
	req.Header.Set("Content-Type", "application/json")
	resp, err := sc.s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Interviews []struct {
				ID string `json:"id"`
			} `json:"interviews"`
		} `json:"data"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 || json.Unmarshal(raw, &out) != nil || len(out.Data.Interviews) != 1 {
		t.Fatalf("create panel: %d %s", resp.StatusCode, raw)
	}
	return out.Data.Interviews[0].ID
}

var _ atstest.InterviewScene = scene{}

func (sc scene) NewJob(t testing.TB, title string, tags []string) string {
	var out struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if tags == nil {
		tags = []string{}
	}
	sc.s.admin(t, http.MethodPost, "/_sandbox/postings", map[string]any{"text": title, "tags": tags}, &out)
	return out.Data.ID
}

func (sc scene) NewApplication(t testing.TB, jobID, name, email string) string {
	var out recruiterView
	sc.s.admin(t, http.MethodPost, "/_sandbox/postings/"+jobID+"/apply", map[string]string{"name": name, "email": email}, &out)
	return out.Opportunity.ID
}

func (sc scene) Move(t testing.TB, applicationID, stage string) {
	sc.s.admin(t, http.MethodPost, "/_sandbox/opportunities/"+applicationID+"/stage", map[string]string{"stage": stage}, nil)
}

func (sc scene) Archive(t testing.TB, applicationID string) {
	sc.s.admin(t, http.MethodPost, "/_sandbox/opportunities/"+applicationID+"/archive", map[string]string{"reason": "Underqualified"}, nil)
}

// recruiterView is the sandbox's GET /_sandbox/opportunities/{id}.
type recruiterView struct {
	Opportunity struct {
		ID       string          `json:"id"`
		Name     string          `json:"name"`
		Emails   []string        `json:"emails"`
		Tags     []string        `json:"tags"`
		Sources  []string        `json:"sources"`
		Archived json.RawMessage `json:"archived"`
	} `json:"opportunity"`
	Stage *struct {
		Text string `json:"text"`
	} `json:"stage"`
	Posting *struct {
		ID string `json:"id"`
	} `json:"posting"`
	Notes []struct {
		Fields []struct {
			Value string `json:"value"`
		} `json:"fields"`
	} `json:"notes"`
	Forms []struct {
		Text   string `json:"text"`
		Fields []struct {
			Text  string          `json:"text"`
			Value json.RawMessage `json:"value"`
		} `json:"fields"`
	} `json:"forms"`
	Files []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"files"`
	Feedback []struct {
		Text   string `json:"text"`
		Fields []struct {
			Text  string          `json:"text"`
			Value json.RawMessage `json:"value"`
		} `json:"fields"`
	} `json:"feedback"`
}

func (sc scene) View(t testing.TB, applicationID string) atstest.View {
	var rv recruiterView
	sc.s.admin(t, http.MethodGet, "/_sandbox/opportunities/"+applicationID, nil, &rv)
	v := atstest.View{
		Name: rv.Opportunity.Name, Emails: rv.Opportunity.Emails, Tags: rv.Opportunity.Tags, Sources: rv.Opportunity.Sources,
		Archived: len(rv.Opportunity.Archived) > 0 && string(rv.Opportunity.Archived) != "null",
	}
	if rv.Stage != nil {
		v.Stage = rv.Stage.Text
	}
	if rv.Posting != nil {
		v.JobID = rv.Posting.ID
	}
	for _, n := range rv.Notes {
		var text string
		for _, f := range n.Fields {
			text += f.Value
		}
		v.Notes = append(v.Notes, text)
	}
	for _, f := range rv.Forms {
		form := atstest.ViewForm{Title: f.Text, Fields: map[string]string{}}
		for _, fld := range f.Fields {
			var s string
			if json.Unmarshal(fld.Value, &s) == nil {
				form.Fields[fld.Text] = s
			}
		}
		v.Forms = append(v.Forms, form)
	}
	for _, f := range rv.Feedback {
		form := atstest.ViewForm{Title: f.Text, Fields: map[string]string{}}
		for _, fld := range f.Fields {
			var s string
			if json.Unmarshal(fld.Value, &s) == nil {
				form.Fields[fld.Text] = s
			}
		}
		v.Feedback = append(v.Feedback, form)
	}
	for _, f := range rv.Files {
		v.Files = append(v.Files, atstest.ViewFile{Name: f.Name, Data: sc.s.get(t, "/opportunities/"+applicationID+"/files/"+f.ID+"/download")})
	}
	for r, err := range sc.s.client.ListResumes(context.Background(), applicationID) {
		if err != nil {
			t.Fatal(err)
		}
		if r.File != nil {
			v.CVs = append(v.CVs, atstest.ViewFile{Name: r.File.Name, Data: sc.s.get(t, "/opportunities/"+applicationID+"/resumes/"+r.ID+"/download")})
		}
	}
	return v
}

func (sc scene) Mentioned(t testing.TB, applicationID string) []string {
	var out struct {
		Data []struct {
			UserID string `json:"userId"`
		} `json:"data"`
	}
	sc.s.admin(t, http.MethodGet, "/_sandbox/notifications?opportunity="+applicationID, nil, &out)
	var ids []string
	for _, n := range out.Data {
		ids = append(ids, n.UserID)
	}
	return ids
}

func (sc scene) Webhooks(t testing.TB) []string {
	hooks, err := sc.s.client.ListWebhooks(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range hooks {
		ids = append(ids, h.ID)
	}
	return ids
}

func (sc scene) ActingUser() string             { return sc.s.actor }
func (sc scene) MentionUser() string            { return sc.s.mention }
func (sc scene) Stages() (first, second string) { return "Phone interview", "On-site" }

// Tamper moves triggeredAt by a millisecond: Lever signs the token and
// triggeredAt (not the data), so that is what a forger would have to
// change to replay a delivery as a new one.
func (sc scene) Tamper(header http.Header, body []byte) (http.Header, []byte) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return header, append(body, '!')
	}
	n, _ := strconv.ParseInt(string(bytes.Trim(m["triggeredAt"], `"`)), 10, 64)
	m["triggeredAt"] = json.RawMessage(strconv.FormatInt(n+1, 10))
	b, _ := json.Marshal(m)
	return header, b
}

var _ atstest.Scene = scene{}

// TestDriverRequiresClient: a driver without a client is refused, naming it.
func TestDriverRequiresClient(t *testing.T) {
	t.Parallel()
	if _, err := leverats.New(leverats.Config{}); err == nil {
		t.Fatal("New without a client: no error")
	}
}
