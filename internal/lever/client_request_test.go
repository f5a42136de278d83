package lever

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]Config{
		"no base URL":      {APIKey: "k"},
		"relative URL":     {Environment: Environment{APIBaseURL: "/v1"}, APIKey: "k"},
		"no credentials":   {Environment: Production},
		"both credentials": {Environment: Production, APIKey: "k", TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "a"})},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
	t.Run("Defaults", func(t *testing.T) {
		c, err := New(Config{Environment: Production, APIKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		if c.timeout != 30*time.Second || c.maxRetries != 4 || c.limiter == nil || c.hc == nil || c.logger == nil {
			t.Fatalf("defaults not applied: timeout=%v retries=%d", c.timeout, c.maxRetries)
		}
	})
}

func TestEnvironments(t *testing.T) {
	t.Parallel()
	if got, want := Production.Audience, "https://api.lever.co/v1/"; got != want {
		t.Fatalf("Production.Audience=%q, want %q", got, want)
	}
	if got, want := Sandbox.TokenURL, "https://sandbox-lever.auth0.com/oauth/token"; got != want {
		t.Fatalf("Sandbox.TokenURL=%q, want %q", got, want)
	}
	got := Custom("http://127.0.0.1:8700/")
	want := Environment{Name: "custom", APIBaseURL: "http://127.0.0.1:8700/v1", AuthorizeURL: "http://127.0.0.1:8700/oauth/authorize",
		TokenURL: "http://127.0.0.1:8700/oauth/token", Audience: "http://127.0.0.1:8700/v1/"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Custom=%+v, want %+v", got, want)
	}
}

func TestClientAuthentication(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, r *http.Request) { writeRaw(w, 200, `{"data":[]}`) }

	t.Run("APIKeyIsBasicAuthWithEmptyPassword", func(t *testing.T) {
		c, b := setup(t, ok)
		if _, err := c.ListStages(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte("test-key:"))
		if got := b.requests()[0].Header.Get("Authorization"); got != want {
			t.Fatalf("Authorization=%q, want %q", got, want)
		}
	})
	t.Run("TokenSourceIsBearer", func(t *testing.T) {
		c, b := setup(t, ok, func(cfg *Config) {
			cfg.APIKey = ""
			cfg.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "at-1", TokenType: "Bearer"})
		})
		if _, err := c.ListStages(context.Background()); err != nil {
			t.Fatal(err)
		}
		h := b.requests()[0].Header
		if got, want := h.Get("Authorization"), "Bearer at-1"; got != want {
			t.Fatalf("Authorization=%q, want %q", got, want)
		}
		if got := h.Get("User-Agent"); !strings.HasPrefix(got, "stagecoach-lever/") {
			t.Fatalf("User-Agent=%q", got)
		}
	})
	t.Run("BrokenTokenSourceIsNotRetried", func(t *testing.T) {
		calls := 0
		c, b := setup(t, ok, func(cfg *Config) {
			cfg.APIKey = ""
			cfg.TokenSource = tokenSourceFunc(func() (*oauth2.Token, error) {
				calls++
				return nil, ErrConnectionBroken
			})
		})
		_, err := c.ListStages(context.Background())
		if !errors.Is(err, ErrConnectionBroken) {
			t.Fatalf("err=%v, want ErrConnectionBroken", err)
		}
		if calls != 1 || len(b.requests()) != 0 {
			t.Fatalf("token calls=%d requests=%d, want 1 and 0", calls, len(b.requests()))
		}
	})
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

