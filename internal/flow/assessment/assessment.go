// Package assessment is the flow kind of a skills assessment: a package tag
// on the opportunity chooses the test, entering the trigger stage orders it,
// and the results come back as a profile form, a PDF, a summary note,
// status tags and a move to the completion stage.
package assessment

import (
	"encoding/base64"
	"slices"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// Kind is the assessment flow kind.
type Kind struct{}

// ID returns domain.KindAssessment.
func (Kind) ID() string { return domain.KindAssessment }

// Label names the kind.
func (Kind) Label() string { return "assessment" }

// SettingsFields lists the assessment settings.
func (Kind) SettingsFields() []flow.SettingsField {
	return []flow.SettingsField{
		{Name: "triggerStage", Label: "Trigger stage", Type: flow.FieldStage, Help: "Moving a candidate into this stage orders the assessment their tag names."},
		{Name: "completionStage", Label: "Completion stage", Type: flow.FieldStage, Help: `Where a completed assessment moves the candidate ("-" leaves them where they are).`},
		{Name: "invitedTag", Label: "Invited tag", Type: flow.FieldTag, Help: "Put on the opportunity when the candidate is invited."},
		{Name: "completedTag", Label: "Completed tag", Type: flow.FieldTag, Help: "Replaces the invited tag when the results are in."},
		{Name: "formTemplate", Label: "Results form template", Type: flow.FieldFormTemplate, Help: "The profile form the results are written to; created if missing."},
		{Name: "taggedPostings", Label: "Postings that get the package tags", Type: flow.FieldPostings, Help: "stagecoach puts each package's tag on these postings, so recruiters can pick the tags and opportunities inherit them."},
		flow.PerformAsField,
	}
}

// WithDefaults fills the assessment defaults.
func (Kind) WithDefaults(s flow.Settings, name string) flow.Settings {
	if s.TriggerStage == "" {
		s.TriggerStage = "Assessment"
	}
	if s.CompletionStage == "" {
		s.CompletionStage = "Assessment Complete"
	}
	if s.InvitedTag == "" {
		s.InvitedTag = name + " Assessment Invited"
	}
	if s.CompletedTag == "" {
		s.CompletedTag = name + " Assessment Completed"
	}
	if s.FormTemplate == "" {
		s.FormTemplate = name + " Assessment"
	}
	return s
}

// CheckSettings has nothing to check without Lever.
func (Kind) CheckSettings(flow.Settings) error { return nil }

// LeverEndpoints: the sweep for missed webhooks lists the trigger stage; the
// invite and results write notes, tags, the profile form (and its
// template), the PDF and the stage; the package tags go on postings.
func (Kind) LeverEndpoints() []string {
	return []string{
		"GET /opportunities",
		"GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes",
		"POST /opportunities/:opportunity/addTags", "POST /opportunities/:opportunity/removeTags",
		"PUT /opportunities/:opportunity/stage",
		"GET /opportunities/:opportunity/files", "POST /opportunities/:opportunity/files",
		"GET /opportunities/:opportunity/forms", "POST /opportunities/:opportunity/forms",
		"GET /form_templates", "GET /form_templates/:template", "POST /form_templates",
		"GET /postings/:posting", "POST /postings/:posting",
		"GET /tags",
	}
}

// Events: a stage change orders, an archive or a deletion cancels.
func (Kind) Events() []ats.EventKind {
	return []ats.EventKind{ats.EventStageChanged, ats.EventArchived, ats.EventDeleted}
}

// Transitions lists the events an assessment provider reports.
func (Kind) Transitions() []flow.Transition {
	return []flow.Transition{
		{Event: "invited", From: []string{domain.OrderCreated, domain.OrderInvited}, To: domain.OrderInvited},
		{Event: "started", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled}, To: domain.OrderStarted},
		{Event: "completed", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}, To: domain.OrderCompleted},
		{Event: "cancelled", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}, To: domain.OrderCancelled},
		{Event: "expired", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}, To: domain.OrderExpired},
	}
}

// ValidateEvent checks an assessment event: the invitation's link, the
// results' score, links, attributes and PDF report. The candidate and
// evaluation links become the order's whichever event brings them, so
// they are checked on every event.
func (Kind) ValidateEvent(in *flow.OrderEvent, bad func(field, msg string)) {
	flow.CheckURL(bad, "candidateUrl", in.CandidateURL, in.Type == "invited")
	flow.CheckURL(bad, "evaluationUrl", in.EvaluationURL, false)
	switch in.Type {
	case "completed":
		if in.Score == nil {
			bad("score", "is required")
		}
		if in.MaxScore == nil {
			bad("maxScore", "is required")
		} else if *in.MaxScore <= 0 {
			bad("maxScore", "must be greater than 0")
		}
		if in.Score != nil && in.MaxScore != nil && (*in.Score < 0 || *in.Score > *in.MaxScore) {
			bad("score", "must be between 0 and maxScore")
		}
		flow.CheckURL(bad, "resultUrl", in.ResultURL, false)
		for k, v := range in.Attributes {
			switch v.(type) {
			case string, float64, bool:
			default:
				bad("attributes."+k, "must be a string, number or boolean")
			}
		}
		if r := in.Report; r != nil {
			switch {
			case (r.ContentBase64 == "") == (r.URL == ""):
				bad("report", "give exactly one of contentBase64 and url")
			case r.ContentBase64 != "":
				b, err := base64.StdEncoding.DecodeString(r.ContentBase64)
				switch {
				case err != nil:
					bad("report.contentBase64", "is not valid base64")
				case len(b) > flow.MaxReportBytes:
					bad("report.contentBase64", "is larger than 10 MiB")
				case !strings.HasPrefix(string(b), "%PDF-"):
					bad("report.contentBase64", "is not a PDF")
				}
			default:
				flow.CheckURL(bad, "report.url", r.URL, true)
			}
		}
	}
}

// ProviderWebhooks lists what an assessment provider is sent.
func (Kind) ProviderWebhooks() []string {
	return append(slices.Clone(flow.OrderWebhooks), flow.ConnectionWebhooks...)
}

// ConfidentialMisses says what the flow misses on confidential postings.
func (Kind) ConfidentialMisses() string {
	return "no sweep for missed webhooks finds their candidates, and their postings cannot get package tags"
}

var _ flow.Kind = Kind{}
