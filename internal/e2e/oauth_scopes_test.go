package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/leverscope"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// scopedEnv is a demo installation whose Lever connection a Super Admin
// authorized by OAuth with exactly the scopes given, nothing more.
type scopedEnv struct {
	*demo.Env
	client string // the OAuth app, as the sandbox's request log names it
	reqs   *requestLog
}

// startScopedDemo runs a bare demo (its sample providers answer after
// delay) and connects it by OAuth with scopes; the webhooks the kinds need
// are registered through that connection.
func startScopedDemo(t *testing.T, delay time.Duration, scopes []string, kinds ...string) *scopedEnv {
	t.Helper()
	reqs := &requestLog{}
	env := startDemoWith(t, delay, func(c *demo.Config) {
		c.Bare = true
		prev := c.Sandbox
		c.Sandbox = func(s *leversandbox.Config) { prev(s); s.Logger = slog.New(reqs) }
	})
	ctx := context.Background()
	const clientID, secret, redirect = "scoped-app", "scoped-app-secret", "https://stagecoach.example/connections/oauth/callback"
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/oauth/clients", map[string]any{
		"clientId": clientID, "clientSecret": secret, "redirectUris": []string{redirect},
	}, nil)
	cfg := lever.OAuthConfig{Environment: lever.Custom(env.SandboxURL), ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: scopes}
	au, err := url.Parse(cfg.AuthCodeURL("st-1"))
	if err != nil {
		t.Fatal(err)
	}
	consent := au.Query()
	consent.Set("decision", "accept")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(env.SandboxURL+"/oauth/authorize", consent)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Query().Get("code") == "" {
		t.Fatalf("consent answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	eng, adm := env.App.Engine, env.App.Admin
	conn, err := adm.ConnectOAuth(ctx, admin.ConnectionInput{ID: demo.ConnectionID, Name: "Scoped Lever", Environment: "custom", BaseURL: env.SandboxURL}, clientID, secret, tok)
	if err != nil {
		t.Fatal(err)
	}
	if got := conn.Credentials.Scopes; !slices.Equal(sorted(got), sorted(scopes)) {
		t.Fatalf("granted scopes %v, want exactly %v", got, scopes)
	}
	if _, err := adm.RegisterWebhooks(ctx, demo.ConnectionID, env.App.URL(), eng.WebhookEvents(kinds...)); err != nil {
		t.Fatal(err)
	}
	return &scopedEnv{Env: env, client: "oauth:" + clientID, reqs: reqs}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// assertCallsWithin fails when stagecoach called Lever on an endpoint its
// kind does not list (and so whose scope it may not ask for), or was
// refused anything.
func (se *scopedEnv) assertCallsWithin(t *testing.T, kind string) {
	t.Helper()
	allowed := map[string]bool{}
	for _, ep := range engine.LeverEndpoints(kind) {
		allowed[leverscope.Shape(ep)] = true
	}
	calls := se.reqs.requests(func(r loggedRequest) bool { return r.Credential == se.client && strings.HasPrefix(r.Path, "/v1/") })
	if len(calls) == 0 {
		t.Fatal("the request log has no call made with the connection's token")
	}
	for _, r := range calls {
		if r.Route == "" {
			t.Errorf("%s %s matched no Data API route", r.Method, r.Path)
			continue
		}
		if !allowed[leverscope.Shape(r.Route)] {
			t.Errorf("the %s flow called %s, which engine.LeverEndpoints(%q) does not list", kind, r.Route, kind)
		}
		if r.Status == http.StatusForbidden {
			t.Errorf("Lever refused %s %s (403) with the %s flow's scopes", r.Method, r.Path, kind)
		}
	}
}

// assertCheckHappy runs the setup check and fails on any finding about
// scopes, refused reads or confidential data.
func (se *scopedEnv) assertCheckHappy(t *testing.T, integrationID string) {
	t.Helper()
	fs, err := se.App.Admin.CheckIntegration(context.Background(), integrationID, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if strings.Contains(f.Message, "scope") || strings.Contains(f.Message, "does not let this connection") || strings.Contains(f.Message, "onfidential") {
			t.Errorf("setup check: %s: %s", f.Severity, f.Message)
		}
	}
}

// The assessment flow runs to completion on a connection authorized with
// exactly the assessment scopes: package tags on a posting, the invite, the
// form (and its template), the PDF, the note, the tags and the stage.
func TestOAuthScopesAssessmentFlow(t *testing.T) {
	t.Parallel()
	kind := domain.KindAssessment
	se := startScopedDemo(t, 100*time.Millisecond, engine.LeverScopes(kind), kind)
	ctx := context.Background()
	backend := postingByTitle(t, se.Lever, "Backend Engineer")
	in, err := se.App.Admin.CreateIntegration(ctx, demo.ConnectionID, demo.ProviderID,
		[]byte(fmt.Sprintf(`{"triggerStage":"Assessment","completionStage":"Assessment Complete","taggedPostings":[%q]}`, backend.ID)))
	if err != nil {
		t.Fatal(err)
	}
	opp := findCandidate(t, se.Lever, "New applicant", "Demo: Go Coding")
	if err := se.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the move to Assessment Complete", func() bool { return view(t, se.Lever, opp.ID).Stage == "Assessment Complete" })
	v := view(t, se.Lever, opp.ID)
	if len(v.Forms) != 1 || len(v.Files) != 1 || v.notesContaining("assessment completed") != 1 || !v.hasTag("Demo Assessments Assessment Completed") {
		t.Errorf("recruiter sees forms %d, files %d, notes %q, tags %v", len(v.Forms), len(v.Files), v.Notes, v.Tags)
	}
	eventually(t, 20*time.Second, "the package tags on the posting", func() bool {
		p, err := se.Lever.GetPosting(ctx, backend.ID)
		return err == nil && slices.Contains(p.Tags, "Demo: Go Coding")
	})
	se.assertCheckHappy(t, in.ID)
	se.assertCallsWithin(t, kind)
}

// The video interview flow on exactly its scopes: the interview link note
// and tag, then the evaluation link and the completed tag.
func TestOAuthScopesVideoInterviewFlow(t *testing.T) {
	t.Parallel()
	kind := domain.KindVideoInterview
	se := startScopedDemo(t, 100*time.Millisecond, engine.LeverScopes(kind), kind)
	ctx := context.Background()
	backend := postingByTitle(t, se.Lever, "Backend Engineer")
	in, err := se.App.Admin.CreateIntegration(ctx, demo.ConnectionID, demo.VideoProviderID,
		[]byte(fmt.Sprintf(`{"triggerStage":%q,"defaultPackage":"general","postingPackages":{%q:"engineering"}}`, demo.VideoStage, backend.ID)))
	if err != nil {
		t.Fatal(err)
	}
	opp := candidateOn(t, se.Lever, backend.ID, "New applicant")
	if err := se.MoveToStage(ctx, opp.ID, demo.VideoStage); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the completed tag", func() bool { return view(t, se.Lever, opp.ID).hasTag("Demo Video Interview Completed") })
	v := view(t, se.Lever, opp.ID)
	if v.notesContaining("Interview link: http") != 1 || v.notesContaining("/evaluate/") != 1 {
		t.Errorf("notes = %q, want the interview link and the evaluation link once each", v.Notes)
	}
	se.assertCheckHappy(t, in.ID)
	se.assertCallsWithin(t, kind)
}

// The interview service on exactly its scopes writes Lever feedback forms:
// the feedback template it creates needs feedback_templates:write:admin,
// which it used not to ask for.
func TestOAuthScopesInterviewServiceFlow(t *testing.T) {
	t.Parallel()
	kind := domain.KindInterviewService
	scopes := engine.LeverScopes(kind)
	if !slices.Contains(scopes, "feedback_templates:write:admin") {
		t.Fatalf("the interview service's scopes %v lack feedback_templates:write:admin", scopes)
	}
	se := startScopedDemo(t, 100*time.Millisecond, scopes, kind)
	ctx := context.Background()
	in, err := se.App.Admin.CreateIntegration(ctx, demo.ConnectionID, demo.ServiceProviderID,
		[]byte(fmt.Sprintf(`{"triggerStage":%q,"jobSyncTag":%q,"feedbackForm":true,"feedbackTemplate":"JobTwine Interview Feedback"}`, demo.ServiceStage, demo.JobSyncTag)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := se.App.Engine.SyncPostings(ctx, demo.ConnectionID); err != nil {
		t.Fatal(err)
	}
	sre := postingByTitle(t, se.Lever, "Site Reliability Engineer")
	opp := candidateOn(t, se.Lever, sre.ID, "New applicant")
	if err := se.MoveToStage(ctx, opp.ID, demo.ServiceStage); err != nil {
		t.Fatal(err)
	}
	var forms []*lever.Feedback
	eventually(t, time.Minute, "the feedback form", func() bool {
		forms = nil
		for f, err := range se.Lever.ListFeedback(ctx, opp.ID) {
			if err != nil {
				t.Fatal(err)
			}
			forms = append(forms, f)
		}
		return len(forms) >= 1
	})
	if forms[0].Text != "JobTwine Interview Feedback" {
		t.Errorf("feedback form %q, want one on the template stagecoach created, JobTwine Interview Feedback", forms[0].Text)
	}
	if len(se.reqs.requests(func(r loggedRequest) bool {
		return r.Credential == se.client && r.Route == "POST /v1/feedback_templates" && r.Status == http.StatusCreated
	})) != 1 {
		t.Error("stagecoach did not create the feedback template once")
	}
	if v := view(t, se.Lever, opp.ID); v.notesContaining("interview scheduled") != 1 {
		t.Errorf("notes = %q, want the schedule note", v.Notes)
	}
	se.assertCheckHappy(t, in.ID)
	se.assertCallsWithin(t, kind)
}

// The sourcing flow on exactly its scopes: the export (the opportunity on
// the mapped posting and stage, with the CV), the stage sync both ways, and
// Lever's interview, archive and hire events passed on to the provider, each
// read back from Lever first (the interview, the archive reasons) with the
// grant's interviews:read and archive_reasons:read.
func TestOAuthScopesSourcingFlow(t *testing.T) {
	t.Parallel()
	kind := domain.KindSourcing
	se := startScopedDemo(t, time.Hour, engine.LeverScopes(kind), kind)
	ctx := context.Background()
	tp := addTestProvider(t, se.Env, sourcer, sourcer, domain.KindSourcing, nil, sourcingSettings(t, se.Env, "successful", "rkhan@example.com"))
	zora := newSourcedPerson("scoped")
	x, _, err := tp.Client.ExportCandidate(ctx, zora.export(provider.OutcomeSuccessful, "Phone Interview - 1st Round"))
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, tp, x.ID)
	opp, err := se.Lever.GetOpportunity(ctx, x.Opportunity.ID, "stage")
	if err != nil {
		t.Fatal(err)
	}
	if opp.Name != zora.name || opp.Stage.Text != "Phone interview" || !contains(opp.Tags, sourcer) {
		t.Errorf("opportunity %q in %q with tags %v", opp.Name, opp.Stage.Text, opp.Tags)
	}
	var files int
	for _, err := range se.Lever.ListResumes(ctx, opp.ID) {
		if err != nil {
			t.Fatal(err)
		}
		files++
	}
	if files != 1 {
		t.Errorf("%d resumes, want the CV", files)
	}
	defer func() {
		if t.Failed() {
			for _, r := range se.reqs.requests(func(r loggedRequest) bool { return r.Credential == se.client }) {
				t.Logf("%s %s %d (%s)", r.Method, r.Path, r.Status, r.Route)
			}
		}
	}()

	// Provider → Lever: the recruiter sees the move.
	if _, err := tp.Client.ReportExportStage(ctx, x.ID, "Onsite"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the move to On-site", func() bool { return view(t, se.Lever, opp.ID).Stage == "On-site" })
	// Lever → provider: a recruiter's move, with the provider's stage.
	if err := se.MoveToStage(ctx, opp.ID, "Offer"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "export.candidateStageChange", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)) == 1
	})
	if m := messagesFor(t, tp, provider.WebhookExportStageChange, x.ID)[0]; m.Change["stage"] != "Offer" || m.Change["leverStage"] != "Offer" {
		t.Errorf("stage webhook change = %v, want Offer", m.Change)
	}

	// An interview scheduled, moved and removed in Lever.
	tom, err := se.Lever.FindUserByEmail(ctx, "tom.becker@example.com")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).UnixMilli()
	panel := leverAPICall(t, se.Env, "POST", "/v1/opportunities/"+opp.ID+"/panels?perform_as="+tom.ID, map[string]any{
		"timezone": "Europe/London",
		"interviews": []map[string]any{{"subject": "Phone interview", "interviewers": []map[string]any{{"id": tom.ID}},
			"date": start, "duration": 45, "location": "https://meet.example/scoped"}},
	})
	ivID := panel["data"].(map[string]any)["interviews"].([]any)[0].(map[string]any)["id"].(string)
	eventually(t, 20*time.Second, "export.interviewCreated", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportInterviewNew, x.ID)) == 1
	})
	iv := messagesFor(t, tp, provider.WebhookExportInterviewNew, x.ID)[0].Change
	if details, _ := iv["interview"].(map[string]any); iv["interviewId"] != ivID || details == nil || details["durationMinutes"] != float64(45) || details["location"] != "https://meet.example/scoped" {
		t.Errorf("interviewCreated change = %v, want the interview as Lever has it", iv)
	}
	leverAPICall(t, se.Env, "PUT", "/v1/opportunities/"+opp.ID+"/interviews/"+ivID+"?perform_as="+tom.ID, map[string]any{
		"subject": "Phone interview", "interviewers": []map[string]any{{"id": tom.ID}}, "date": start + 3600_000, "duration": 60,
	})
	eventually(t, 20*time.Second, "export.interviewUpdated", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportInterviewEdit, x.ID)) == 1
	})
	if details, _ := messagesFor(t, tp, provider.WebhookExportInterviewEdit, x.ID)[0].Change["interview"].(map[string]any); details == nil || details["durationMinutes"] != float64(60) {
		t.Errorf("interviewUpdated interview = %v, want the new duration", details)
	}
	leverAPICall(t, se.Env, "DELETE", "/v1/opportunities/"+opp.ID+"/interviews/"+ivID+"?perform_as="+tom.ID, nil)
	eventually(t, 20*time.Second, "export.interviewDeleted", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportInterviewGone, x.ID)) == 1
	})

	// Archived as rejected, then hired: the reason by its text, and the hire
	// once Lever shows a hired reason.
	if err := se.Archive(ctx, opp.ID, "Underqualified"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "export.candidateArchiveChange", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)) == 1
	})
	if c := messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)[0].Change; c["archived"] != true || c["reason"] != "Underqualified" {
		t.Errorf("archive change = %v, want archived for Underqualified", c)
	}
	if err := se.Archive(ctx, opp.ID, "Hired"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "export.candidateHired", func() bool {
		return len(messagesFor(t, tp, provider.WebhookExportHired, x.ID)) == 1 && len(messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)) == 2
	})
	if c := messagesFor(t, tp, provider.WebhookExportArchiveChange, x.ID)[1].Change; c["reason"] != "Hired" {
		t.Errorf("second archive change = %v, want Hired", c)
	}
	for _, d := range decisions(t, se.Env, opp.ID) {
		if strings.Contains(d.Reason, "does not confirm") || strings.Contains(d.Reason, "shows no interview") {
			t.Errorf("decision: %s", d.Reason)
		}
	}
	waitIdle(t, se.Env)
	var integ string
	for _, in := range integrationsOf(t, se.Env) {
		if in.ProviderID == sourcer {
			integ = in.ID
		}
	}
	se.assertCheckHappy(t, integ)
	se.assertCallsWithin(t, kind)
}

