package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/pdf"
	"stagecoach/internal/sampleprovider"
	"stagecoach/provider"
)

// The sourcing provider of these tests, named as in seed 004.
const sourcer = "hackajob"

// sandboxPostingID returns the id of the sandbox posting with the title.
func sandboxPostingID(t *testing.T, c *lever.Client, title string) string {
	t.Helper()
	for p, err := range c.ListPostings(context.Background(), lever.ListPostingsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Text == title {
			return p.ID
		}
	}
	t.Fatalf("no posting %q in the sandbox", title)
	return ""
}

// sourcingSettings maps the provider's roles and stages to the demo's
// postings and stages, with the policy given.
func sourcingSettings(t *testing.T, env *demo.Env, policy, performAs string) string {
	t.Helper()
	s := map[string]any{
		"rolePostings": map[string]string{"role-backend": sandboxPostingID(t, env.Lever, "Backend Engineer")},
		"stageMap":     map[string]string{"Phone Interview - 1st Round": "Phone interview", "Onsite": "On-site", "Offer": "Offer"},
		"defaultStage": "New lead",
		"exportPolicy": policy,
		"performAs":    performAs,
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func addSourcer(t *testing.T, env *demo.Env, policy string) *testProvider {
	t.Helper()
	return addTestProvider(t, env, sourcer, sourcer, domain.KindSourcing, nil, sourcingSettings(t, env, policy, "rkhan@example.com"))
}

// cvPDF returns a CV whose content carries marker, base64-encoded.
func cvPDF(marker string) string {
	return base64.StdEncoding.EncodeToString(pdf.Report("Curriculum vitae", []string{marker, "Go, PostgreSQL, distributed systems"}))
}

// sourcedPerson is a made-up candidate at the provider.
type sourcedPerson struct {
	id, name, email, phone, profile, link, cvMarker string
}

func newSourcedPerson(key string) sourcedPerson {
	return sourcedPerson{
		id: "hj-" + key, name: "Zora " + strings.ToUpper(key[:1]) + key[1:] + " Quill", email: "zora." + key + "@candidates.example",
		phone: "+44 20 7946 " + fmt.Sprint(1000+len(key)*37), profile: "https://hackajob.example/profiles/" + key, link: "https://github.example/zq-" + key,
		cvMarker: "CVMARK-" + strings.ToUpper(key),
	}
}

func (p sourcedPerson) export(outcome, stage string) provider.ExportInput {
	return provider.ExportInput{
		ProviderCandidateID: p.id, Outcome: outcome, RoleID: "role-backend", Stage: stage,
		Candidate: provider.ExportCandidate{Name: p.name, Emails: []string{p.email}, Phones: []provider.Phone{{Type: "mobile", Value: p.phone}},
			Links: []string{p.link}, ProfileURL: p.profile, Headline: "Backend engineer", Location: "Leeds"},
		CV: &provider.CV{Filename: "cv.pdf", ContentBase64: cvPDF(p.cvMarker)},
	}
}

// exportMessages returns the export webhooks of a type the provider got.
func exportMessages(t *testing.T, tp *testProvider, typ string) []*provider.ExportMessage {
	t.Helper()
	var out []*provider.ExportMessage
	for _, m := range tp.messages(typ) {
		x, err := m.Export()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, x)
	}
	return out
}

// exportThatFails exports in, waits for the provider to be told the export
// failed, and returns the export as the provider then reads it.
func exportThatFails(t *testing.T, tp *testProvider, in provider.ExportInput) *provider.Export {
	t.Helper()
	ctx := context.Background()
	x, _, err := tp.Client.ExportCandidate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "export.failed", func() bool { return len(messagesFor(t, tp, provider.WebhookExportFailed, x.ID)) == 1 })
	got, err := tp.Client.GetExport(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func messagesFor(t *testing.T, tp *testProvider, typ, exportID string) []*provider.ExportMessage {
	t.Helper()
	var out []*provider.ExportMessage
	for _, m := range exportMessages(t, tp, typ) {
		if m.Export.ID == exportID {
			out = append(out, m)
		}
	}
	return out
}

// waitExported waits for the export's opportunity and returns the export.
func waitExported(t *testing.T, tp *testProvider, id string) *provider.Export {
	t.Helper()
	var x *provider.Export
	eventually(t, 30*time.Second, "the export's opportunity", func() bool {
		var err error
		x, err = tp.Client.GetExport(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if x.Status == provider.ExportFailed {
			t.Fatalf("export failed: %s", x.LastError)
		}
		return x.Status == provider.ExportExported && len(messagesFor(t, tp, provider.WebhookExportCreated, id)) == 1
	})
	return x
}

// opportunitiesOf lists the Lever opportunities with an e-mail.
func opportunitiesOf(t *testing.T, c *lever.Client, email string) []*lever.Opportunity {
	t.Helper()
	var out []*lever.Opportunity
	for o, err := range c.ListOpportunities(context.Background(), lever.ListOpportunitiesParams{Emails: []string{email}}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

// A successful export lands on the mapped posting and stage, sourced, with
// the provider as source and tag, the profile link and the CV, created as
// the acting recruiter. Exporting it again, and again concurrently, makes
// no second opportunity.
func TestSourcingExportEndToEnd(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	zora := newSourcedPerson("ada")
	in := zora.export(provider.OutcomeSuccessful, "Phone Interview - 1st Round")
	in.Recruiter = "mlopez@example.com"
	x, created, err := tp.Client.ExportCandidate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !created || x.Status != provider.ExportPending || x.Pseudonym != "" {
		t.Fatalf("export = %+v (created %v), want a new pending export", x, created)
	}
	x = waitExported(t, tp, x.ID)

	opp, err := env.Lever.GetOpportunity(ctx, x.Opportunity.ID, "stage", "applications", "owner")
	if err != nil {
		t.Fatal(err)
	}
	if opp.Name != zora.name || !contains(opp.Emails, zora.email) || len(opp.Phones) != 1 || opp.Phones[0].Value != zora.phone {
		t.Errorf("opportunity sourcedPerson = %q %v %v", opp.Name, opp.Emails, opp.Phones)
	}
	if opp.Origin != "sourced" || !contains(opp.Sources, sourcer) || !contains(opp.Tags, sourcer) {
		t.Errorf("origin %q, sources %v, tags %v: want sourced with %q as source and tag", opp.Origin, opp.Sources, opp.Tags, sourcer)
	}
	if !contains(opp.Links, zora.profile) || !contains(opp.Links, zora.link) {
		t.Errorf("links = %v, want the profile link and the candidate's link", opp.Links)
	}
	if opp.Stage.Text != "Phone interview" {
		t.Errorf("stage = %q, want the mapped stage Phone interview", opp.Stage.Text)
	}
	if opp.PostingID() != sandboxPostingID(t, env.Lever, "Backend Engineer") {
		t.Errorf("posting = %q, want Backend Engineer", opp.PostingID())
	}
	if opp.Owner.Email != "mlopez@example.com" {
		t.Errorf("owner = %q, want the acting recruiter mlopez@example.com (the opportunity is created as them)", opp.Owner.Email)
	}
	var resumes int
	for rs, err := range env.Lever.ListResumes(ctx, opp.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if rs.File == nil || rs.File.Name != "cv.pdf" {
			t.Errorf("resume = %+v, want the CV file", rs)
		}
		resumes++
	}
	if resumes != 1 {
		t.Errorf("%d resumes, want the CV as the one resume", resumes)
	}

	// Again, with a new headline: the same export, no second opportunity.
	in.Candidate.Headline = "Staff backend engineer"
	again, created, err := tp.Client.ExportCandidate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if created || again.ID != x.ID {
		t.Errorf("repeated export: created %v, id %s; want the same export %s", created, again.ID, x.ID)
	}

	// Six copies at once of a new candidate's export.
	ben := newSourcedPerson("ben")
	var wg sync.WaitGroup
	ids := make(chan string, 6)
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, _, err := tp.Client.ExportCandidate(ctx, ben.export(provider.OutcomeSuccessful, "Onsite"))
			if err != nil {
				t.Error(err)
				return
			}
			ids <- x.ID
		}()
	}
	wg.Wait()
	close(ids)
	var benID string
	for id := range ids {
		if benID != "" && id != benID {
			t.Errorf("concurrent exports of one candidate made exports %s and %s", benID, id)
		}
		benID = id
	}
	bx := waitExported(t, tp, benID)
	waitIdle(t, env) // let any stray job run
	if n := len(opportunitiesOf(t, env.Lever, ben.email)); n != 1 {
		t.Errorf("%d opportunities for a candidate exported six times at once, want 1", n)
	}
	if n := len(opportunitiesOf(t, env.Lever, zora.email)); n != 1 {
		t.Errorf("%d opportunities for a candidate exported twice, want 1", n)
	}
	if n := len(messagesFor(t, tp, provider.WebhookExportCreated, benID)); n != 1 {
		t.Errorf("%d export.created webhooks, want 1", n)
	}
	bopp, err := env.Lever.GetOpportunity(ctx, bx.Opportunity.ID, "stage", "owner")
	if err != nil {
		t.Fatal(err)
	}
	if bopp.Stage.Text != "On-site" || bopp.Owner.Email != "rkhan@example.com" {
		t.Errorf("stage %q owner %q: want On-site, created as the default perform-as user", bopp.Stage.Text, bopp.Owner.Email)
	}

	// An unmapped stage lands in the default funnel stage; an unmapped
	// role on no posting.
	cara := newSourcedPerson("cara")
	cin := cara.export(provider.OutcomeSuccessful, "Sourced")
	cin.RoleID = "role-unknown"
	cin.Recruiter = "nobody@elsewhere.example"
	cx, _, err := tp.Client.ExportCandidate(ctx, cin)
	if err != nil {
		t.Fatal(err)
	}
	cx = waitExported(t, tp, cx.ID)
	copp, err := env.Lever.GetOpportunity(ctx, cx.Opportunity.ID, "stage", "applications", "owner")
	if err != nil {
		t.Fatal(err)
	}
	if copp.Stage.Text != "New lead" || copp.PostingID() != "" || copp.Owner.Email != "rkhan@example.com" {
		t.Errorf("stage %q posting %q owner %q: want the default funnel stage, no posting, the default perform-as user", copp.Stage.Text, copp.PostingID(), copp.Owner.Email)
	}
}

var pseudonymRE = regexp.MustCompile(`^Candidate [0-9A-F]{4}-[0-9A-F]{4}$`)

// An unsuccessful candidate, with the policy "all", reaches Lever under a
// stable pseudonym with nothing that identifies them, and stagecoach's
// database never holds their data. With the default policy it is refused.
func TestSourcingPseudonymousExport(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "all")
	dan := newSourcedPerson("dan")
	x, _, err := tp.Client.ExportCandidate(ctx, dan.export(provider.OutcomeUnsuccessful, "Phone Interview - 1st Round"))
	if err != nil {
		t.Fatal(err)
	}
	if !pseudonymRE.MatchString(x.Pseudonym) {
		t.Fatalf("pseudonym = %q, want Candidate XXXX-XXXX", x.Pseudonym)
	}
	x = waitExported(t, tp, x.ID)
	opp, err := env.Lever.GetOpportunity(ctx, x.Opportunity.ID, "stage")
	if err != nil {
		t.Fatal(err)
	}
	if opp.Name != x.Pseudonym || len(opp.Emails) != 0 || len(opp.Phones) != 0 || len(opp.Links) != 0 || opp.Headline != "" || opp.Location != "" {
		t.Errorf("pseudonymous opportunity = name %q emails %v phones %v links %v headline %q location %q; want only the pseudonym",
			opp.Name, opp.Emails, opp.Phones, opp.Links, opp.Headline, opp.Location)
	}
	if opp.Stage.Text != "Phone interview" || !contains(opp.Tags, sourcer) {
		t.Errorf("stage %q tags %v", opp.Stage.Text, opp.Tags)
	}
	for f, err := range env.Lever.ListFiles(ctx, opp.ID) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("file %q on a pseudonymous opportunity", f.Name)
	}
	for r, err := range env.Lever.ListResumes(ctx, opp.ID) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("resume %s on a pseudonymous opportunity", r.ID)
	}
	// Stable: the same candidate again is the same pseudonym and opportunity.
	again, _, err := tp.Client.ExportCandidate(ctx, dan.export(provider.OutcomeUnsuccessful, "Phone Interview - 1st Round"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Pseudonym != x.Pseudonym || again.Opportunity == nil || again.Opportunity.ID != x.Opportunity.ID {
		t.Errorf("re-export = %+v, want pseudonym %q and opportunity %s", again, x.Pseudonym, x.Opportunity.ID)
	}
	assertNoPersonalData(t, env, dan)

	// Another provider with the default policy refuses unsuccessful ones.
	strict := addTestProvider(t, env, "strict-sourcer", "Strict Sourcer", domain.KindSourcing, nil, sourcingSettings(t, env, "", ""))
	_, _, err = strict.Client.ExportCandidate(ctx, newSourcedPerson("eve").export(provider.OutcomeUnsuccessful, ""))
	var pr *provider.Problem
	if !isProblem(err, &pr) || pr.Status != http.StatusBadRequest || !problemNamesField(pr, "outcome") {
		t.Fatalf("unsuccessful export under the default policy: %v, want 400 naming outcome", err)
	}
	n := 0
	for _, err := range strict.Client.ListExports(ctx, provider.ListExportsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 0 {
		t.Errorf("%d exports stored after a refused one", n)
	}
}

// A stage change at the provider moves the opportunity (and is not echoed
// back); a recruiter's move in Lever reaches the provider with its mapped
// stage.
func TestSourcingStageSyncBothWays(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	fay := newSourcedPerson("fay")
	x, _, err := tp.Client.ExportCandidate(ctx, fay.export(provider.OutcomeSuccessful, "Phone Interview - 1st Round"))
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, tp, x.ID)
	oppID := x.Opportunity.ID

	// Provider → Lever.
	if _, err := tp.Client.ReportExportStage(ctx, x.ID, "Onsite"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the move to On-site", func() bool { return view(t, env.Lever, oppID).Stage == "On-site" })
	eventually(t, 20*time.Second, "the echo to be recognised", func() bool {
		for _, d := range decisions(t, env, oppID) {
			if d.Decision == domain.DecisionIgnored && strings.Contains(d.Reason, "not echoed back") {
				return true
			}
		}
		return false
	})
	if n := len(messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)); n != 0 {
		t.Errorf("%d stage webhooks for the provider's own move, want none", n)
	}
	// The same stage again moves nothing more.
	if _, err := tp.Client.ReportExportStage(ctx, x.ID, "Onsite"); err != nil {
		t.Fatal(err)
	}

	// Lever → provider.
	if err := env.MoveToStage(ctx, oppID, "Offer"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the stage webhook", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)) == 1
	})
	m := messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)[0]
	if m.Change["stage"] != "Offer" || m.Change["leverStage"] != "Offer" || m.Export.Stage != "Offer" {
		t.Errorf("stage webhook change = %v, export stage %q; want provider stage Offer", m.Change, m.Export.Stage)
	}
	// The provider follows the recruiter: reporting the stage it was told
	// moves nothing and sends nothing.
	if _, err := tp.Client.ReportExportStage(ctx, x.ID, "Offer"); err != nil {
		t.Fatal(err)
	}
	// An unmapped Lever stage: the webhook says so with a null stage.
	if err := env.MoveToStage(ctx, oppID, "Recruiter screen"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the second stage webhook", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)) == 2
	})
	m = messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)[1]
	if m.Change["stage"] != nil || m.Change["leverStage"] != "Recruiter screen" || m.Export.Stage != "" {
		t.Errorf("unmapped stage webhook change = %v, export stage %q; want stage null", m.Change, m.Export.Stage)
	}
	// The provider moves it back: Lever follows, and the move is not echoed.
	if _, err := tp.Client.ReportExportStage(ctx, x.ID, "Offer"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the move back to Offer", func() bool { return view(t, env.Lever, oppID).Stage == "Offer" })
	time.Sleep(500 * time.Millisecond)
	if n := len(messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)); n != 2 {
		t.Errorf("%d stage webhooks, want 2 (the provider's own moves are not echoed)", n)
	}
	var moves int
	for _, sc := range exportedOpportunity(t, env, oppID).StageChanges {
		_ = sc
		moves++
	}
	if moves != 5 { // created, On-site, Offer, Recruiter screen, Offer
		t.Errorf("%d stage changes in Lever, want 5", moves)
	}
}

