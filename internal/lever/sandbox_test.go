package lever_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
)

// These tests run the client against the local Lever sandbox
// (internal/leversandbox), which implements Lever's documented API.

const sandboxKey = "lever-client-test-key"

// startSandbox runs a demo sandbox on a test server. rate < 0 disables its
// rate limit; 0 keeps Lever's 10/s, burst 20.
func startSandbox(tb testing.TB, rate float64) *httptest.Server {
	tb.Helper()
	sb, err := leversandbox.New(leversandbox.Config{APIKey: sandboxKey, Seed: "demo", RatePerSecond: rate})
	if err != nil {
		tb.Fatalf("leversandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	tb.Cleanup(func() {
		srv.Close()
		_ = sb.Close()
	})
	return srv
}

// callCounter counts client HTTP attempts by route and status.
type callCounter struct {
	mu     sync.Mutex
	routes map[string]int
	status map[int]int
}

func (c *callCounter) observe(method, route string, status int, _ time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.routes == nil {
		c.routes, c.status = map[string]int{}, map[int]int{}
	}
	c.routes[method+" "+route]++
	c.status[status]++
}

func (c *callCounter) route(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.routes[key]
}

func (c *callCounter) statusCount(status int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status[status]
}

func sandboxClient(tb testing.TB, srv *httptest.Server, limiter lever.Limiter, counter *callCounter) *lever.Client {
	tb.Helper()
	cfg := lever.Config{
		Environment: lever.Custom(srv.URL),
		APIKey:      sandboxKey,
		Limiter:     limiter,
		HTTPClient:  srv.Client(),
		Timeout:     10 * time.Second,
	}
	if counter != nil {
		cfg.ObserveFunc = counter.observe
	}
	c, err := lever.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// admin calls the sandbox's admin endpoint and decodes the JSON answer.
func admin(tb testing.TB, srv *httptest.Server, method, path string, body any, out any) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
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

// must turns a (value, error) pair into the value, failing the test on the
// error: must(c.GetUser(ctx, id))(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}

func check(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func all[T any](tb testing.TB, seq func(func(*T, error) bool)) []*T {
	tb.Helper()
	var out []*T
	for v, err := range seq {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// TestSandboxEndpoints exercises every client method against the sandbox.
func TestSandboxEndpoints(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	counter := &callCounter{}
	c := sandboxClient(t, srv, lever.Unlimited(), counter)
	ctx := context.Background()

	// Account data.
	users := all(t, c.ListUsers(ctx, lever.ListUsersParams{}))
	if len(users) == 0 {
		t.Fatal("no users")
	}
	actor := users[0]
	found := must(c.FindUserByEmail(ctx, actor.Email))(t)
	if found.ID != actor.ID {
		t.Fatalf("FindUserByEmail(%s)=%s, want %s", actor.Email, found.ID, actor.ID)
	}
	if _, err := c.FindUserByEmail(ctx, "nobody@nowhere.example"); !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("FindUserByEmail(unknown) err=%v, want ErrNotFound", err)
	}
	if u := must(c.GetUser(ctx, actor.ID))(t); u.Email != actor.Email || u.Username == "" {
		t.Fatalf("GetUser=%+v", u)
	}
	admins := all(t, c.ListUsers(ctx, lever.ListUsersParams{AccessRoles: []string{actor.AccessRole}, IncludeDeactivated: true}))
	if !slices.ContainsFunc(admins, func(u *lever.User) bool { return u.ID == actor.ID }) {
		t.Fatalf("ListUsers(accessRole=%q) lacks %s", actor.AccessRole, actor.ID)
	}

	stages := must(c.ListStages(ctx))(t)
	stageByText := map[string]lever.Stage{}
	for _, s := range stages {
		stageByText[s.Text] = s
	}
	for _, text := range []string{"New lead", "New applicant", "Offer"} {
		if _, ok := stageByText[text]; !ok {
			t.Fatalf("stages %v lack %q", stages, text)
		}
	}
	if s := must(c.GetStage(ctx, stageByText["Offer"].ID))(t); s.Text != "Offer" {
		t.Fatalf("GetStage=%+v", s)
	}

	reasons := must(c.ListArchiveReasons(ctx))(t)
	var hired, rejected lever.ArchiveReason
	for _, r := range reasons {
		if r.Type == "hired" {
			hired = r
		} else if rejected.ID == "" {
			rejected = r
		}
	}
	if hired.ID == "" || rejected.ID == "" {
		t.Fatalf("archive reasons %+v lack a hired and a non-hired one", reasons)
	}

	// Postings and posting tags.
	postings := all(t, c.ListPostings(ctx, lever.ListPostingsParams{}))
	if len(postings) == 0 {
		t.Fatal("no postings")
	}
	posting := must(c.GetPosting(ctx, postings[0].ID, "owner"))(t)
	if posting.ID != postings[0].ID || posting.Text == "" {
		t.Fatalf("GetPosting=%+v", posting)
	}
	postingTags := append(slices.Clone(posting.Tags), "stagecoach-client-test")
	updated := must(c.UpdatePostingTags(ctx, posting.ID, postingTags, actor.ID))(t)
	if !slices.Contains(updated.Tags, "stagecoach-client-test") {
		t.Fatalf("UpdatePostingTags: tags=%v", updated.Tags)
	}
	tagged := all(t, c.ListPostings(ctx, lever.ListPostingsParams{Tags: []string{"stagecoach-client-test"}}))
	if len(tagged) != 1 || tagged[0].ID != posting.ID {
		t.Fatalf("ListPostings(tag)=%d postings", len(tagged))
	}
	restored := must(c.UpdatePostingTags(ctx, posting.ID, posting.Tags, actor.ID))(t)
	if slices.Contains(restored.Tags, "stagecoach-client-test") {
		t.Fatalf("tag list not replaced: %v", restored.Tags)
	}

	// Opportunities.
	email := fmt.Sprintf("ada.%d@client-test.example", time.Now().UnixNano())
	opp := must(c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
		Name: "Ada Client-Test", Headline: "Initech", Location: "Berlin", Emails: []string{email},
		Phones: []lever.Phone{{Type: "mobile", Value: "+1 555 0199"}}, Links: []string{"https://ada.example"},
		Tags: []string{"client-test"}, Sources: []string{"Client Test"}, Origin: "sourced", Postings: []string{posting.ID},
		Stage: stageByText["New applicant"].ID,
	}, actor.ID))(t)
	if opp.ID == "" || opp.Contact.ID == "" || opp.Owner.ID != actor.ID {
		t.Fatalf("CreateOpportunity=%+v", opp)
	}
	got := must(c.GetOpportunity(ctx, opp.ID, "applications", "stage", "owner", "contact"))(t)
	if got.PostingID() != posting.ID || got.Stage.Text != "New applicant" || got.Owner.Email != actor.Email ||
		!slices.Contains(got.Contact.Emails, email) {
		t.Fatalf("GetOpportunity(expanded): posting=%q stage=%+v owner=%+v contact=%+v", got.PostingID(), got.Stage, got.Owner, got.Contact)
	}
	if _, err := c.CreateOpportunity(ctx, lever.CreateOpportunityInput{Name: "x"}, ""); !errors.Is(err, lever.ErrBadRequest) {
		t.Fatalf("create without perform_as: %v", err)
	}

	// Stage and archive state.
	check(t, c.UpdateStage(ctx, opp.ID, stageByText["Offer"].ID, actor.ID))
	got = must(c.GetOpportunity(ctx, opp.ID))(t)
	if got.Stage.ID != stageByText["Offer"].ID || len(got.StageChanges) == 0 || got.StageChanges[len(got.StageChanges)-1].ToStageID != got.Stage.ID {
		t.Fatalf("after UpdateStage: stage=%+v changes=%+v", got.Stage, got.StageChanges)
	}
	check(t, c.UpdateArchived(ctx, opp.ID, rejected.ID, actor.ID))
	got = must(c.GetOpportunity(ctx, opp.ID))(t)
	if got.Archived == nil || got.Archived.Reason != rejected.ID || got.Archived.ArchivedAt == 0 {
		t.Fatalf("after archive: %+v", got.Archived)
	}
	check(t, c.UpdateArchived(ctx, opp.ID, "", actor.ID))
	if got = must(c.GetOpportunity(ctx, opp.ID))(t); got.Archived != nil {
		t.Fatalf("after unarchive: %+v", got.Archived)
	}
	archived := true
	inArchive := all(t, c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Emails: []string{email}, Archived: &archived}))
	if len(inArchive) != 0 {
		t.Fatalf("archived=true lists the unarchived opportunity")
	}

	// Tags, links, sources.
	check(t, c.AddTags(ctx, opp.ID, []string{"Acme: Invited", "Acme: Done"}, actor.ID))
	check(t, c.RemoveTags(ctx, opp.ID, []string{"Acme: Done"}, ""))
	check(t, c.AddLinks(ctx, opp.ID, []string{"https://acme.example/r/1", "https://acme.example/r/2"}, ""))
	check(t, c.RemoveLinks(ctx, opp.ID, []string{"https://acme.example/r/2"}, ""))
	check(t, c.AddSources(ctx, opp.ID, []string{"Acme Sourcing", "Acme Old"}, ""))
	check(t, c.RemoveSources(ctx, opp.ID, []string{"Acme Old"}, ""))
	got = must(c.GetOpportunity(ctx, opp.ID))(t)
	if !slices.Contains(got.Tags, "Acme: Invited") || slices.Contains(got.Tags, "Acme: Done") {
		t.Fatalf("tags=%v", got.Tags)
	}
	if !slices.Contains(got.Links, "https://acme.example/r/1") || slices.Contains(got.Links, "https://acme.example/r/2") {
		t.Fatalf("links=%v", got.Links)
	}
	if !slices.Contains(got.Sources, "Acme Sourcing") || slices.Contains(got.Sources, "Acme Old") {
		t.Fatalf("sources=%v", got.Sources)
	}
	tags := must(c.ListTags(ctx))(t)
	if !slices.ContainsFunc(tags, func(tg lever.Tag) bool { return tg.Text == "Acme: Invited" && tg.Count >= 1 }) {
		t.Fatalf("ListTags lacks the new tag: %+v", tags)
	}
	sources := must(c.ListSources(ctx))(t)
	if !slices.ContainsFunc(sources, func(s lever.Tag) bool { return s.Text == "Acme Sourcing" }) {
		t.Fatalf("ListSources lacks the new source: %+v", sources)
	}
	byTag := all(t, c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{"Acme: Invited"}}))
	if len(byTag) != 1 || byTag[0].ID != opp.ID {
		t.Fatalf("ListOpportunities(tag) found %d", len(byTag))
	}

	// Notes.
	score := 3
	noteID := must(c.CreateNote(ctx, opp.ID, lever.NoteInput{Value: "Acme assessment: 82/100 @" + actor.Username, Score: &score}, actor.ID))(t)
	notes := all(t, c.ListNotes(ctx, opp.ID))
	i := slices.IndexFunc(notes, func(n *lever.Note) bool { return n.ID == noteID })
	if i < 0 || !strings.Contains(notes[i].Value(), "82/100") || notes[i].User != actor.ID {
		t.Fatalf("ListNotes=%+v, want note %s", notes, noteID)
	}

	// Files.
	content := []byte("%PDF-1.4\nAcme report for Ada\n%%EOF\n")
	info := must(c.UploadFile(ctx, opp.ID, lever.File{Name: "acme-report.pdf", ContentType: "application/pdf", Data: content}, actor.ID))(t)
	if info.ID == "" || info.Name != "acme-report.pdf" || info.Size != int64(len(content)) {
		t.Fatalf("UploadFile=%+v", info)
	}
	files := all(t, c.ListFiles(ctx, opp.ID))
	if !slices.ContainsFunc(files, func(f *lever.FileInfo) bool { return f.ID == info.ID }) {
		t.Fatalf("ListFiles lacks %s", info.ID)
	}
	if data := must(c.DownloadFile(ctx, opp.ID, info.ID))(t); !bytes.Equal(data, content) {
		t.Fatalf("DownloadFile=%q", data)
	}

	// Resumes: an opportunity created with a resume file (multipart).
	withResume := must(c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
		Name: "Grace Resume", Emails: []string{"grace." + email}, Tags: []string{"client-test", "with-resume"},
		Phones:     []lever.Phone{{Type: "work", Value: "+1 555 0123"}},
		ResumeFile: &lever.File{Name: "grace-cv.pdf", ContentType: "application/pdf", Data: content},
	}, actor.ID))(t)
	if !slices.Contains(withResume.Tags, "with-resume") || !slices.Contains(withResume.Emails, "grace."+email) {
		t.Fatalf("multipart create: %+v", withResume)
	}
	if len(withResume.Phones) != 1 || withResume.Phones[0] != (lever.Phone{Type: "work", Value: "+1 555 0123"}) {
		t.Fatalf("multipart phones=%+v", withResume.Phones)
	}
	resumes := all(t, c.ListResumes(ctx, withResume.ID))
	if len(resumes) != 1 || resumes[0].File == nil || resumes[0].File.Name != "grace-cv.pdf" {
		t.Fatalf("ListResumes=%+v", resumes)
	}

	// Form templates and profile forms.
	tpl := must(c.CreateFormTemplate(ctx, lever.FormTemplateInput{
		Text: "Acme Results", Instructions: "Filled by Acme.", Fields: []lever.FormField{
			{Type: "text", Text: "Score", Required: true},
			{Type: "dropdown", Text: "Recommendation", Required: true, Options: []lever.Option{{Text: "Advance"}, {Text: "Reject"}}},
			{Type: "textarea", Text: "Comments"},
		},
	}))(t)
	if tpl.ID == "" || len(tpl.Fields) != 3 || tpl.Fields[0].ID == "" {
		t.Fatalf("CreateFormTemplate=%+v", tpl)
	}
	if g := must(c.GetFormTemplate(ctx, tpl.ID))(t); g.Text != "Acme Results" || len(g.Fields) != 3 {
		t.Fatalf("GetFormTemplate=%+v", g)
	}
	templates := all(t, c.ListFormTemplates(ctx))
	if !slices.ContainsFunc(templates, func(ft *lever.FormTemplate) bool { return ft.ID == tpl.ID }) {
		t.Fatalf("ListFormTemplates lacks %s", tpl.ID)
	}
	fields := slices.Clone(tpl.Fields)
	fields[0].Value, fields[1].Value, fields[2].Value = "82", "Advance", nil
	form := must(c.CreateProfileForm(ctx, opp.ID, lever.ProfileFormInput{BaseTemplateID: tpl.ID, Fields: fields}, actor.ID))(t)
	if form.ID == "" || form.BaseTemplateID != tpl.ID || len(form.Fields) != 3 || form.Fields[0].Value != "82" {
		t.Fatalf("CreateProfileForm=%+v", form)
	}
	forms := all(t, c.ListProfileForms(ctx, opp.ID))
	if !slices.ContainsFunc(forms, func(f *lever.ProfileForm) bool { return f.ID == form.ID && f.Fields[1].Value == "Advance" }) {
		t.Fatalf("ListProfileForms lacks %s", form.ID)
	}
	bad := slices.Clone(tpl.Fields[:1])
	if _, err := c.CreateProfileForm(ctx, opp.ID, lever.ProfileFormInput{BaseTemplateID: tpl.ID, Fields: bad}, ""); !errors.Is(err, lever.ErrBadRequest) {
		t.Fatalf("profile form missing fields: err=%v, want ErrBadRequest", err)
	}

	// Feedback.
	fbTemplates := all(t, c.ListFeedbackTemplates(ctx))
	var fbTpl *lever.FeedbackTemplate
	for _, ft := range fbTemplates {
		if len(ft.Fields) > 0 {
			fbTpl = ft
		}
	}
	if fbTpl == nil {
		t.Fatalf("no feedback template with fields among %d", len(fbTemplates))
	}
	var values []lever.FieldValue
	for _, f := range fbTpl.Fields {
		switch {
		case len(f.Options) > 0:
			values = append(values, lever.FieldValue{ID: f.ID, Value: f.Options[0].Text})
		case f.Required || f.Type == "textarea" || f.Type == "text":
			values = append(values, lever.FieldValue{ID: f.ID, Value: "Strong system design."})
		}
	}
	fb := must(c.CreateFeedback(ctx, opp.ID, lever.FeedbackInput{BaseTemplateID: fbTpl.ID, FieldValues: values}, actor.ID))(t)
	if fb.ID == "" || fb.BaseTemplateID != fbTpl.ID || fb.User != actor.ID {
		t.Fatalf("CreateFeedback=%+v", fb)
	}
	feedback := all(t, c.ListFeedback(ctx, opp.ID))
	if !slices.ContainsFunc(feedback, func(f *lever.Feedback) bool { return f.ID == fb.ID }) {
		t.Fatalf("ListFeedback lacks %s", fb.ID)
	}

	// Interviews and panels: the demo seed has some on its opportunities.
	var interviews, panels int
	for o, err := range c.ListOpportunities(ctx, lever.ListOpportunitiesParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		for p, err := range c.ListPanels(ctx, o.ID) {
			if err != nil {
				t.Fatal(err)
			}
			panels++
			for _, iv := range p.Interviews {
				if iv.ID == "" {
					t.Fatalf("panel %s has an interview without id", p.ID)
				}
			}
		}
		for iv, err := range c.ListInterviews(ctx, o.ID) {
			if err != nil {
				t.Fatal(err)
			}
			interviews++
			one := must(c.GetInterview(ctx, o.ID, iv.ID))(t)
			if one.ID != iv.ID || one.Panel == "" {
				t.Fatalf("GetInterview=%+v", one)
			}
		}
	}
	if none := all(t, c.ListInterviews(ctx, opp.ID)); len(none) != 0 {
		t.Fatalf("new opportunity has %d interviews", len(none))
	}
	t.Logf("demo seed: %d panels, %d interviews", panels, interviews)

	// Webhooks.
	hook := must(c.CreateWebhook(ctx, lever.WebhookInput{URL: "https://stagecoach.example/hooks/lever/c1", Event: lever.EventCandidateStageChange, Origins: []string{"sourced", "applied"}}))(t)
	if hook.ID == "" || len(hook.Configuration.SignatureToken) == 0 || !slices.Equal(hook.Configuration.Conditions.Origins, []string{"sourced", "applied"}) {
		t.Fatalf("CreateWebhook=%+v", hook)
	}
	hooks := must(c.ListWebhooks(ctx))(t)
	if !slices.ContainsFunc(hooks, func(w lever.Webhook) bool { return w.ID == hook.ID && w.Event == lever.EventCandidateStageChange }) {
		t.Fatalf("ListWebhooks lacks %s", hook.ID)
	}
	check(t, c.DeleteWebhook(ctx, hook.ID))
	if hooks = must(c.ListWebhooks(ctx))(t); slices.ContainsFunc(hooks, func(w lever.Webhook) bool { return w.ID == hook.ID }) {
		t.Fatalf("webhook %s still listed after delete", hook.ID)
	}
	if err := c.DeleteWebhook(ctx, hook.ID); !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}

	// Deleted opportunities (deleted through the admin endpoint, as a
	// recruiter would in the app).
	before := time.Now().Add(-time.Second)
	admin(t, srv, http.MethodDelete, "/_sandbox/opportunities/"+withResume.ID, nil, nil)
	if _, err := c.GetOpportunity(ctx, withResume.ID); !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("GetOpportunity(deleted) err=%v, want ErrNotFound", err)
	}
	deleted := all(t, c.ListDeletedOpportunities(ctx, before))
	j := slices.IndexFunc(deleted, func(o *lever.Opportunity) bool { return o.ID == withResume.ID })
	if j < 0 || deleted[j].DeletedAt == 0 {
		t.Fatalf("ListDeletedOpportunities lacks %s: %+v", withResume.ID, deleted)
	}

	// Errors.
	if _, err := c.GetOpportunity(ctx, "00000000-0000-0000-0000-000000000000"); !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("unknown opportunity: %v", err)
	}
	if err := c.UpdateStage(ctx, opp.ID, "00000000-0000-0000-0000-000000000000", ""); !errors.Is(err, lever.ErrBadRequest) && !errors.Is(err, lever.ErrNotFound) {
		t.Fatalf("unknown stage: %v", err)
	}
	badKey := must(lever.New(lever.Config{Environment: lever.Custom(srv.URL), APIKey: "wrong", Limiter: lever.Unlimited()}))(t)
	if _, err := badKey.ListStages(ctx); !errors.Is(err, lever.ErrUnauthorized) || !errors.Is(err, lever.ErrConnectionBroken) {
		t.Fatalf("wrong key: %v", err)
	}
	if counter.statusCount(0) != 0 {
		t.Fatalf("%d transport errors", counter.statusCount(0))
	}
}