// TestWriteRequests checks method, path, query and JSON body of every JSON
// write.
func TestWriteRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	score := 3
	secret := false
	tests := []struct {
		name   string
		do     func(c *Client) error
		method string
		path   string
		query  url.Values
		body   string // JSON; "" for none
	}{
		{
			name: "CreateOpportunity",
			do: func(c *Client) error {
				_, err := c.CreateOpportunity(ctx, CreateOpportunityInput{
					Name: "Ada Park", Emails: []string{"ada@example.org"}, Postings: []string{"p1"}, Stage: "s1",
					Origin: "sourced", Sources: []string{"Acme"}, Phones: []Phone{{Type: "mobile", Value: "+1 555"}},
				}, "u1")
				return err
			},
			method: "POST", path: "/v1/opportunities", query: url.Values{"perform_as": {"u1"}},
			body: `{"name":"Ada Park","emails":["ada@example.org"],"postings":["p1"],"stage":"s1","origin":"sourced","sources":["Acme"],"phones":[{"type":"mobile","value":"+1 555"}]}`,
		},
		{
			name: "CreateOpportunityAsPostingOwner",
			do: func(c *Client) error {
				_, err := c.CreateOpportunity(ctx, CreateOpportunityInput{Name: "Ada", Postings: []string{"p1"}, PerformAsPostingOwner: true}, "u1")
				return err
			},
			method: "POST", path: "/v1/opportunities", query: url.Values{"perform_as": {"u1"}, "perform_as_posting_owner": {"true"}},
			body: `{"name":"Ada","postings":["p1"]}`,
		},
		{
			name:   "UpdateStage",
			do:     func(c *Client) error { return c.UpdateStage(ctx, "o1", "s2", "u1") },
			method: "PUT", path: "/v1/opportunities/o1/stage", query: url.Values{"perform_as": {"u1"}}, body: `{"stage":"s2"}`,
		},
		{
			name:   "UpdateStageWithoutPerformAs",
			do:     func(c *Client) error { return c.UpdateStage(ctx, "o1", "s2", "") },
			method: "PUT", path: "/v1/opportunities/o1/stage", body: `{"stage":"s2"}`,
		},
		{
			name:   "Archive",
			do:     func(c *Client) error { return c.UpdateArchived(ctx, "o1", "r1", "u1") },
			method: "PUT", path: "/v1/opportunities/o1/archived", query: url.Values{"perform_as": {"u1"}}, body: `{"reason":"r1"}`,
		},
		{
			name:   "Unarchive",
			do:     func(c *Client) error { return c.UpdateArchived(ctx, "o1", "", "") },
			method: "PUT", path: "/v1/opportunities/o1/archived", body: `{"reason":null}`,
		},
		{
			name:   "AddTags",
			do:     func(c *Client) error { return c.AddTags(ctx, "o1", []string{"Acme: Invited", "acme"}, "u1") },
			method: "POST", path: "/v1/opportunities/o1/addTags", query: url.Values{"perform_as": {"u1"}}, body: `{"tags":["Acme: Invited","acme"]}`,
		},
		{
			name:   "RemoveTagsNil",
			do:     func(c *Client) error { return c.RemoveTags(ctx, "o1", nil, "") },
			method: "POST", path: "/v1/opportunities/o1/removeTags", body: `{"tags":[]}`,
		},
		{
			name:   "AddLinks",
			do:     func(c *Client) error { return c.AddLinks(ctx, "o1", []string{"https://x.example"}, "") },
			method: "POST", path: "/v1/opportunities/o1/addLinks", body: `{"links":["https://x.example"]}`,
		},
		{
			name:   "RemoveLinks",
			do:     func(c *Client) error { return c.RemoveLinks(ctx, "o1", []string{"https://x.example"}, "") },
			method: "POST", path: "/v1/opportunities/o1/removeLinks", body: `{"links":["https://x.example"]}`,
		},
		{
			name:   "AddSources",
			do:     func(c *Client) error { return c.AddSources(ctx, "o1", []string{"Acme"}, "") },
			method: "POST", path: "/v1/opportunities/o1/addSources", body: `{"sources":["Acme"]}`,
		},
		{
			name:   "RemoveSources",
			do:     func(c *Client) error { return c.RemoveSources(ctx, "o1", []string{"Acme"}, "u2") },
			method: "POST", path: "/v1/opportunities/o1/removeSources", query: url.Values{"perform_as": {"u2"}}, body: `{"sources":["Acme"]}`,
		},
		{
			name: "CreateNote",
			do: func(c *Client) error {
				_, err := c.CreateNote(ctx, "o1", NoteInput{Value: "Done @ada", Secret: true, Score: &score, NotifyFollowers: true}, "u1")
				return err
			},
			method: "POST", path: "/v1/opportunities/o1/notes", query: url.Values{"perform_as": {"u1"}},
			body: `{"value":"Done @ada","secret":true,"score":3,"notifyFollowers":true}`,
		},
		{
			name: "CreateNoteWithoutScore",
			do: func(c *Client) error {
				_, err := c.CreateNote(ctx, "o1", NoteInput{Value: "x"}, "")
				return err
			},
			method: "POST", path: "/v1/opportunities/o1/notes", body: `{"value":"x","secret":false,"notifyFollowers":false}`,
		},
		{
			name: "CreateProfileForm",
			do: func(c *Client) error {
				_, err := c.CreateProfileForm(ctx, "o1", ProfileFormInput{BaseTemplateID: "t1", Secret: &secret, Fields: []FormField{
					{ID: "tf1", Type: "text", Text: "Score", Required: true, Value: "82"},
					{ID: "tf2", Type: "dropdown", Text: "Recommendation", Required: true, Options: []Option{{"Advance"}, {"Hold"}}, Value: "Advance"},
					{ID: "tf3", Type: "textarea", Text: "Comments"},
				}}, "u1")
				return err
			},
			method: "POST", path: "/v1/opportunities/o1/forms", query: url.Values{"perform_as": {"u1"}},
			body: `{"baseTemplateId":"t1","secret":false,"fields":[` +
				`{"type":"text","text":"Score","description":"","required":true,"value":"82"},` +
				`{"type":"dropdown","text":"Recommendation","description":"","required":true,"options":[{"text":"Advance"},{"text":"Hold"}],"value":"Advance"},` +
				`{"type":"textarea","text":"Comments","description":"","required":false,"value":null}]}`,
		},
		{
			name: "CreateFormTemplate",
			do: func(c *Client) error {
				_, err := c.CreateFormTemplate(ctx, FormTemplateInput{Text: "Acme results", Instructions: "auto", Fields: []FormField{
					{Type: "text", Text: "Score", Required: true, Value: "ignored"},
				}})
				return err
			},
			method: "POST", path: "/v1/form_templates",
			body: `{"text":"Acme results","instructions":"auto","secretByDefault":false,"fields":[{"type":"text","text":"Score","description":"","required":true}]}`,
		},
		{
			name: "CreateFeedback",
			do: func(c *Client) error {
				_, err := c.CreateFeedback(ctx, "o1", FeedbackInput{BaseTemplateID: "ft1", Panel: "p1", Interview: "i1",
					FieldValues: []FieldValue{{ID: "f1", Value: "3 - Hire"}}, CompletedAt: 1700000000000}, "u1")
				return err
			},
			method: "POST", path: "/v1/opportunities/o1/feedback", query: url.Values{"perform_as": {"u1"}},
			body: `{"baseTemplateId":"ft1","panel":"p1","interview":"i1","fieldValues":[{"id":"f1","value":"3 - Hire"}],"completedAt":1700000000000}`,
		},
		{
			name: "UpdatePostingTags",
			do: func(c *Client) error {
				_, err := c.UpdatePostingTags(ctx, "p1", []string{"Acme Java"}, "u1")
				return err
			},
			method: "POST", path: "/v1/postings/p1", query: url.Values{"perform_as": {"u1"}}, body: `{"tags":["Acme Java"]}`,
		},
		{
			name: "CreateWebhookWithOrigins",
			do: func(c *Client) error {
				_, err := c.CreateWebhook(ctx, WebhookInput{URL: "https://sc.example/hooks/lever/c1", Event: EventCandidateStageChange, Origins: []string{"sourced"}})
				return err
			},
			method: "POST", path: "/v1/webhooks",
			body: `{"url":"https://sc.example/hooks/lever/c1","event":"candidateStageChange","configuration":{"conditions":{"origins":["sourced"]}}}`,
		},
		{
			name: "CreateWebhook",
			do: func(c *Client) error {
				_, err := c.CreateWebhook(ctx, WebhookInput{URL: "https://sc.example/h", Event: EventCandidateDeleted})
				return err
			},
			method: "POST", path: "/v1/webhooks", body: `{"url":"https://sc.example/h","event":"candidateDeleted"}`,
		},
		{
			name:   "DeleteWebhook",
			do:     func(c *Client) error { return c.DeleteWebhook(ctx, "w1") },
			method: "DELETE", path: "/v1/webhooks/w1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodDelete {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				writeRaw(w, http.StatusCreated, `{"data":{"id":"x1","noteId":"n1"}}`)
			})
			if err := tt.do(c); err != nil {
				t.Fatal(err)
			}
			reqs := b.requests()
			if len(reqs) != 1 {
				t.Fatalf("requests=%d, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != tt.method || r.Path != tt.path {
				t.Fatalf("request=%s %s, want %s %s", r.Method, r.Path, tt.method, tt.path)
			}
			q, _ := url.ParseQuery(r.RawQuery)
			if tt.query == nil {
				tt.query = url.Values{}
			}
			if !reflect.DeepEqual(q, tt.query) {
				t.Fatalf("query=%v, want %v", q, tt.query)
			}
			if tt.body == "" {
				if len(r.Body) != 0 {
					t.Fatalf("body=%s, want none", r.Body)
				}
				return
			}
			if got := r.Header.Get("Content-Type"); got != "application/json" {
				t.Fatalf("Content-Type=%q", got)
			}
			assertJSON(t, r.Body, tt.body)
		})
	}
}