func exportedOpportunity(t *testing.T, env *demo.Env, id string) *lever.Opportunity {
	t.Helper()
	o, err := env.Lever.GetOpportunity(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// leverAPICall sends one Data API call to the sandbox with the test's own
// API key and decodes the answer; anything but a 2xx fails the test.
func leverAPICall(t *testing.T, env *demo.Env, method, path string, body any) map[string]any {
	t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	status, resp := sandboxAPI(t, env, method, path, b)
	if status >= 300 {
		t.Fatalf("%s %s: %d: %s", method, path, status, resp)
	}
	var out map[string]any
	_ = json.Unmarshal(resp, &out)
	return out
}

// Interviews scheduled, changed and removed in Lever, an archive, a hire
// and a deletion all reach the provider for an exported candidate, and for
// no other; the deletion purges the candidate's personal data.
func TestSourcingLeverEventsReachProviderAndDeletePurges(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	gus := newSourcedPerson("gus")
	x, _, err := tp.Client.ExportCandidate(ctx, gus.export(provider.OutcomeSuccessful, "Phone Interview - 1st Round"))
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, tp, x.ID)
	oppID := x.Opportunity.ID
	tom, err := env.Lever.FindUserByEmail(ctx, "tom.becker@example.com")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).UnixMilli()
	panel := leverAPICall(t, env, "POST", "/v1/opportunities/"+oppID+"/panels?perform_as="+tom.ID, map[string]any{
		"timezone": "Europe/London",
		"interviews": []map[string]any{{"subject": "Phone interview – " + gus.name, "note": "Call " + gus.phone, "interviewers": []map[string]any{{"id": tom.ID}},
			"date": start, "duration": 45, "location": "https://meet.example/abc"}},
	})
	ivID := panel["data"].(map[string]any)["interviews"].([]any)[0].(map[string]any)["id"].(string)
	eventually(t, 20*time.Second, "interviewCreated", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportInterviewNew, x.ID)) == 1
	})
	iv := messagesFor(t, tp, provider.WebhookExportInterviewNew, x.ID)[0].Change
	details, _ := iv["interview"].(map[string]any)
	if iv["interviewId"] != ivID || details == nil || details["durationMinutes"] != float64(45) || details["location"] != "https://meet.example/abc" {
		t.Errorf("interviewCreated change = %v", iv)
	}
	leverAPICall(t, env, "PUT", "/v1/opportunities/"+oppID+"/interviews/"+ivID+"?perform_as="+tom.ID, map[string]any{
		"subject": "Phone interview", "interviewers": []map[string]any{{"id": tom.ID}}, "date": start + 3600_000, "duration": 60,
	})
	eventually(t, 20*time.Second, "interviewUpdated", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportInterviewEdit, x.ID)) == 1
	})
	leverAPICall(t, env, "DELETE", "/v1/opportunities/"+oppID+"/interviews/"+ivID+"?perform_as="+tom.ID, nil)
	eventually(t, 20*time.Second, "interviewDeleted", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportInterviewGone, x.ID)) == 1
	})

	// Archived as rejected, back, then hired.
	if err := env.Archive(ctx, oppID, "Underqualified"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "candidateArchiveChange", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)) == 1
	})
	if c := messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)[0].Change; c["archived"] != true || c["reason"] != "Underqualified" {
		t.Errorf("archive change = %v", c)
	}
	if err := env.Archive(ctx, oppID, "Hired"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "candidateHired", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportHired, x.ID)) == 1 && len(messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)) == 2
	})

	// Events about opportunities no export made are not passed on.
	other := findCandidate(t, env.Lever, "New applicant", "")
	if err := env.MoveToStage(ctx, other.ID, "Phone interview"); err != nil {
		t.Fatal(err)
	}

	// The exported candidate takes an assessment too: the order holds
	// their name and e-mail, and so does the order.created webhook.
	if err := env.Lever.AddTags(ctx, oppID, []string{"Demo: Go Coding"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := postJSON(env.SandboxURL+"/_sandbox/opportunities/"+oppID+"/archive", map[string]any{"reason": nil}); err != nil {
		t.Fatal(err)
	}
	if err := env.MoveToStage(ctx, oppID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the assessment order", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = 'provider_webhook' AND status = 'done' AND args LIKE '%order.created%'`).Scan(&n)
		return n == 1
	})

	// Before the deletion the database does hold the candidate (so the
	// check after it can fail).
	if text := databaseText(t, env); !strings.Contains(text, gus.email) || !strings.Contains(text, gus.name) {
		t.Fatal("the candidate's e-mail and name are not in the database before the deletion: the purge check would prove nothing")
	}
	if err := env.Delete(ctx, oppID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "candidateDeleted", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportDeleted, x.ID)) == 1
	})
	got, err := tp.Client.GetExport(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != provider.ExportDeleted || got.DeletedAt == nil {
		t.Errorf("export after deletion = %+v, want deleted", got)
	}
	// Let the deleted webhook's delivery finish, then look everywhere.
	waitIdle(t, env)
	assertNoPersonalData(t, env, gus)
	for _, m := range tp.messages(provider.WebhookExportStageChange) {
		if x, _ := m.Export(); x != nil && x.Export.Opportunity != nil && x.Export.Opportunity.ID == other.ID {
			t.Errorf("a stage change of an opportunity no export made reached the provider")
		}
	}
	// Exporting the deleted candidate again is refused.
	_, _, err = tp.Client.ExportCandidate(ctx, gus.export(provider.OutcomeSuccessful, ""))
	var pr *provider.Problem
	if !isProblem(err, &pr) || pr.Status != http.StatusConflict {
		t.Errorf("re-export after deletion: %v, want 409", err)
	}
}