func integrationsOf(t *testing.T, env *demo.Env) []*domain.Integration {
	t.Helper()
	ctx := context.Background()
	var ins []*domain.Integration
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		ins, err = tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: demo.ConnectionID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ins
}

// Authorized with the scopes the interview service used to ask for (the
// feedback template's read scope, not its write scope), Lever refuses the
// feedback template stagecoach creates for the first feedback form, so the
// recruiter never gets the feedback; the setup check names the scope.
func TestOAuthScopesWriteOutsideTheGrantIsRefused(t *testing.T) {
	t.Parallel()
	kind := domain.KindInterviewService
	old := slices.DeleteFunc(engine.LeverScopes(kind), func(s string) bool { return s == "feedback_templates:write:admin" })
	old = append(old, "feedback_templates:read:admin")
	se := startScopedDemo(t, 100*time.Millisecond, old, kind)
	ctx := context.Background()
	in, err := se.App.Admin.CreateIntegration(ctx, demo.ConnectionID, demo.ServiceProviderID,
		[]byte(fmt.Sprintf(`{"triggerStage":%q,"jobSyncTag":%q,"feedbackForm":true,"feedbackTemplate":"JobTwine Interview Feedback"}`, demo.ServiceStage, demo.JobSyncTag)))
	if err != nil {
		t.Fatal(err)
	}
	sre := postingByTitle(t, se.Lever, "Site Reliability Engineer")
	opp := candidateOn(t, se.Lever, sre.ID, "New applicant")
	if err := se.MoveToStage(ctx, opp.ID, demo.ServiceStage); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			for _, r := range se.reqs.requests(func(r loggedRequest) bool { return r.Credential == se.client }) {
				t.Logf("%s %s %d (%s)", r.Method, r.Path, r.Status, r.Route)
			}
		}
	}()
	eventually(t, 20*time.Second, "Lever refusing the feedback template", func() bool {
		return len(se.reqs.requests(func(r loggedRequest) bool {
			return r.Credential == se.client && r.Route == "POST /v1/feedback_templates" && r.Status == http.StatusForbidden
		})) > 0
	})
	for f, err := range se.Lever.ListFeedback(ctx, opp.ID) {
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("feedback form %q written although its template was refused", f.Text)
	}
	fs, err := se.App.Admin.CheckIntegration(ctx, in.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		found = found || (f.Severity == admin.SeverityError && strings.Contains(f.Message, "lacks the scope feedback_templates:write:admin"))
	}
	if !found || fs.OK() {
		t.Errorf("the setup check does not refuse the missing scope: %+v", fs)
	}
}

