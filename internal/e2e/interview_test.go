package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// postingByTitle returns a seeded posting.
func postingByTitle(t *testing.T, c *lever.Client, title string) *lever.Posting {
	t.Helper()
	for p, err := range c.ListPostings(context.Background(), lever.ListPostingsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Text == title {
			return p
		}
	}
	t.Fatalf("no posting %q", title)
	return nil
}

// candidateOn returns an active opportunity on a posting in a stage.
func candidateOn(t *testing.T, c *lever.Client, postingID, stage string, skip ...string) *lever.Opportunity {
	t.Helper()
	archived := false
	for opp, err := range c.ListOpportunities(context.Background(), lever.ListOpportunitiesParams{Archived: &archived, PostingIDs: []string{postingID}, Expand: []string{"stage", "applications", "owner"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if opp.Stage.Text == stage && !contains(skip, opp.ID) {
			return opp
		}
	}
	t.Fatalf("no candidate on posting %s in %q", postingID, stage)
	return nil
}

// notification is a mention notification the sandbox recorded.
type notification struct {
	UserID, Username, OpportunityID, NoteID, Value string
}

func notifications(t *testing.T, env *demo.Env, oppID string) []notification {
	t.Helper()
	resp, err := http.Get(env.SandboxURL + "/_sandbox/notifications?opportunity=" + oppID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Data []notification }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Data
}

func problemStatus(err error) int {
	var p *provider.Problem
	if errors.As(err, &p) {
		return p.Status
	}
	return 0
}

// A recruiter moves a candidate into "Jobma": the video interview tool
// invites, the candidate completes, and Lever shows the interview link, then
// the evaluation link, with the status tag replaced. The interview listing
// shows the order with its evaluation link, and the posting got its kit.
func TestVideoInterviewFlowEndToEnd(t *testing.T) {
	t.Parallel()
	// Long enough a wait between the steps to see the invited step.
	env := startDemo(t, 1500*time.Millisecond)
	ctx := context.Background()
	backend := postingByTitle(t, env.Lever, "Backend Engineer")
	opp := candidateOn(t, env.Lever, backend.ID, "New applicant")
	if err := env.MoveToStage(ctx, opp.ID, demo.VideoStage); err != nil {
		t.Fatal(err)
	}
	const invited, completed = "Demo Video Interview Invited", "Demo Video Interview Completed"
	defer func() {
		if t.Failed() {
			for _, d := range decisions(t, env, opp.ID) {
				t.Logf("decision %s %s: %s", d.IntegrationID, d.Decision, d.Reason)
			}
			t.Logf("view: %+v", view(t, env.Lever, opp.ID))
		}
	}()
	eventually(t, 20*time.Second, "the interview link note and the invited tag", func() bool {
		v := view(t, env.Lever, opp.ID)
		return v.hasTag(invited) && v.notesContaining("Interview link: http") == 1
	})
	eventually(t, 20*time.Second, "the completed tag", func() bool { return view(t, env.Lever, opp.ID).hasTag(completed) })
	v := view(t, env.Lever, opp.ID)
	if v.hasTag(invited) {
		t.Errorf("tags = %v: the invited tag should be gone", v.Tags)
	}
	if n := v.notesContaining("/evaluate/"); n != 1 {
		t.Errorf("%d notes with the evaluation link, want 1; notes: %q", n, v.Notes)
	}
	if n := v.notesContaining("Interview link: http"); n != 1 {
		t.Errorf("%d invite notes, want 1", n)
	}

	// The interview listing, by posting, through the provider API.
	c := provider.NewClient(env.App.URL(), env.VideoProviderAPIKey)
	var got []*provider.Order
	for o, err := range c.ListOrders(ctx, provider.ListOrdersParams{Connection: demo.ConnectionID, Posting: backend.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, o)
	}
	if len(got) != 1 {
		t.Fatalf("%d interviews on the posting, want 1", len(got))
	}
	o := got[0]
	if o.Status != provider.StatusCompleted || o.Candidate.Name != opp.Name || o.Package.ID != "engineering" || o.Posting.Title != "Backend Engineer" ||
		!strings.Contains(o.EvaluationURL, "/evaluate/") || o.CreatedAt.IsZero() {
		t.Errorf("listed interview = %+v; want completed, %s, the posting's engineering kit and an evaluation link", o, opp.Name)
	}
	if !strings.Contains(strings.Join(v.Notes, "\n"), o.EvaluationURL) {
		t.Errorf("the evaluation link %s is not in the notes %q", o.EvaluationURL, v.Notes)
	}
	// Another posting has none.
	for o, err := range c.ListOrders(ctx, provider.ListOrdersParams{Posting: postingByTitle(t, env.Lever, "Data Analyst").ID}) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("order %s listed for a posting without interviews", o.ID)
	}
}

// The provider sets the kit map through the API: unknown kits are refused
// naming the posting, other providers cannot touch it, and the map chooses
// the kit of the next order (the default for unmapped postings).
func TestVideoInterviewKitMapThroughTheAPI(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	c := provider.NewClient(env.App.URL(), env.VideoProviderAPIKey)
	integs, err := c.ListIntegrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(integs) != 1 || integs[0].ID != env.VideoIntegration.ID || integs[0].Settings.TriggerStage != demo.VideoStage ||
		integs[0].Settings.InvitedTag != "Demo Video Interview Invited" {
		t.Fatalf("integrations = %+v", integs)
	}
	design := postingByTitle(t, env.Lever, "Product Designer")
	data := postingByTitle(t, env.Lever, "Data Analyst")
	// Wait for the sample provider to have published its kits.
	eventually(t, 30*time.Second, "the published kits", func() bool {
		pkgs, err := c.ListPackages(ctx)
		return err == nil && len(pkgs) == 2
	})

	_, err = c.SetKitMap(ctx, env.VideoIntegration.ID, provider.KitMap{DefaultPackage: "general", PostingPackages: map[string]string{design.ID: "nope"}})
	var p *provider.Problem
	if !errors.As(err, &p) || p.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != "postingPackages."+design.ID {
		t.Fatalf("unknown kit: err = %v, want a 400 naming postingPackages.%s", err, design.ID)
	}
	other := provider.NewClient(env.App.URL(), env.ServiceProviderAPIKey)
	if _, err := other.SetKitMap(ctx, env.VideoIntegration.ID, provider.KitMap{}); problemStatus(err) != http.StatusNotFound {
		t.Fatalf("another provider's kit map: err = %v, want 404", err)
	}
	if _, err := other.SetKitMap(ctx, env.ServiceIntegration.ID, provider.KitMap{}); problemStatus(err) != http.StatusBadRequest {
		t.Fatalf("kit map of an interview service: err = %v, want 400", err)
	}
	m, err := c.SetKitMap(ctx, env.VideoIntegration.ID, provider.KitMap{DefaultPackage: "engineering", PostingPackages: map[string]string{design.ID: "general"}})
	if err != nil {
		t.Fatal(err)
	}
	if m.DefaultPackage != "engineering" || m.PostingPackages[design.ID] != "general" || len(m.PostingPackages) != 1 {
		t.Fatalf("kit map = %+v", m)
	}
	if got, err := c.GetKitMap(ctx, env.VideoIntegration.ID); err != nil || got.PostingPackages[design.ID] != "general" {
		t.Fatalf("GetKitMap = %+v, %v", got, err)
	}
	// The other settings stay.
	in, err := c.GetIntegration(ctx, env.VideoIntegration.ID)
	if err != nil || in.Settings.TriggerStage != demo.VideoStage {
		t.Fatalf("integration after the kit map = %+v, %v", in, err)
	}

	for _, tc := range []struct{ posting, kit string }{{design.ID, "general"}, {data.ID, "engineering"}} {
		opp := candidateOn(t, env.Lever, tc.posting, "New applicant")
		if err := env.MoveToStage(ctx, opp.ID, demo.VideoStage); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, "the order on "+tc.posting, func() bool {
			for o, err := range c.ListOrders(ctx, provider.ListOrdersParams{Posting: tc.posting}) {
				if err == nil && o.Candidate.Name == opp.Name {
					if o.Package.ID != tc.kit {
						t.Fatalf("posting %s got kit %s, want %s", tc.posting, o.Package.ID, tc.kit)
					}
					return true
				}
			}
			return false
		})
	}
}