// After a create call whose outcome Lever left unknown (the write landed,
// the answer was lost), the journal finds the opportunity instead of
// making a second one.
func TestSourcingUncertainCreateMakesOneOpportunity(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t, shortLeverTimeout)
	ctx := context.Background()
	tp := addSourcer(t, env, "all")
	if err := env.SetFaults(ctx, map[string]any{"timeoutAfterWriteRate": 1}); err != nil {
		t.Fatal(err)
	}
	hal, ivy := newSourcedPerson("hal"), newSourcedPerson("ivy")
	hx, _, err := tp.Client.ExportCandidate(ctx, hal.export(provider.OutcomeSuccessful, "Offer"))
	if err != nil {
		t.Fatal(err)
	}
	ix, _, err := tp.Client.ExportCandidate(ctx, ivy.export(provider.OutcomeUnsuccessful, "Offer"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "both create calls to be uncertain", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM effects WHERE kind = 'create_opportunity' AND status = 'sending' AND last_error <> ''`).Scan(&n)
		return n == 2
	})
	if err := env.SetFaults(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	hx, ix = waitExported(t, tp, hx.ID), waitExported(t, tp, ix.ID)
	if n := len(opportunitiesOf(t, env.Lever, hal.email)); n != 1 {
		t.Errorf("%d opportunities after an uncertain create, want 1", n)
	}
	n := 0
	for o, err := range env.Lever.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{sourcer}}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.Name == ix.Pseudonym {
			n++
			if o.ID != ix.Opportunity.ID {
				t.Errorf("pseudonymous export linked to %s, but Lever has %s", ix.Opportunity.ID, o.ID)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d opportunities named %q after an uncertain create, want 1", n, ix.Pseudonym)
	}
}

// The perform-as user is checked against Lever when the integration is set
// up, and again when an export is made.
func TestSourcingPerformAsChecked(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	adm := env.App.Admin
	for i, tc := range []struct{ performAs, want string }{
		{"nobody@example.com", "no such user"},
		{"dana.ortiz@example.com", "deactivated"},
	} {
		p, _, err := adm.CreateProvider(ctx, engineProviderInput(fmt.Sprintf("perform-as-%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = adm.CreateIntegration(ctx, demo.ConnectionID, p.ID, json.RawMessage(sourcingSettings(t, env, "", tc.performAs)))
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "performAs") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("performAs %q: %v, want an invalid error naming performAs (%s)", tc.performAs, err, tc.want)
		}
	}
	p, _, err := adm.CreateProvider(ctx, engineProviderInput("bad-stage"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = adm.CreateIntegration(ctx, demo.ConnectionID, p.ID, json.RawMessage(`{"stageMap":{"Onsite":"Nowhere"}}`))
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "stageMap") {
		t.Errorf("unknown Lever stage: %v, want an invalid error naming stageMap", err)
	}

	// Valid when set up, deactivated since: the export fails and says why.
	tp := addTestProvider(t, env, sourcer, sourcer, domain.KindSourcing, nil, sourcingSettings(t, env, "", "priya.shah@example.com"))
	priya, err := env.Lever.FindUserByEmail(ctx, "priya.shah@example.com")
	if err != nil {
		t.Fatal(err)
	}
	leverAPICall(t, env, "POST", "/v1/users/"+priya.ID+"/deactivate", nil)
	got := exportThatFails(t, tp, newSourcedPerson("jo").export(provider.OutcomeSuccessful, "Offer"))
	if got.Status != provider.ExportFailed || !strings.Contains(got.LastError, "priya.shah@example.com") || !strings.Contains(got.LastError, "deactivated") {
		t.Errorf("export = %s: %q, want failed naming the deactivated perform-as user", got.Status, got.LastError)
	}
}

// The demo's sample marketplace exports each candidate once they are
// invited to interview and the interview is scheduled; the unsuccessful one
// goes under a pseudonym; its move to Onsite reaches Lever, and a
// recruiter's move in Lever reaches it.
func TestDemoSourcingProviderExportsByItsRule(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t, func(c *demo.Config) { c.SourcingDelay = 100 * time.Millisecond })
	ctx := context.Background()
	cands := sampleprovider.DefaultSourcingCandidates()
	eventually(t, 30*time.Second, "the marketplace's three exports", func() bool {
		st := env.Sourcer.Stats()
		n := 0
		for _, c := range st.Candidates {
			if c.Opportunity != "" {
				if !c.Invited || !c.Scheduled {
					t.Fatalf("candidate %s exported before the invite and the schedule: %+v", c.ID, c)
				}
				n++
			}
		}
		return n == len(cands)
	})
	st := env.Sourcer.Stats()
	opps := map[string]string{}
	for _, c := range st.Candidates {
		opps[c.ID] = c.Opportunity
	}
	noor, err := env.Lever.GetOpportunity(ctx, opps[cands[0].ID], "stage", "owner", "applications")
	if err != nil {
		t.Fatal(err)
	}
	if noor.Name != cands[0].Name || noor.Owner.Email != "mlopez@example.com" || noor.PostingID() != sandboxPostingID(t, env.Lever, "Backend Engineer") {
		t.Errorf("first candidate = %q owner %q posting %q", noor.Name, noor.Owner.Email, noor.PostingID())
	}
	eventually(t, 20*time.Second, "the provider's move to Onsite in Lever", func() bool {
		return view(t, env.Lever, noor.ID).Stage == "On-site"
	})
	lena, err := env.Lever.GetOpportunity(ctx, opps[cands[2].ID])
	if err != nil {
		t.Fatal(err)
	}
	if !pseudonymRE.MatchString(lena.Name) || len(lena.Emails) != 0 {
		t.Errorf("unsuccessful candidate in Lever = %q %v, want a pseudonym only", lena.Name, lena.Emails)
	}
	tomasz := opps[cands[1].ID]
	if err := env.MoveToStage(ctx, tomasz, "Recruiter screen"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the marketplace to follow the recruiter", func() bool {
		for _, c := range env.Sourcer.Stats().Candidates {
			if c.ID == cands[1].ID {
				return c.Stage == "Screening"
			}
		}
		return false
	})
}
