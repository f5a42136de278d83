// Package videointerview is the flow kind of a one-way video interview: a
// kit chosen by posting (else the default) is ordered when the candidate
// enters the trigger stage; the interview link and then the evaluation link
// come back as notes, with an "Invited" tag replaced by "Completed".
package videointerview

import (
	"slices"
	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// Kind is the video interview flow kind.
type Kind struct{}

// ID returns domain.KindVideoInterview.
func (Kind) ID() string { return domain.KindVideoInterview }

// Label names the kind.
func (Kind) Label() string { return "video interview" }

// SettingsFields lists the video interview settings.
func (Kind) SettingsFields() []flow.SettingsField {
	return []flow.SettingsField{
		{Name: "triggerStage", Label: "Trigger stage", Type: flow.FieldStage, Help: "Moving a candidate into this stage invites them to the interview."},
		{Name: "invitedTag", Label: "Invited tag", Type: flow.FieldTag},
		{Name: "completedTag", Label: "Completed tag", Type: flow.FieldTag},
		{Name: "defaultPackage", Label: "Default interview kit", Type: flow.FieldPackage, Help: "Used for postings without a kit of their own."},
		{Name: "postingPackages", Label: "Interview kit per posting", Type: flow.FieldMapPostingPackage},
		flow.PerformAsField,
	}
}

// WithDefaults fills the video interview defaults.
func (Kind) WithDefaults(s flow.Settings, name string) flow.Settings {
	if s.TriggerStage == "" {
		s.TriggerStage = name
	}
	if s.InvitedTag == "" {
		s.InvitedTag = name + " Interview Invited"
	}
	if s.CompletedTag == "" {
		s.CompletedTag = name + " Interview Completed"
	}
	return s
}

// CheckSettings has nothing to check without Lever.
func (Kind) CheckSettings(flow.Settings) error { return nil }

// LeverEndpoints: the sweep; the interview and evaluation links as notes
// and tags; the kit map checks its postings.
func (Kind) LeverEndpoints() []string {
	return []string{
		"GET /opportunities",
		"GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes",
		"POST /opportunities/:opportunity/addTags", "POST /opportunities/:opportunity/removeTags",
		"GET /postings/:posting",
		"GET /tags",
	}
}

// Events: a stage change orders, an archive or a deletion cancels.
func (Kind) Events() []ats.EventKind {
	return []ats.EventKind{ats.EventStageChanged, ats.EventArchived, ats.EventDeleted}
}

// Transitions lists the events a video interview provider reports: invited,
// maybe started, then completed with an evaluation link.
func (Kind) Transitions() []flow.Transition {
	return []flow.Transition{
		{Event: "invited", From: []string{domain.OrderCreated, domain.OrderInvited}, To: domain.OrderInvited},
		{Event: "started", From: []string{domain.OrderCreated, domain.OrderInvited}, To: domain.OrderStarted},
		{Event: "completed", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderStarted}, To: domain.OrderCompleted},
		{Event: "cancelled", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderStarted}, To: domain.OrderCancelled},
		{Event: "expired", From: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderStarted}, To: domain.OrderExpired},
	}
}

// ValidateEvent checks a video interview event: the interview link when
// invited, the evaluation link when completed, an optional score.
func (Kind) ValidateEvent(in *flow.OrderEvent, bad func(field, msg string)) {
	flow.CheckURL(bad, "candidateUrl", in.CandidateURL, in.Type == "invited")
	flow.CheckURL(bad, "evaluationUrl", in.EvaluationURL, in.Type == "completed")
	flow.CheckScorePair(bad, in)
}

// ProviderWebhooks lists what a video interview provider is sent.
func (Kind) ProviderWebhooks() []string {
	return append(slices.Clone(flow.OrderWebhooks), flow.ConnectionWebhooks...)
}

// ConfidentialMisses says what the flow misses on confidential postings.
func (Kind) ConfidentialMisses() string {
	return "no sweep for missed webhooks finds their candidates, and their postings cannot get an interview kit"
}

var _ flow.Kind = Kind{}
