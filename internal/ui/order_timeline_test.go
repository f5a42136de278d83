package ui_test

import (
	"context"
	"html"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// startFullDemo runs the demo with its connection and integrations set up.
func startFullDemo(t *testing.T) *demo.Env {
	t.Helper()
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0",
		SourcingAddr: "127.0.0.1:0", ProviderDelay: 50 * time.Millisecond, SourcingDelay: time.Hour, DataDir: t.TempDir()}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Engine.ReconcileInterval = -1
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}

// moveToAssessment moves a candidate tagged for the demo's assessment into
// the trigger stage, as a recruiter would, and returns the opportunity id.
func moveToAssessment(t *testing.T, env *demo.Env) string {
	t.Helper()
	ctx := context.Background()
	stages, err := env.Lever.ListStages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var assessment string
	for _, s := range stages {
		if s.Text == "Assessment" {
			assessment = s.ID
		}
	}
	archived := false
	for opp, err := range env.Lever.ListOpportunities(ctx, lever.ListOpportunitiesParams{Archived: &archived, Expand: []string{"stage"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if opp.Stage.Text == "New applicant" && slicesContains(opp.Tags, "Demo: Go Coding") {
			if err := env.Lever.UpdateStage(ctx, opp.ID, assessment, ""); err != nil {
				t.Fatal(err)
			}
			return opp.ID
		}
	}
	t.Fatal("the sandbox has no new applicant tagged Demo: Go Coding")
	return ""
}

func slicesContains(list []string, s string) bool { return contains(list, s) }

// waitCompleted waits for the order of an opportunity to complete, its
// writes to Lever to be done up to the move to the completion stage, and
// the decision on Lever's webhook about that move to be taken.
func waitCompleted(t *testing.T, env *demo.Env, oppID string) *domain.Order {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var o *domain.Order
		settled := false
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
			page, err := tx.OrderSearch(ctx, store.OrderQuery{Text: oppID, Limit: 5})
			if err != nil || len(page.Orders) == 0 {
				return err
			}
			o = page.Orders[0]
			effs, err := tx.EffectList(ctx, o.ID)
			if err != nil {
				return err
			}
			moved := false
			for _, ef := range effs {
				if ef.Status != domain.EffectDone {
					return nil
				}
				moved = moved || ef.Kind == "stage"
			}
			evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: oppID, Limit: 10})
			if err != nil || !moved || len(evs) < 2 {
				return err
			}
			for _, ev := range evs {
				ds, err := tx.DecisionList(ctx, ev.ID)
				if err != nil || len(ds) == 0 {
					return err
				}
			}
			settled = true
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if o != nil && o.Status == domain.OrderCompleted && settled {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("the order of %s did not complete and settle within a minute (%v)", oppID, o)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var tagRE = regexp.MustCompile(`<[^>]+>`)

// An order's timeline says each step in words, with stage names, the
// results form, the report's size, the raw payload behind a click, no file
// contents, and the write to Lever before the webhook Lever sent about it.
func TestOrderTimelineReadsAsSentences(t *testing.T) {
	env := startFullDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	oppID := moveToAssessment(t, env)
	o := waitCompleted(t, env, oppID)

	r := b.get("/orders/" + o.ID)
	if r.status != http.StatusOK {
		t.Fatalf("order page: %d", r.status)
	}
	// The posting is named by its title in Lever.
	if o.PostingID != "" {
		p, err := env.Lever.GetPosting(context.Background(), o.PostingID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html.UnescapeString(r.body), "<tr><th>Posting</th><td>"+p.Text+" ") {
			t.Errorf("the order page does not name the posting %q", p.Text)
		}
	}
	tl := r.body[strings.Index(r.body, `id="timeline"`):]
	tl = tl[:strings.Index(tl, "</ul>")]
	if strings.Contains(tl, "JVBER") || strings.Contains(tl, "contentBase64\": \"J") {
		t.Error("the timeline shows the report's base64")
	}
	if !strings.Contains(tl, "<details") {
		t.Error("the timeline has no raw payload behind a click")
	}
	// The lines as a person reads them.
	var lines []string
	datetime := regexp.MustCompile(`datetime="([^"]+)"`)
	for _, li := range strings.Split(tl, "<li")[1:] {
		li, _, _ = strings.Cut(li, "<details")
		at := ""
		if m := datetime.FindStringSubmatch(li); m != nil {
			at = " [" + m[1] + "]" // shown when the test fails
		}
		lines = append(lines, strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString("<li"+li, " "))), " ")+at)
	}
	text := strings.Join(lines, "\n")
	find := func(want string) int {
		t.Helper()
		for i, l := range lines {
			if strings.Contains(l, want) {
				return i
			}
		}
		t.Errorf("the timeline lacks %q:\n%s", want, text)
		return -1
	}
	moved := find("Moved from New applicant to Assessment in Lever")
	ordered := find(`Ordered "Go Coding" for the opportunity`)
	find("Order placed with Demo Assessments")
	find("Sent order.created to Demo Assessments")
	find("Demo Assessments reported the result: score ")
	find("Wrote the results form 'Demo Assessments Assessment' (score ")
	upload := regexp.MustCompile(`Uploaded .+\.pdf, [0-9.]+ (B|kB)`)
	if !upload.MatchString(text) {
		t.Errorf("no upload with its size:\n%s", text)
	}
	write := find("Moved to Assessment Complete by stagecoach")
	echo := find("Moved from Assessment to Assessment Complete in Lever")
	if moved > ordered {
		t.Errorf("the decision comes before the webhook it was taken on:\n%s", text)
	}
	if write > echo {
		t.Errorf("Lever's webhook comes before the write that caused it:\n%s", text)
	}
	for _, raw := range []string{"profile_form", "remove_tags", "Lever write:", "Routing:"} {
		if strings.Contains(text, raw) {
			t.Errorf("the timeline speaks of %q:\n%s", raw, text)
		}
	}
	if !regexp.MustCompile(`<time class="nowrap" datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">`).MatchString(tl) {
		t.Error("the timeline's times carry no absolute UTC time on hover")
	}
}

