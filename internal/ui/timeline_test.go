package ui

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
)

var testNames = names{
	Stages:   map[string]string{"st_assess": "Assessment", "st_done": "Assessment Complete", "st_new": "New applicant"},
	Provider: "Demo Assessments",
}

func TestLeverEventsReadAsSentencesWithStageNames(t *testing.T) {
	for _, c := range []struct {
		event, source, payload, want string
	}{
		{"candidateStageChange", "webhook", `{"opportunityId":"o1","fromStageId":"st_new","toStageId":"st_assess"}`, "Moved from New applicant to Assessment in Lever"},
		{"candidateStageChange", "reconcile", `{"opportunityId":"o1","toStageId":"st_assess"}`, "Moved to Assessment in Lever (found by the sweep for missed webhooks)"},
		{"candidateStageChange", "webhook", `{"fromStageId":"st_new","toStageId":"st_gone"}`, "Moved from New applicant to stage st_gone in Lever"},
		{"candidateArchiveChange", "webhook", `{"toArchived":{"archivedAt":1,"reason":"r"},"fromArchived":null}`, "Archived in Lever"},
		{"candidateArchiveChange", "webhook", `{"toArchived":null}`, "Unarchived in Lever"},
		{"candidateDeleted", "webhook", `{}`, "Deleted in Lever"},
		{"somethingNew", "webhook", `{}`, "Lever sent somethingNew"},
	} {
		s := leverEventStep(&domain.LeverEvent{Event: c.event, Source: c.source, OpportunityID: "o1", Payload: json.RawMessage(c.payload)}, testNames)
		if s.Text != c.want {
			t.Errorf("%s %s: %q, want %q", c.event, c.payload, s.Text, c.want)
		}
		if !strings.Contains(s.Raw, "\n") && c.payload != "{}" {
			t.Errorf("%s: the raw payload is not indented: %q", c.event, s.Raw)
		}
	}
}

func TestJournalWritesReadAsSentences(t *testing.T) {
	n := testNames
	n.FormTemplate = "iMocha Assessment"
	for _, c := range []struct {
		kind, status, payload, want string
	}{
		{"stage", domain.EffectDone, `{"stage":"st_done"}`, "Moved to Assessment Complete by stagecoach"},
		{"stage", domain.EffectPending, `{"stage":"st_done"}`, "Moving to Assessment Complete by stagecoach"},
		{"profile_form", domain.EffectDone, `{"assessment":"Go Coding","score":"86","max score":"100","reference":"ord_1"}`, "Wrote the results form 'iMocha Assessment' (score 86/100)"},
		{"file", domain.EffectDone, `{"name":"report.pdf","bytes":1312}`, "Uploaded report.pdf, 1.3 kB"},
		{"file", domain.EffectDone, `{"name":"r.pdf","bytes":812}`, "Uploaded r.pdf, 812 B"},
		{"add_tags", domain.EffectDone, `{"tags":["Demo Assessment Invited"]}`, "Tagged 'Demo Assessment Invited'"},
		{"remove_tags", domain.EffectDone, `{"tags":["a"]}`, "Removed the tag 'a'"},
		{"remove_tags", domain.EffectDone, `{"tags":["a","b"]}`, "Removed the tags 'a', 'b'"},
		{"note", domain.EffectDone, `{"value":"Go Coding completed: 86/100\n\n(stagecoach ref:abc)"}`, "Added a note: “Go Coding completed: 86/100”"},
		{"form_template", domain.EffectDone, `{"text":"iMocha Assessment"}`, "Found or created the form template 'iMocha Assessment'"},
		{"note", domain.EffectFailed, `{"value":"x"}`, "Lever refused: adding a note: “x”"},
	} {
		s := effectStep(&domain.Effect{Kind: c.kind, Status: c.status, Payload: json.RawMessage(c.payload)}, n)
		if s.Text != c.want {
			t.Errorf("%s %s: %q, want %q", c.kind, c.payload, s.Text, c.want)
		}
		if (s.Status != "") == (c.status == domain.EffectDone) {
			t.Errorf("%s %s: badge %q", c.kind, c.status, s.Status)
		}
	}
	// Without the template's name, the form is named by the assessment.
	s := effectStep(&domain.Effect{Kind: "profile_form", Status: domain.EffectDone, Payload: json.RawMessage(`{"assessment":"Go Coding","score":"7","max score":"10"}`)}, testNames)
	if s.Text != "Wrote the results form 'Go Coding' (score 7/10)" {
		t.Errorf("profile form without a template name: %q", s.Text)
	}
	s = effectStep(&domain.Effect{Kind: "note", Status: domain.EffectSending, LastError: "remote: timeout", Payload: json.RawMessage(`{"value":"x"}`)}, testNames)
	if s.Problem != "Remote: timeout" {
		t.Errorf("the problem reads %q", s.Problem)
	}
}

