package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/provider"
)

// referenceCheck is a flow kind that exists only in this test: entering
// its trigger stage orders a reference check, and the completed check is
// one note on the opportunity. It is the whole of a new kind: the
// declarations of flow.Kind and the effects of flow.Effector, with no
// Router (the common routing orders the provider's first package).
type referenceCheck struct{}

const kindReferenceCheck = "reference_check"

func (referenceCheck) ID() string    { return kindReferenceCheck }
func (referenceCheck) Label() string { return "reference check" }
func (referenceCheck) SettingsFields() []flow.SettingsField {
	return []flow.SettingsField{{Name: "triggerStage", Label: "Trigger stage", Type: flow.FieldStage, Help: "Moving a candidate into this stage orders the reference check."}}
}
func (referenceCheck) WithDefaults(s flow.Settings, _ string) flow.Settings {
	if s.TriggerStage == "" {
		s.TriggerStage = "On-site"
	}
	return s
}
func (referenceCheck) CheckSettings(flow.Settings) error { return nil }
func (referenceCheck) LeverEndpoints() []string {
	return []string{"GET /opportunities", "GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes"}
}
func (referenceCheck) Events() []ats.EventKind {
	return []ats.EventKind{ats.EventStageChanged, ats.EventArchived, ats.EventDeleted}
}
func (referenceCheck) Transitions() []flow.Transition {
	return []flow.Transition{{Event: "completed", From: []string{domain.OrderCreated}, To: domain.OrderCompleted}}
}
func (referenceCheck) ValidateEvent(ev *flow.OrderEvent, bad func(field, msg string)) {
	if ev.Summary == "" {
		bad("summary", "is required")
	}
}
func (referenceCheck) ProviderWebhooks() []string {
	return append(slices.Clone(flow.OrderWebhooks), flow.ConnectionWebhooks...)
}
func (referenceCheck) ConfidentialMisses() string { return "" }

func (referenceCheck) Effects(ctx context.Context, env flow.EffectEnv, r flow.Reported) error {
	if r.Event.Type != "completed" {
		return nil
	}
	return env.Note(ctx, "completed:note", fmt.Sprintf("%s: references checked for %s. %s", r.ProviderName, r.Order.CandidateName, r.Event.Summary))
}

var (
	_ flow.Kind     = referenceCheck{}
	_ flow.Effector = referenceCheck{}
)

// Adding a kind is a package implementing flow.Kind and one registration:
// a kind registered only here is routed and written to Lever by the engine
// as the built-in kinds are. A candidate moved into its trigger stage gets
// an order at the provider, the provider reports the check completed, and
// the recruiter sees the note in Lever, once. Not parallel: the registry is
// the process's, and the kind is removed when the test ends.
func TestFlowKindRegisteredInATestRunsEndToEnd(t *testing.T) {
	if err := flow.RegisterSafely(referenceCheck{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := flow.Unregister(kindReferenceCheck); err != nil {
			t.Error(err)
		}
	})
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	tp := addTestProvider(t, env, "refs", "Refcheck", kindReferenceCheck,
		// Package kinds are the provider API's own vocabulary, not flow kinds.
		[]provider.Package{{ID: "two-refs", Name: "Two references", Kind: "interview_plan"}}, `{}`)

	opp := findCandidate(t, env.Lever, "New applicant", "")
	if err := env.MoveToStage(ctx, opp.ID, "On-site"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "order.created at the provider", func() bool { return len(tp.messages("order.created")) == 1 })
	order := orderOf(t, tp.messages("order.created")[0])
	if order.Candidate.Name != opp.Name || order.Package.ID != "two-refs" || order.Opportunity.ID != opp.ID {
		t.Errorf("order.created = %+v, want %s's order of package two-refs", order, opp.Name)
	}

	// The kind's own check of its event: a clear refusal naming the field.
	_, err := tp.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "completed"})
	if problemStatus(err) != 400 || !strings.Contains(err.Error(), "summary") {
		t.Fatalf("completed without a summary: %v, want 400 naming summary", err)
	}
	if _, err := tp.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "completed", Summary: "Both referees recommend her."}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the reference check note in Lever", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("Refcheck: references checked for "+opp.Name+". Both referees recommend her.") == 1
	})
	waitIdle(t, env)
	if n := view(t, env.Lever, opp.ID).notesContaining("references checked"); n != 1 {
		t.Errorf("%d reference check notes, want 1", n)
	}
}
