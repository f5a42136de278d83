// Package interviewservice is the flow kind of an interview-as-a-service
// provider: postings carrying the job sync tag are synced to it as jobs,
// entering the trigger stage orders an interview with the job, and the
// scheduling link, the schedule, reschedules and each round's feedback come
// back as notes (or Lever feedback forms).
package interviewservice

import (
	"slices"
	"strings"
	"unicode/utf8"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// Kind is the interview service flow kind.
type Kind struct{}

// The events an interview service reports beyond the common ones: a
// reschedule leaves the order scheduled, feedback completes a round (and a
// later round is scheduled again).
const (
	EventRescheduled = "rescheduled"
	EventFeedback    = "feedback"
)

// Provider webhooks about the jobs synced from Lever postings.
const (
	WebhookJobSynced  = "job.synced"
	WebhookJobRemoved = "job.removed"
)

// ID returns domain.KindInterviewService.
func (Kind) ID() string { return domain.KindInterviewService }

// Label names the kind.
func (Kind) Label() string { return "interview service" }

// SettingsFields lists the interview service settings.
func (Kind) SettingsFields() []flow.SettingsField {
	return []flow.SettingsField{
		{Name: "triggerStage", Label: "Trigger stage", Type: flow.FieldStage, Help: "Moving a candidate into this stage creates them at the provider and sends the scheduling link."},
		{Name: "jobSyncTag", Label: "Job sync tag", Type: flow.FieldTag, Help: "Postings carrying this tag are synced to the provider as jobs; removing it withdraws them."},
		{Name: "feedbackForm", Label: "Write feedback as a Lever feedback form", Type: flow.FieldBool, Help: "Off: a feedback note."},
		{Name: "feedbackTemplate", Label: "Feedback template", Type: flow.FieldFeedbackTemplate, Help: "The Lever feedback template the feedback is written to; created if missing."},
		flow.PerformAsField,
	}
}

// WithDefaults fills the interview service defaults.
func (Kind) WithDefaults(s flow.Settings, name string) flow.Settings {
	if s.TriggerStage == "" {
		s.TriggerStage = name
	}
	if s.JobSyncTag == "" {
		s.JobSyncTag = name
	}
	if s.FeedbackTemplate == "" {
		s.FeedbackTemplate = name + " Interview Feedback"
	}
	return s
}

// CheckSettings has nothing to check without Lever.
func (Kind) CheckSettings(flow.Settings) error { return nil }

// LeverEndpoints: the sweep; the job sync lists tagged postings (the
// settings pick the tag); the order reads its posting and the owner to
// @-mention; notes, and feedback forms on a feedback template stagecoach
// creates.
func (Kind) LeverEndpoints() []string {
	return []string{
		"GET /opportunities",
		"GET /tags",
		"GET /postings/:posting",
		"GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes",
		"GET /feedback_templates", "POST /feedback_templates",
		"GET /opportunities/:opportunity/feedback", "POST /opportunities/:opportunity/feedback",
	}
}

// Events: a stage change orders, an archive or a deletion cancels.
func (Kind) Events() []ats.EventKind {
	return []ats.EventKind{ats.EventStageChanged, ats.EventArchived, ats.EventDeleted}
}

// Transitions lists the events an interview service reports: invited with
// a scheduling link, scheduled, maybe rescheduled, feedback per round; a
// later round is scheduled again after feedback.
func (Kind) Transitions() []flow.Transition {
	return []flow.Transition{
		{Event: "invited", From: []string{domain.OrderCreated, domain.OrderInvited}, To: domain.OrderInvited},
		{Event: "scheduled", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderCompleted}, To: domain.OrderScheduled},
		{Event: EventRescheduled, From: []string{domain.OrderScheduled}, To: domain.OrderScheduled},
		{Event: "started", From: []string{domain.OrderScheduled}, To: domain.OrderStarted},
		{Event: EventFeedback, From: []string{domain.OrderScheduled, domain.OrderStarted}, To: domain.OrderCompleted},
		{Event: "cancelled", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}, To: domain.OrderCancelled},
		{Event: "expired", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}, To: domain.OrderExpired},
	}
}

// ValidateEvent checks an interview service event: its links, the time of
// a schedule, what a reschedule changes, the feedback's recommendation, and
// the lengths of what becomes a note.
func (Kind) ValidateEvent(in *flow.OrderEvent, bad func(field, msg string)) {
	flow.CheckURL(bad, "candidateUrl", in.CandidateURL, false)
	flow.CheckURL(bad, "evaluationUrl", in.EvaluationURL, false)
	flow.CheckScorePair(bad, in)
	flow.CheckURL(bad, "schedulingUrl", in.SchedulingURL, in.Type == "invited")
	flow.CheckURL(bad, "meetingUrl", in.MeetingURL, in.Type == "scheduled")
	flow.CheckURL(bad, "feedbackUrl", in.FeedbackURL, in.Type == EventFeedback)
	flow.CheckURL(bad, "videoUrl", in.VideoURL, false)
	switch in.Type {
	case "scheduled":
		if in.StartsAt == nil || in.StartsAt.IsZero() {
			bad("startsAt", "is required (an RFC 3339 time)")
		}
	case EventRescheduled:
		if (in.StartsAt == nil || in.StartsAt.IsZero()) && in.Interviewer == "" && in.MeetingURL == "" {
			bad("startsAt", "give what changed: startsAt, interviewer or meetingUrl")
		}
	case EventFeedback:
		if strings.TrimSpace(in.Recommendation) == "" {
			bad("recommendation", "is required")
		}
	}
	// Lengths are in characters, as the API documents them (JSON Schema's
	// maxLength), not bytes.
	for _, f := range []struct{ name, v string }{{"interviewer", in.Interviewer}, {"round", in.Round}, {"recommendation", in.Recommendation}} {
		if utf8.RuneCountInString(f.v) > 200 {
			bad(f.name, "must be at most 200 characters")
		}
	}
	if utf8.RuneCountInString(in.Summary) > 20000 {
		bad("summary", "must be at most 20000 characters")
	}
}

// ProviderWebhooks lists what an interview service is sent: the orders'
// and the synced jobs'.
func (Kind) ProviderWebhooks() []string {
	out := append(slices.Clone(flow.OrderWebhooks), WebhookJobSynced, WebhookJobRemoved)
	return append(out, flow.ConnectionWebhooks...)
}

// ConfidentialMisses says what the flow misses on confidential postings.
func (Kind) ConfidentialMisses() string {
	return "the job sync does not send them to the provider, and no sweep for missed webhooks finds their candidates"
}

var _ flow.Kind = Kind{}
