package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/provider"
)

// A recruiter moves a tagged candidate into "Assessment": the sample
// provider invites, runs and completes the assessment, and Lever shows each
// step.
func TestAssessmentFlowEndToEnd(t *testing.T) {
	t.Parallel()
	env := startDemo(t, 400*time.Millisecond)
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}

	// Invited: a note with the candidate link and the invited tag.
	eventually(t, time.Minute, "the invite note and tag", func() bool {
		v := view(t, env.Lever, opp.ID)
		return v.hasTag("Demo Assessments Assessment Invited") && v.notesContaining("Candidate link: http") == 1
	})

	// Completed: form, PDF, summary note, tags, stage.
	eventually(t, time.Minute, "the move to Assessment Complete", func() bool {
		return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
	})
	v := view(t, env.Lever, opp.ID)
	if v.hasTag("Demo Assessments Assessment Invited") || !v.hasTag("Demo Assessments Assessment Completed") {
		t.Errorf("tags = %v, want the completed tag and not the invited one", v.Tags)
	}
	if n := v.notesContaining("assessment completed"); n != 1 {
		t.Errorf("%d summary notes, want 1; notes: %q", n, v.Notes)
	}
	if n := v.notesContaining("Candidate link"); n != 1 {
		t.Errorf("%d invite notes, want 1", n)
	}
	if len(v.Forms) != 1 {
		t.Fatalf("%d profile forms, want 1", len(v.Forms))
	}
	form := v.Forms[0]
	if form.Text != "Demo Assessments Assessment" {
		t.Errorf("form title = %q", form.Text)
	}
	fields := map[string]any{}
	for _, f := range form.Fields {
		fields[f.Text] = f.Value
	}
	if fields["Assessment"] != "Go Coding" || fields["Max score"] != "100" || fields["Score"] == nil {
		t.Errorf("form fields = %v", fields)
	}
	if len(v.Files) != 1 || !strings.HasSuffix(v.Files[0].Name, ".pdf") {
		t.Fatalf("files = %+v, want one PDF", v.Files)
	}
	pdf, err := env.Lever.DownloadFile(ctx, opp.ID, v.Files[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("the report file is not a PDF: %q", pdf[:min(len(pdf), 16)])
	}

	// The order names the opportunity's posting with its title in Lever.
	c := provider.NewClient(env.App.URL(), env.ProviderAPIKey)
	var order *provider.Order
	for o, err := range c.ListOrders(ctx, provider.ListOrdersParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.Opportunity.ID == opp.ID {
			order = o
		}
	}
	if order == nil || order.Posting.ID == "" {
		t.Fatalf("order of %s = %+v, want one on a posting", opp.ID, order)
	}
	posting, err := env.Lever.GetPosting(ctx, order.Posting.ID)
	if err != nil {
		t.Fatal(err)
	}
	if order.Posting.Title == "" || order.Posting.Title != posting.Text {
		t.Errorf("order's posting title = %q, want %q", order.Posting.Title, posting.Text)
	}
}

// An untagged candidate entering the trigger stage orders nothing, and the
// reason is recorded.
func TestAssessmentUntaggedCandidateIsIgnoredWithReason(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "a routing decision", func() bool {
		for _, d := range decisions(t, env, opp.ID) {
			if d.IntegrationID == env.Integration.ID {
				return true
			}
		}
		return false
	})
	for _, d := range decisions(t, env, opp.ID) {
		if d.IntegrationID != env.Integration.ID {
			continue // the other flows' integrations wait for their own stages
		}
		if d.Decision != domain.DecisionIgnored || !strings.Contains(d.Reason, "no tag on the opportunity names a package") {
			t.Errorf("decision = %s: %s; want ignored for want of a tag", d.Decision, d.Reason)
		}
	}
	orders := 0
	for _, err := range env.Lever.ListNotes(ctx, opp.ID) {
		if err != nil {
			t.Fatal(err)
		}
		orders++
	}
	if orders != 0 {
		t.Errorf("%d notes on an untagged candidate, want 0", orders)
	}
}

// Re-entering the trigger stage: invited but not started → one re-invite and
// no new order; started → ignored. Archiving cancels the order and tells the
// provider.
func TestAssessmentReentryRulesAndCancel(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	tp := addTestProvider(t, env, "acme-assess", "Acme", domain.KindAssessment,
		[]provider.Package{{ID: "java", Name: "Java", Kind: "assessment", LeverTag: "Acme: Java"}}, `{}`)
	opp := findCandidate(t, env.Lever, "New applicant", "")
	if err := env.Lever.AddTags(ctx, opp.ID, []string{"Acme: Java"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "order.created", func() bool { return len(tp.messages("order.created")) == 1 })
	order := orderOf(t, tp.messages("order.created")[0])
	if order.Candidate.Name != opp.Name || order.Candidate.Email == "" || order.Package.ID != "java" {
		t.Errorf("order.created = %+v", order)
	}
	if _, err := tp.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "invited", CandidateURL: "https://acme.example/take/1"}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the invite note", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("https://acme.example/take/1") == 1
	})

	// Out and back in while invited: a re-invite, no new order.
	reenter := func() {
		t.Helper()
		if err := env.MoveToStage(ctx, opp.ID, "Phone interview"); err != nil {
			t.Fatal(err)
		}
		if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
			t.Fatal(err)
		}
	}
	reenter()
	eventually(t, 20*time.Second, "order.reinvite", func() bool { return len(tp.messages("order.reinvite")) == 1 })
	if got := orderOf(t, tp.messages("order.reinvite")[0]).ID; got != order.ID {
		t.Errorf("re-invite for order %s, want %s", got, order.ID)
	}

	// Started: re-entering is ignored.
	if _, err := tp.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "started"}); err != nil {
		t.Fatal(err)
	}
	before := len(decisions(t, env, opp.ID))
	reenter()
	eventually(t, 20*time.Second, "the decision for the second re-entry", func() bool {
		for _, d := range decisions(t, env, opp.ID) {
			if strings.Contains(d.Reason, "is started: re-entering the stage orders nothing") {
				return true
			}
		}
		return false
	})
	if len(decisions(t, env, opp.ID)) <= before {
		t.Fatal("no decision recorded for the re-entry")
	}
	if n := len(tp.messages("order.created")); n != 1 {
		t.Errorf("%d orders created, want 1", n)
	}
	if n := len(tp.messages("order.reinvite")); n != 1 {
		t.Errorf("%d re-invites, want 1 (none once started)", n)
	}

	// Archived: the order is cancelled and the provider told.
	var got *provider.Order
	reasons, err := env.Lever.ListArchiveReasons(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reason := ""
	for _, r := range reasons {
		if r.Type == "non-hired" {
			reason = r.ID
			break
		}
	}
	if err := env.Archive(ctx, opp.ID, reason); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "order.cancelled", func() bool { return len(tp.messages("order.cancelled")) == 1 })
	got, err = tp.Client.GetOrder(ctx, order.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "cancelled" {
		t.Errorf("order status = %s, want cancelled", got.Status)
	}
}