// assertJSON compares two JSON documents by value.
func assertJSON(tb testing.TB, got []byte, want string) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("body %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		tb.Fatalf("want %s: %v", want, err)
	}
	if !reflect.DeepEqual(g, w) {
		tb.Fatalf("body=%s\nwant %s", got, want)
	}
}

func TestRequiredPerformAs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) { t.Errorf("unexpected request %s %s", r.Method, r.URL) })
	for name, do := range map[string]func() error{
		"CreateOpportunity": func() error { _, err := c.CreateOpportunity(ctx, CreateOpportunityInput{Name: "x"}, ""); return err },
		"CreateFeedback": func() error {
			_, err := c.CreateFeedback(ctx, "o1", FeedbackInput{BaseTemplateID: "t"}, "")
			return err
		},
		"UploadFile": func() error {
			_, err := c.UploadFile(ctx, "o1", File{Name: "a.txt", Data: []byte("a")}, "")
			return err
		},
		"UpdatePostingTags": func() error { _, err := c.UpdatePostingTags(ctx, "p1", []string{"a"}, ""); return err },
		"EmptyOpportunityID": func() error {
			_, err := c.GetOpportunity(ctx, "")
			return err
		},
		"TwoPostings": func() error {
			_, err := c.CreateOpportunity(ctx, CreateOpportunityInput{Postings: []string{"a", "b"}}, "u1")
			return err
		},
		"UnknownWebhookEvent": func() error {
			_, err := c.CreateWebhook(ctx, WebhookInput{URL: "https://x", Event: "candidateMoved"})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			if err := do(); !errors.Is(err, ErrBadRequest) {
				t.Fatalf("err=%v, want ErrBadRequest", err)
			}
		})
	}
	if n := len(b.requests()); n != 0 {
		t.Fatalf("%d requests reached the server, want 0", n)
	}
}

func TestReadRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	archived := false
	since := time.UnixMilli(1700000000000)
	tests := []struct {
		name  string
		do    func(c *Client) error
		path  string
		query url.Values
	}{
		{
			name: "GetOpportunityExpand",
			do: func(c *Client) error {
				_, err := c.GetOpportunity(ctx, "o1", "stage", "applications")
				return err
			},
			path: "/v1/opportunities/o1", query: url.Values{"expand": {"stage", "applications"}},
		},
		{
			name: "ListOpportunities",
			do: func(c *Client) error {
				return drain(c.ListOpportunities(ctx, ListOpportunitiesParams{
					StageIDs: []string{"s1", "s2"}, PostingIDs: []string{"p1"}, Tags: []string{"Acme"}, Emails: []string{"a@x.org"},
					ContactIDs: []string{"c1"}, Origins: []string{"sourced"}, Archived: &archived, UpdatedAtStart: since,
					UpdatedAtEnd: since.Add(time.Second), AdvancedAtStart: since.Add(2 * time.Second), AdvancedAtEnd: since.Add(3 * time.Second),
					Confidentiality: "all", Expand: []string{"contact"}, Limit: 50,
				}))
			},
			path: "/v1/opportunities", query: url.Values{
				"stage_id": {"s1", "s2"}, "posting_id": {"p1"}, "tag": {"Acme"}, "email": {"a@x.org"}, "contact_id": {"c1"},
				"origin": {"sourced"}, "archived": {"false"}, "updated_at_start": {"1700000000000"}, "updated_at_end": {"1700000001000"},
				"advanced_at_start": {"1700000002000"}, "advanced_at_end": {"1700000003000"}, "confidentiality": {"all"}, "expand": {"contact"}, "limit": {"50"},
			},
		},
		{
			name: "ListOpportunitiesLimitClamped",
			do:   func(c *Client) error { return drain(c.ListOpportunities(ctx, ListOpportunitiesParams{Limit: 500})) },
			path: "/v1/opportunities", query: url.Values{"limit": {"100"}},
		},
		{
			name: "ListDeletedOpportunities",
			do:   func(c *Client) error { return drain(c.ListDeletedOpportunities(ctx, since)) },
			path: "/v1/opportunities/deleted", query: url.Values{"deleted_at_start": {"1700000000000"}},
		},
		{
			name: "ListUsers",
			do: func(c *Client) error {
				return drain(c.ListUsers(ctx, ListUsersParams{IncludeDeactivated: true, AccessRoles: []string{"admin", "super admin"}}))
			},
			path: "/v1/users", query: url.Values{"includeDeactivated": {"true"}, "accessRole": {"admin", "super admin"}},
		},
		{
			name: "ListPostings",
			do: func(c *Client) error {
				return drain(c.ListPostings(ctx, ListPostingsParams{States: []string{"published"}, Tags: []string{"Acme"}, Expand: []string{"owner"}, Limit: 10}))
			},
			path: "/v1/postings", query: url.Values{"state": {"published"}, "tag": {"Acme"}, "expand": {"owner"}, "limit": {"10"}},
		},
		{
			name: "GetPosting",
			do:   func(c *Client) error { _, err := c.GetPosting(ctx, "p 1/x", "hiringManager"); return err },
			path: "/v1/postings/p 1/x", query: url.Values{"expand": {"hiringManager"}},
		},
		{
			name: "GetInterview",
			do:   func(c *Client) error { _, err := c.GetInterview(ctx, "o1", "i1"); return err },
			path: "/v1/opportunities/o1/interviews/i1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
				if strings.Count(r.URL.Path, "/") > 2 && !strings.HasSuffix(r.URL.Path, "/deleted") {
					writeRaw(w, 200, `{"data":{"id":"x"}}`)
					return
				}
				writeRaw(w, 200, `{"data":[],"hasNext":false}`)
			})
			if err := tt.do(c); err != nil {
				t.Fatal(err)
			}
			r := b.requests()[0]
			if r.Method != "GET" || r.Path != tt.path {
				t.Fatalf("request=%s %s, want GET %s", r.Method, r.Path, tt.path)
			}
			q, _ := url.ParseQuery(r.RawQuery)
			if tt.query == nil {
				tt.query = url.Values{}
			}
			if !reflect.DeepEqual(q, tt.query) {
				t.Fatalf("query=%v, want %v", q, tt.query)
			}
		})
	}
}