// A confidential posting tagged for the interview service, and a candidate
// on it whose stage change webhook was lost: with confidential access the
// job sync sends the posting and the sweep finds the candidate; without it
// neither sees them, and the setup check says why.
func TestOAuthConfidentialPostingNeedsTheScope(t *testing.T) {
	t.Parallel()
	kind := domain.KindInterviewService
	for _, withScope := range []bool{true, false} {
		t.Run(fmt.Sprintf("confidential access %t", withScope), func(t *testing.T) {
			t.Parallel()
			scopes := engine.LeverScopes(kind)
			if !slices.Contains(scopes, leverscope.Confidential) {
				t.Fatalf("the interview service's scopes %v lack %s", scopes, leverscope.Confidential)
			}
			if !withScope {
				scopes = slices.DeleteFunc(scopes, func(s string) bool { return s == leverscope.Confidential })
			}
			se := startScopedDemo(t, time.Hour, scopes, kind)
			ctx := context.Background()
			var created struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			adminJSON(t, se.SandboxURL, http.MethodPost, "/_sandbox/postings", map[string]any{"text": "Stealth Staff Engineer", "confidential": true, "tags": []string{"Acme Interviews"}}, &created)
			secret := created.Data.ID
			var applied struct {
				Opportunity struct {
					ID string `json:"id"`
				} `json:"opportunity"`
			}
			adminJSON(t, se.SandboxURL, http.MethodPost, "/_sandbox/postings/"+secret+"/apply", map[string]any{"name": "Quinn Hidden", "email": "quinn.hidden@example.org"}, &applied)
			oppID := applied.Opportunity.ID

			tp := addTestProvider(t, se.Env, "acme-interviews", "Acme Interviews", kind, nil, `{"triggerStage":"Phone interview"}`)
			dropStageChange(t, se.Env, oppID, "Phone interview")
			if _, err := se.App.Engine.SyncPostings(ctx, demo.ConnectionID); err != nil {
				t.Fatal(err)
			}
			if err := se.App.Engine.Reconcile(ctx, demo.ConnectionID); err != nil {
				t.Fatal(err)
			}
			synced := func() bool {
				for _, m := range tp.messages("job.synced") {
					if strings.Contains(string(m.Data), secret) {
						return true
					}
				}
				return false
			}
			if withScope {
				eventually(t, 30*time.Second, "job.synced for the confidential posting", synced)
				eventually(t, 30*time.Second, "the sweep's order for the confidential candidate", func() bool { return len(ordersOf(t, se.Env, oppID)) == 1 })
				se.assertCheckHappy(t, integrationOf(t, se.Env, "acme-interviews"))
				return
			}
			// Without the scope: the sync and the sweep finish without
			// seeing them.
			eventually(t, 30*time.Second, "the sweep to finish", func() bool { return sweepsDone(t, se.Env) >= 1 })
			if synced() {
				t.Error("the confidential posting was synced without confidential access")
			}
			if n := len(ordersOf(t, se.Env, oppID)); n != 0 {
				t.Errorf("%d orders for the confidential candidate without confidential access", n)
			}
			fs, err := se.App.Admin.CheckIntegration(ctx, integrationOf(t, se.Env, "acme-interviews"), nil)
			if err != nil {
				t.Fatal(err)
			}
			warned := false
			for _, f := range fs {
				warned = warned || (f.Severity == admin.SeverityWarning && strings.Contains(f.Message, "Confidential postings and their candidates are out of reach") &&
					strings.Contains(f.Message, leverscope.Confidential))
			}
			if !warned {
				t.Errorf("the setup check does not say confidential postings are out of reach: %+v", fs)
			}
		})
	}
}