// The interview service flow with the sample provider: the tagged posting
// is synced as a job; a candidate entering "JobTwine" gets a scheduling-link
// note addressed to the owner (who Lever notifies), then a note for the
// schedule, one saying what the reschedule changed, and the feedback note
// with the secure links. Nothing is written twice.
func TestInterviewServiceFlowEndToEnd(t *testing.T) {
	t.Parallel()
	env := startDemo(t, 300*time.Millisecond)
	ctx := context.Background()
	sre := postingByTitle(t, env.Lever, "Site Reliability Engineer")
	waitDemoJobs(t, env)
	opp := candidateOn(t, env.Lever, sre.ID, "New applicant")
	if err := env.MoveToStage(ctx, opp.ID, demo.ServiceStage); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			for _, d := range decisions(t, env, opp.ID) {
				t.Logf("decision %s %s: %s", d.IntegrationID, d.Decision, d.Reason)
			}
			t.Logf("view: %+v", view(t, env.Lever, opp.ID))
			_ = env.App.DB.InTx(ctx, func(tx *store.Tx) error {
				for _, st := range []string{"dead", "available", "running"} {
					jobs, _ := tx.JobList(ctx, store.JobFilter{Status: st})
					for _, j := range jobs {
						t.Logf("job %d %s %s attempt %d: %s %s", j.ID, j.Kind, j.Status, j.Attempt, j.LastError, j.Args)
					}
				}
				return nil
			})
		}
	}()
	owner, err := env.Lever.GetUser(ctx, opp.Owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 40*time.Second, "the scheduling link note", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("/schedule/") == 1
	})
	v := view(t, env.Lever, opp.ID)
	if n := v.notesContaining("@" + owner.Username + " "); n != 1 {
		t.Errorf("%d notes @-mentioning the owner %s, want 1; notes %q", n, owner.Username, v.Notes)
	}
	ns := notifications(t, env, opp.ID)
	if len(ns) != 1 || ns[0].UserID != owner.ID || !strings.Contains(ns[0].Value, "/schedule/") {
		t.Errorf("notifications = %+v, want the owner %s notified of the scheduling link", ns, owner.ID)
	}
	eventually(t, 30*time.Second, "the feedback note", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("interview feedback") == 1
	})
	v = view(t, env.Lever, opp.ID)
	for _, want := range []struct {
		what string
		n    int
	}{{"interview scheduled", 1}, {"Meeting link: http", 1}, {"interview rescheduled", 1}, {"(was ", 1},
		{"Feedback (secure link", 1}, {"Video (secure link", 1}, {"/schedule/", 1}} {
		if n := v.notesContaining(want.what); n != want.n {
			t.Errorf("%d notes with %q, want %d", n, want.what, want.n)
		}
	}
	if len(v.Notes) != 4 {
		t.Errorf("%d notes, want 4 (link, scheduled, rescheduled, feedback): %q", len(v.Notes), v.Notes)
	}
	c := provider.NewClient(env.App.URL(), env.ServiceProviderAPIKey)
	for o, err := range c.ListOrders(ctx, provider.ListOrdersParams{Posting: sre.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != provider.StatusCompleted || !strings.Contains(o.EvaluationURL, "/feedback/") || o.Posting.Title != sre.Text {
			t.Errorf("order = %+v, want completed with the feedback link and the job's title", o)
		}
	}
}