// TestSandboxPagination lists more than 100 opportunities: the client follows
// the sandbox's offset tokens across pages.
func TestSandboxPagination(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	counter := &callCounter{}
	c := sandboxClient(t, srv, lever.Unlimited(), counter)
	ctx := context.Background()
	actor := must(c.FindUserByEmail(ctx, all(t, c.ListUsers(ctx, lever.ListUsersParams{}))[0].Email))(t)

	const n = 130
	want := map[string]bool{}
	for i := range n {
		o := must(c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
			Name: fmt.Sprintf("Page Test %03d", i), Emails: []string{fmt.Sprintf("page%03d@client-test.example", i)}, Tags: []string{"page-test"},
		}, actor.ID))(t)
		want[o.ID] = true
	}
	for _, limit := range []int{0, 7} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			before := counter.route("GET /opportunities")
			got := map[string]bool{}
			for o, err := range c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{"page-test"}, Limit: limit}) {
				if err != nil {
					t.Fatal(err)
				}
				if got[o.ID] {
					t.Fatalf("%s listed twice", o.ID)
				}
				got[o.ID] = true
			}
			if len(got) != n {
				t.Fatalf("listed %d, want %d", len(got), n)
			}
			for id := range want {
				if !got[id] {
					t.Fatalf("%s missing", id)
				}
			}
			pages := counter.route("GET /opportunities") - before
			pageSize := limit
			if pageSize == 0 {
				pageSize = 100
			}
			if wantPages := (n + pageSize - 1) / pageSize; pages != wantPages {
				t.Fatalf("pages=%d, want %d", pages, wantPages)
			}
		})
	}
}