// rowsOf returns the event log's rows as text, keyed by event id.
var eventRowRE = regexp.MustCompile(`(?s)<tr data-event-id="([^"]+)">(.*?)</tr>`)

func eventRows(body string) map[string]string {
	out := map[string]string{}
	for _, m := range eventRowRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = strings.Join(strings.Fields(html.UnescapeString(tagRE.ReplaceAllString(m[2], " "))), " ")
	}
	return out
}

// The event log names the candidate and the integration that decided, says
// what happened in words, and filters by connection, integration, event,
// decision and time.
func TestEventLogNamesTheCandidateAndTheIntegration(t *testing.T) {
	env := startFullDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	oppID := moveToAssessment(t, env)
	o := waitCompleted(t, env, oppID)

	all := eventRows(b.get("/events?opportunity=" + oppID).body)
	if len(all) != 2 {
		t.Fatalf("the event log of %s has %d rows: %v", oppID, len(all), all)
	}
	var ordered string
	for id, row := range all {
		if strings.Contains(row, "Moved from New applicant to Assessment") {
			ordered = id
			for _, want := range []string{o.Candidate.Name, "ordered Demo Assessments on Demo Lever: ordered \"Go Coding\"", o.ID} {
				if !strings.Contains(row, want) {
					t.Errorf("the row of the move lacks %q: %s", want, row)
				}
			}
		}
	}
	if ordered == "" {
		t.Fatalf("no row says the candidate moved to Assessment: %v", all)
	}
	filter := func(q string) map[string]string {
		t.Helper()
		r := b.get("/events?opportunity=" + oppID + "&" + q)
		if r.status != http.StatusOK {
			t.Fatalf("GET /events?%s: %d", q, r.status)
		}
		return eventRows(r.body)
	}
	if rows := filter("decision=ordered"); len(rows) != 1 || rows[ordered] == "" {
		t.Errorf("decision=ordered: %v", rows)
	}
	if rows := filter("decision=ordered&integration=" + env.VideoIntegration.ID); len(rows) != 0 {
		t.Errorf("ordered by the video integration: %v", rows)
	}
	if rows := filter("integration=" + env.Integration.ID + "&decision=ignored"); len(rows) != 1 || rows[ordered] != "" {
		t.Errorf("ignored by the assessment integration: %v", rows)
	}
	if rows := filter("event=candidateArchiveChange"); len(rows) != 0 {
		t.Errorf("event=candidateArchiveChange: %v", rows)
	}
	if rows := filter("connection=nope"); len(rows) != 0 {
		t.Errorf("connection=nope: %v", rows)
	}
	if rows := filter("within=1h&connection=" + o.ConnectionID); len(rows) != 2 {
		t.Errorf("received within the hour: %v", rows)
	}
	if r := b.get("/events?within=2h"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "Time filter") {
		t.Errorf("an unknown time filter: %d", r.status)
	}
}