// leverCallsAnswered counts stagecoach's Lever calls that got an answer other
// than a 429, from its /metrics.
func leverCallsAnswered(t *testing.T, env *demo.Env) float64 {
	t.Helper()
	resp, err := http.Get(env.App.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	total := 0.0
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(line, "stagecoach_lever_calls_total{") || strings.Contains(line, `status="429"`) {
			continue
		}
		var v float64
		if _, err := fmt.Sscan(line[strings.LastIndex(line, " ")+1:], &v); err == nil {
			total += v
		}
	}
	return total
}

// waitDemoJobs waits for the demo's first posting sync: the sample
// interview service has the posting tagged "JobTwine" as its one job.
func waitDemoJobs(t *testing.T, env *demo.Env) {
	t.Helper()
	sre := postingByTitle(t, env.Lever, "Site Reliability Engineer")
	eventually(t, 20*time.Second, "the tagged posting at the provider as a job", func() bool {
		resp, err := http.Get(env.ServiceProvider.URL() + "/jobs")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var jobs struct{ Data []provider.Job }
		_ = json.NewDecoder(resp.Body).Decode(&jobs)
		return len(jobs.Data) == 1 && jobs.Data[0].ID == sre.ID && jobs.Data[0].Title == sre.Text && jobs.Data[0].Owner.Name != ""
	})
}