// TestSandboxRateLimit: a burst of 40 plain calls trips the sandbox's 10/s,
// burst 20 bucket; 40 calls through the client's default limiter do not.
func TestSandboxRateLimit(t *testing.T) {
	t.Parallel()
	const calls = 40

	t.Run("PlainHTTP", func(t *testing.T) {
		t.Parallel()
		srv := startSandbox(t, 0)
		var limited atomic.Int32
		var wg sync.WaitGroup
		for range calls {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/stages", nil)
				req.SetBasicAuth(sandboxKey, "")
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusTooManyRequests {
					limited.Add(1)
					if resp.Header.Get("Retry-After") == "" {
						t.Error("429 without Retry-After")
					}
				}
			})
		}
		wg.Wait()
		if limited.Load() == 0 {
			t.Fatalf("no 429 among %d unpaced calls", calls)
		}
		t.Logf("%d of %d plain calls got 429", limited.Load(), calls)
	})

	t.Run("Client", func(t *testing.T) {
		t.Parallel()
		srv := startSandbox(t, 0)
		counter := &callCounter{}
		c := sandboxClient(t, srv, nil, counter) // nil: the default limiter
		var wg sync.WaitGroup
		for range calls {
			wg.Go(func() {
				if _, err := c.ListStages(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := counter.statusCount(http.StatusTooManyRequests); n != 0 {
			t.Fatalf("the client got %d 429s", n)
		}
		if n := counter.statusCount(http.StatusOK); n != calls {
			t.Fatalf("%d calls succeeded, want %d", n, calls)
		}
	})
}

// TestSandboxUncertainWrite: the sandbox applies a write and never answers;
// the client reports ErrUncertain and does not send it again.
func TestSandboxUncertainWrite(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	counter := &callCounter{}
	c := must(lever.New(lever.Config{
		Environment: lever.Custom(srv.URL), APIKey: sandboxKey, Limiter: lever.Unlimited(),
		Timeout: 300 * time.Millisecond, ObserveFunc: counter.observe,
	}))(t)
	ctx := context.Background()
	opps := all(t, c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Limit: 1}))
	if len(opps) == 0 {
		t.Fatal("no opportunities")
	}
	opp := opps[0]

	admin(t, srv, http.MethodPost, "/_sandbox/faults", map[string]any{"timeoutAfterWriteRate": 1, "paths": []string{"/v1/opportunities"}}, nil)
	err := c.AddTags(ctx, opp.ID, []string{"uncertain-write"}, "")
	if !errors.Is(err, lever.ErrUncertain) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err=%v, want ErrUncertain (deadline)", err)
	}
	if n := counter.route("POST /opportunities/:id/addTags"); n != 1 {
		t.Fatalf("write sent %d times, want 1", n)
	}
	admin(t, srv, http.MethodDelete, "/_sandbox/faults", nil, nil)
	got := must(c.GetOpportunity(ctx, opp.ID))(t)
	if !slices.Contains(got.Tags, "uncertain-write") {
		t.Fatalf("the write was not applied: tags=%v", got.Tags)
	}
}