func TestProviderReportsReadAsSentences(t *testing.T) {
	for _, c := range []struct {
		typ, payload, want string
	}{
		{"created", `{"leverEventId":"ev1"}`, "Order placed with Demo Assessments"},
		{"invited", `{"type":"invited","candidateUrl":"https://x"}`, "Demo Assessments invited the candidate"},
		{"started", `{"type":"started"}`, "The candidate started"},
		{"completed", `{"type":"completed","score":86,"maxScore":100,"result":"pass","report":{"filename":"report.pdf","contentBase64":"JVBERi0="}}`, "Demo Assessments reported the result: score 86/100, pass, with a report"},
		{"cancelled", `{"reason":"opportunity_deleted"}`, "Cancelled: the opportunity was deleted in Lever"},
		{"scheduled", `{"type":"scheduled","startsAt":"2026-03-02T14:00:00Z","interviewer":"Kim"}`, "Demo Assessments scheduled it for 2 Mar 2026 14:00 UTC with Kim"},
	} {
		s := orderEventStep(&domain.OrderEvent{Type: c.typ, Payload: json.RawMessage(c.payload)}, testNames)
		if s.Text != c.want {
			t.Errorf("%s: %q, want %q", c.typ, s.Text, c.want)
		}
	}
}

func TestRawPayloadLeavesOutFileContents(t *testing.T) {
	content := strings.Repeat("QUJD", 500) // 2,000 base64 characters, 1,500 bytes
	raw := rawJSON(json.RawMessage(`{"type":"completed","report":{"filename":"report.pdf","contentBase64":"` + content + `"}}`))
	if strings.Contains(raw, "QUJDQUJD") {
		t.Fatalf("the raw view shows the file's base64:\n%s", raw)
	}
	if !strings.Contains(raw, `"contentBase64": "(1.5 kB of file contents, not shown)"`) || !strings.Contains(raw, `"filename": "report.pdf"`) {
		t.Fatalf("the raw view:\n%s", raw)
	}
}

func TestWebhookStepsSayWhatBecameOfTheDelivery(t *testing.T) {
	args := json.RawMessage(`{"type":"order.created"}`)
	if s := webhookStep(&domain.Job{Status: domain.JobDone, Args: args, Attempt: 1, MaxAttempts: 5}, testNames); s.Text != "Sent order.created to Demo Assessments" || s.Status != "" {
		t.Errorf("done: %q %q", s.Text, s.Status)
	}
	s := webhookStep(&domain.Job{Status: domain.JobDead, Args: args, Attempt: 5, MaxAttempts: 5, LastError: "provider answered 500"}, testNames)
	if s.Text != "Could not send order.created to Demo Assessments (gave up after 5 attempts)" || s.Link != "/dead-letters" || s.Problem != "Provider answered 500" {
		t.Errorf("dead: %+v", s)
	}
	if s := webhookStep(&domain.Job{Status: domain.JobAvailable, Args: args, Attempt: 2, MaxAttempts: 5}, testNames); s.Text != "Sending order.created to Demo Assessments (attempt 2 of 5)" || s.Status == "" {
		t.Errorf("retrying: %q %q", s.Text, s.Status)
	}
}

// A write made at the same instant as the Lever webhook it caused, or a
// decision recorded with its event, comes after its cause.
func TestStepsAreInCausalOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := []step{
		{At: t0.Add(time.Second), Text: "webhook from Lever about the write", rank: 0},
		{At: t0, Text: "sent to the provider", rank: 4},
		{At: t0, Text: "the write", rank: 3},
		{At: t0, Text: "decision", rank: 1},
		{At: t0, Text: "event", rank: 0},
	}
	orderSteps(steps)
	var got []string
	for _, s := range steps {
		got = append(got, s.Text)
	}
	want := "event|decision|the write|sent to the provider|webhook from Lever about the write"
	if strings.Join(got, "|") != want {
		t.Fatalf("order: %s", strings.Join(got, "|"))
	}
}

func TestTimesAreRelativeWithTheAbsoluteTimeOnHover(t *testing.T) {
	at := time.Now().Add(-3 * time.Minute)
	h := string(timeAt(at))
	if !strings.Contains(h, ">3m ago</time>") || !strings.Contains(h, `title="`+at.UTC().Format("2006-01-02 15:04:05")+` UTC"`) {
		t.Fatalf("timeAt: %s", h)
	}
	if size(1_300_000) != "1.3 MB" {
		t.Errorf("size: %s", size(1_300_000))
	}
}

func TestErrorMessagesStartWithACapital(t *testing.T) {
	for in, want := range map[string]string{
		`order "x" not found`:                   `Order "x" not found`,
		"apiKey is required":                    "apiKey is required",
		"report.url: it redirects to 127.0.0.1": "report.url: it redirects to 127.0.0.1",
		"stagecoach's public URL is not set":    "stagecoach's public URL is not set",
		"taggedPostings[0] is empty":            "taggedPostings[0] is empty",
		"Already a sentence.":                   "Already a sentence.",
		"perform-as user \"x\" does not exist":  "Perform-as user \"x\" does not exist",
		"":                                      "",
	} {
		if got := errorSentence(in); got != want {
			t.Errorf("errorSentence(%q) = %q, want %q", in, got, want)
		}
	}
	if possessive("Demo Assessments") != "Demo Assessments'" || possessive("Acme") != "Acme's" {
		t.Errorf("possessive: %s, %s", possessive("Demo Assessments"), possessive("Acme"))
	}
}