// sandboxPostingUpdate edits a posting through Lever's API (as a recruiter
// would in the app).
func sandboxPostingUpdate(t *testing.T, env *demo.Env, postingID string, body map[string]any) {
	t.Helper()
	admins, err := env.Lever.FindUserByEmail(context.Background(), "alex.morgan@example.com")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(body)
	if status, resp := sandboxAPI(t, env, http.MethodPost, "/v1/postings/"+postingID+"?perform_as="+admins.ID, b); status != http.StatusOK {
		t.Fatalf("update posting: %d: %s", status, resp)
	}
}

// A posting that gains the integration's tag is sent as a job; a sync with
// nothing changed sends nothing; an edit sends it again; losing the tag
// withdraws it, and so does closing a tagged posting.
func TestInterviewServiceJobSyncFollowsTheTag(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	waitDemoJobs(t, env)
	const tag = "Acme Interviews"
	tp := addTestProvider(t, env, "acme-interviews", "Acme Interviews", domain.KindInterviewService, nil, `{}`)
	eng := env.App.Engine
	data := postingByTitle(t, env.Lever, "Data Analyst")
	design := postingByTitle(t, env.Lever, "Product Designer")
	sync := func() map[string]int {
		t.Helper()
		stats, err := eng.SyncPostingsNow(ctx, demo.ConnectionID)
		if err != nil {
			t.Fatal(err)
		}
		total := map[string]int{}
		for id, st := range stats {
			if id == env.ServiceIntegration.ID {
				continue
			}
			total["listed"] += st.Listed
			total["synced"] += st.Synced
			total["removed"] += st.Removed
			total["unchanged"] += st.Unchanged
		}
		return total
	}
	if st := sync(); st["listed"] != 0 || st["synced"] != 0 {
		t.Fatalf("before tagging: %v", st)
	}
	if err := env.TagPosting(ctx, data.ID, []string{tag}, nil); err != nil {
		t.Fatal(err)
	}
	if st := sync(); st["synced"] != 1 {
		t.Fatalf("after tagging: %v, want one job synced", st)
	}
	eventually(t, 20*time.Second, "job.synced", func() bool { return len(tp.messages("job.synced")) == 1 })
	j, err := tp.messages("job.synced")[0].Job()
	if err != nil {
		t.Fatal(err)
	}
	if j.ID != data.ID || j.Title != "Data Analyst" || j.Team != "Analytics" || j.Location != "London" ||
		j.Owner.Name == "" || j.HiringManager.Name == "" || j.State != "published" || j.ConnectionID != demo.ConnectionID {
		t.Errorf("job = %+v", j)
	}
	calls := leverCallsAnswered(t, env)
	if st := sync(); st["synced"] != 0 || st["unchanged"] != 1 {
		t.Errorf("a second sync with nothing changed: %v, want 1 unchanged", st)
	}
	// One list call per interview service integration (the demo's and this
	// one), not counting attempts Lever's rate limit turned away.
	if n := leverCallsAnswered(t, env) - calls; n != 2 {
		t.Errorf("a sync with nothing changed made %v Lever calls, want 2", n)
	}
	sandboxPostingUpdate(t, env, data.ID, map[string]any{"text": "Senior Data Analyst"})
	if st := sync(); st["synced"] != 1 {
		t.Errorf("after a title change: %v, want one job synced", st)
	}
	eventually(t, 20*time.Second, "the second job.synced", func() bool { return len(tp.messages("job.synced")) == 2 })
	if j, _ := tp.messages("job.synced")[1].Job(); j.Title != "Senior Data Analyst" {
		t.Errorf("re-synced job title = %q", j.Title)
	}

	if err := env.TagPosting(ctx, data.ID, nil, []string{tag}); err != nil {
		t.Fatal(err)
	}
	if st := sync(); st["removed"] != 1 {
		t.Fatalf("after untagging: %v, want one job removed", st)
	}
	eventually(t, 20*time.Second, "job.removed", func() bool { return len(tp.messages("job.removed")) == 1 })
	rj, err := tp.messages("job.removed")[0].RemovedJob()
	if err != nil || rj.ID != data.ID || rj.Reason != provider.RemovedTagRemoved {
		t.Errorf("removed job = %+v, %v; want %s, tag_removed", rj, err, data.ID)
	}
	if st := sync(); st["removed"] != 0 {
		t.Errorf("removed twice: %v", st)
	}

	// Closing a tagged posting withdraws its job too.
	if err := env.TagPosting(ctx, design.ID, []string{tag}, nil); err != nil {
		t.Fatal(err)
	}
	sync()
	sandboxPostingUpdate(t, env, design.ID, map[string]any{"state": "closed"})
	if st := sync(); st["removed"] != 1 {
		t.Fatalf("after closing: %v, want one job removed", st)
	}
	eventually(t, 20*time.Second, "the second job.removed", func() bool { return len(tp.messages("job.removed")) == 2 })
	if rj, _ := tp.messages("job.removed")[1].RemovedJob(); rj.ID != design.ID || rj.Reason != provider.RemovedClosed {
		t.Errorf("removed job = %+v, want %s closed", rj, design.ID)
	}
}