func integrationOf(t *testing.T, env *demo.Env, providerID string) string {
	t.Helper()
	for _, in := range integrationsOf(t, env) {
		if in.ProviderID == providerID {
			return in.ID
		}
	}
	t.Fatalf("no integration of %s", providerID)
	return ""
}

// An API key created without confidential access (Lever grants it only at
// creation) cannot see confidential postings: the setup check says so and
// what to do, and the settings still list the other postings.
func TestAPIKeyWithoutConfidentialAccessIsReported(t *testing.T) {
	t.Parallel()
	env := startDemoWith(t, time.Hour, func(c *demo.Config) { c.Bare = true })
	ctx := context.Background()
	var perms struct {
		Data []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	adminJSON(t, env.SandboxURL, http.MethodGet, "/_sandbox/permissions", nil, &perms)
	var names []string
	for _, p := range perms.Data {
		names = append(names, p.Name)
	}
	var key struct {
		Data struct {
			Key string `json:"key"`
		} `json:"data"`
	}
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/api-keys", map[string]any{"name": "no confidential", "permissions": names, "confidential": false}, &key)
	adm := env.App.Admin
	if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: demo.ConnectionID, Name: "Key Lever", Environment: "custom", BaseURL: env.SandboxURL, APIKey: key.Data.Key}); err != nil {
		t.Fatal(err)
	}
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/postings", map[string]any{"text": "Stealth Staff Engineer", "confidential": true}, nil)
	tp := addTestProvider(t, env, "acme-interviews", "Acme Interviews", domain.KindInterviewService, nil, `{"triggerStage":"Phone interview"}`)
	in := integrationOf(t, env, tp.ID)
	fs, err := adm.CheckIntegration(ctx, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, f := range fs {
		warned = warned || (f.Severity == admin.SeverityWarning && strings.Contains(f.Message, "the API key was created without access to confidential data"))
		if strings.Contains(f.Message, "does not let this connection read postings") {
			t.Errorf("setup check: %s", f.Message)
		}
	}
	if !warned {
		t.Errorf("the setup check does not say the key cannot reach confidential postings: %+v", fs)
	}
	acct, err := adm.Account(ctx, mustConnection(t, env), domain.KindInterviewService)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Postings) == 0 || !acct.ConfidentialHidden {
		t.Errorf("account: %d postings, confidential hidden %t; want the others listed and the confidential ones said hidden", len(acct.Postings), acct.ConfidentialHidden)
	}
}

func mustConnection(t *testing.T, env *demo.Env) *domain.Connection {
	t.Helper()
	ctx := context.Background()
	var conn *domain.Connection
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { conn, err = tx.ConnectionGet(ctx, demo.ConnectionID); return err }); err != nil {
		t.Fatal(err)
	}
	return conn
}