// drain consumes an iterator and returns its first error.
func drain[T any](seq func(func(*T, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestUploadFileMultipart(t *testing.T) {
	t.Parallel()
	data := []byte("%PDF-1.4 fake report\x00\x01")
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, `{"data":{"id":"f1","name":"report.pdf","ext":".pdf","size":"23","uploadedAt":"1700000000000","status":"processing"}}`)
	})
	info, err := c.UploadFile(context.Background(), "o1", File{Name: "report.pdf", Data: data}, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != "f1" || info.Size != 23 || info.UploadedAt != 1700000000000 {
		t.Fatalf("info=%+v", info)
	}
	r := b.requests()[0]
	if r.Method != "POST" || r.Path != "/v1/opportunities/o1/files" || r.RawQuery != "perform_as=u1" {
		t.Fatalf("request=%s %s?%s", r.Method, r.Path, r.RawQuery)
	}
	parts := readMultipart(t, r)
	p, ok := parts["file"]
	if !ok || len(parts) != 1 {
		t.Fatalf("parts=%v, want exactly file", keys(parts))
	}
	if p[0].filename != "report.pdf" || p[0].contentType != "application/pdf" || string(p[0].data) != string(data) {
		t.Fatalf("file part=%q %q %q", p[0].filename, p[0].contentType, p[0].data)
	}
}

func TestCreateOpportunityMultipart(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 201, `{"data":{"id":"o9","contact":"c9"}}`)
	})
	opp, err := c.CreateOpportunity(context.Background(), CreateOpportunityInput{
		Name: "Ada Park", Emails: []string{"ada@example.org", "ada@work.example"}, Tags: []string{"sourced-by-acme"},
		Postings: []string{"p1"}, Phones: []Phone{{Type: "mobile", Value: "+1 555"}, {Value: "+44 20"}}, Origin: "sourced",
		Links: []string{"https://talent.example/ada"}, Sources: []string{"Acme Sourcing"},
		CreatedAt: 1407460000000, Archived: &CreateArchived{Reason: "r1", ArchivedAt: 1407460071043},
		ResumeFile: &File{Name: "cv.txt", ContentType: "text/plain", Data: []byte("Ada Park, engineer")},
	}, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if opp.ID != "o9" || opp.Contact.ID != "c9" {
		t.Fatalf("opp=%+v", opp)
	}
	r := b.requests()[0]
	if r.RawQuery != "perform_as=u1" {
		t.Fatalf("query=%q", r.RawQuery)
	}
	parts := readMultipart(t, r)
	want := map[string][]string{
		"name": {"Ada Park"}, "emails[]": {"ada@example.org", "ada@work.example"}, "tags[]": {"sourced-by-acme"},
		"postings[]": {"p1"}, "phones[]": {`{"type":"mobile","value":"+1 555"}`, `{"value":"+44 20"}`}, "origin": {"sourced"},
		"links[]": {"https://talent.example/ada"}, "sources[]": {"Acme Sourcing"},
		"createdAt": {"1407460000000"}, "archive[reason]": {"r1"}, "archive[archivedAt]": {"1407460071043"},
		"resumeFile": {"Ada Park, engineer"},
	}
	got := map[string][]string{}
	for k, ps := range parts {
		for _, p := range ps {
			got[k] = append(got[k], string(p.data))
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("form=%v\nwant %v", got, want)
	}
	if f := parts["resumeFile"][0]; f.filename != "cv.txt" || f.contentType != "text/plain" {
		t.Fatalf("resumeFile part=%q %q", f.filename, f.contentType)
	}
}

type part struct {
	filename, contentType string
	data                  []byte
}

func readMultipart(tb testing.TB, r recorded) map[string][]part {
	tb.Helper()
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		tb.Fatalf("Content-Type=%q", r.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(strings.NewReader(string(r.Body)), params["boundary"])
	out := map[string][]part{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		data, _ := io.ReadAll(p)
		out[p.FormName()] = append(out[p.FormName()], part{p.FileName(), p.Header.Get("Content-Type"), data})
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