// A provider drives an interview service order by hand: a candidate on an
// untagged posting is not ordered (with the reason); on a tagged one
// order.created carries the job; repeated and no-op reports are refused or
// write nothing; a reschedule adds one note saying what changed; feedback
// becomes a Lever feedback form when the integration asks for it.
func TestInterviewServiceReportsRescheduleAndFeedbackForm(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	const tag = "Acme Interviews"
	tp := addTestProvider(t, env, "acme-interviews", "Acme Interviews", domain.KindInterviewService, nil,
		`{"triggerStage":"Phone interview","feedbackForm":true,"feedbackTemplate":"Interview Feedback"}`)
	sre := postingByTitle(t, env.Lever, "Site Reliability Engineer")
	design := postingByTitle(t, env.Lever, "Product Designer")

	// Not tagged: no order, and the reason.
	untagged := candidateOn(t, env.Lever, design.ID, "New applicant")
	if err := env.MoveToStage(ctx, untagged.ID, "Phone interview"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the decision on the untagged posting", func() bool {
		for _, d := range decisions(t, env, untagged.ID) {
			if strings.Contains(d.Reason, `does not carry the tag "Acme Interviews"`) {
				return d.Decision == domain.DecisionIgnored
			}
		}
		return false
	})

	if err := env.TagPosting(ctx, sre.ID, []string{tag}, nil); err != nil {
		t.Fatal(err)
	}
	opp := candidateOn(t, env.Lever, sre.ID, "Recruiter screen")
	if err := env.MoveToStage(ctx, opp.ID, "Phone interview"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "order.created", func() bool { return len(tp.messages("order.created")) == 1 })
	m := tp.messages("order.created")[0]
	order := orderOf(t, m)
	job, err := m.OrderJob()
	if err != nil || job == nil || job.ID != sre.ID || job.Title != sre.Text || order.Posting.ID != sre.ID {
		t.Fatalf("order.created job = %+v, %v; order posting %+v", job, err, order.Posting)
	}
	eventually(t, 20*time.Second, "job.synced before the order", func() bool { return len(tp.messages("job.synced")) >= 1 })

	c := tp.Client
	report := func(ev provider.Event) error {
		t.Helper()
		_, err := c.ReportEvent(ctx, order.ID, ev)
		return err
	}
	// Validation names the field.
	err = report(provider.Event{Type: provider.EventInvited, CandidateURL: "https://acme.example/c"})
	var p *provider.Problem
	if !errors.As(err, &p) || p.Status != 400 || p.Errors[0].Field != "schedulingUrl" {
		t.Fatalf("invited without schedulingUrl: %v", err)
	}
	if err := report(provider.Event{Type: "bogus"}); problemStatus(err) != 400 || !strings.Contains(err.Error(), "rescheduled") {
		t.Fatalf("unknown type: %v", err)
	}
	if err := report(provider.Event{Type: provider.EventCompleted}); problemStatus(err) != 400 {
		t.Fatalf("completed is not an interview service event: %v", err)
	}
	link := "https://acme.example/schedule/1"
	for range 2 {
		if err := report(provider.Event{Type: provider.EventInvited, SchedulingURL: link}); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "the scheduling note", func() bool { return view(t, env.Lever, opp.ID).notesContaining(link) == 1 })

	at := time.Date(2031, 5, 6, 14, 0, 0, 0, time.UTC)
	if err := report(provider.Event{Type: provider.EventScheduled, StartsAt: &at}); problemStatus(err) != 400 {
		t.Fatalf("scheduled without meetingUrl: %v", err)
	}
	sched := provider.Event{Type: provider.EventScheduled, StartsAt: &at, Interviewer: "Sam Rivera", MeetingURL: "https://meet.example/a", Round: "System design"}
	if err := report(sched); err != nil {
		t.Fatal(err)
	}
	if err := report(sched); problemStatus(err) != 409 {
		t.Fatalf("scheduled twice: %v, want 409", err)
	}
	if err := report(provider.Event{Type: provider.EventRescheduled, StartsAt: &at}); problemStatus(err) != 409 {
		t.Fatalf("a reschedule that changes nothing: %v, want 409", err)
	}
	later := at.Add(26 * time.Hour)
	if err := report(provider.Event{Type: provider.EventRescheduled, StartsAt: &later, Interviewer: "Kim Lee"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the reschedule note", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("interview rescheduled") == 1
	})
	v := view(t, env.Lever, opp.ID)
	var resched string
	for _, n := range v.Notes {
		if strings.Contains(n, "rescheduled") {
			resched = n
		}
	}
	for _, want := range []string{"Wed 7 May 2031, 16:00 UTC (was Tue 6 May 2031, 14:00 UTC)", "Interviewer: Kim Lee (was Sam Rivera)", "System design"} {
		if !strings.Contains(resched, want) {
			t.Errorf("the reschedule note %q does not say %q", resched, want)
		}
	}
	if strings.Contains(resched, "Meeting link") {
		t.Errorf("the reschedule note names the meeting link, which did not change: %q", resched)
	}
	if n := v.notesContaining("interview scheduled"); n != 1 {
		t.Errorf("%d schedule notes, want 1", n)
	}

	fb := provider.Event{Type: provider.EventFeedback, Recommendation: "Hire", Summary: "Good design sense.",
		FeedbackURL: "https://acme.example/feedback/1", VideoURL: "https://acme.example/video/1"}
	if err := report(fb); err != nil {
		t.Fatal(err)
	}
	if err := report(fb); problemStatus(err) != 409 {
		t.Fatalf("feedback twice for one round: %v, want 409", err)
	}
	var forms []*lever.Feedback
	eventually(t, 20*time.Second, "the feedback form", func() bool {
		forms = nil
		for f, err := range env.Lever.ListFeedback(ctx, opp.ID) {
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, f)
		}
		return len(forms) == 1
	})
	values := map[string]any{}
	for _, f := range forms[0].Fields {
		values[f.Text] = f.Value
	}
	if values["Overall Rating"] != "3 - Hire" || !strings.Contains(values["Notes"].(string), "https://acme.example/feedback/1") ||
		!strings.Contains(values["Notes"].(string), "https://acme.example/video/1") {
		t.Errorf("feedback form %q fields = %v", forms[0].Text, values)
	}
	if n := view(t, env.Lever, opp.ID).notesContaining("interview feedback"); n != 0 {
		t.Errorf("%d feedback notes, want none when the integration writes feedback forms", n)
	}
	got, err := c.GetOrder(ctx, order.ID)
	if err != nil || got.Status != provider.StatusCompleted || got.EvaluationURL != fb.FeedbackURL {
		t.Errorf("order = %+v, %v; want completed with the feedback link", got, err)
	}
}

// Without anyone asking, the schedule polls the postings: a posting tagged
// in Lever reaches the provider as a job, and untagging withdraws it.
func TestInterviewServiceJobSyncOnSchedule(t *testing.T) {
	t.Parallel()
	env, _ := startDemoConfig(t, time.Hour, func(c *app.Config) { c.Engine.PostingSyncInterval = 200 * time.Millisecond })
	ctx := context.Background()
	tp := addTestProvider(t, env, "acme-interviews", "Acme Interviews", domain.KindInterviewService, nil, `{"jobSyncTag":"Acme Jobs"}`)
	data := postingByTitle(t, env.Lever, "Data Analyst")
	if err := env.TagPosting(ctx, data.ID, []string{"Acme Jobs"}, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "job.synced from the schedule", func() bool { return len(tp.messages("job.synced")) == 1 })
	if err := env.TagPosting(ctx, data.ID, nil, []string{"Acme Jobs"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "job.removed from the schedule", func() bool { return len(tp.messages("job.removed")) == 1 })
	time.Sleep(600 * time.Millisecond) // a few more polls
	if n, m := len(tp.messages("job.synced")), len(tp.messages("job.removed")); n != 1 || m != 1 {
		t.Errorf("%d job.synced and %d job.removed after more polls, want 1 each (only changes are sent)", n, m)
	}
}
