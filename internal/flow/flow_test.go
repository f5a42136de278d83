package flow_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/all"
	"stagecoach/internal/leverscope"
)

// Every registered kind declares itself fully: an ID that is a provider
// kind, defaults that pass its own checks and survive strict decoding,
// endpoints whose scopes leverscope knows (so the OAuth scopes asked for
// derive), Lever events Lever has, order transitions between real statuses,
// and the provider webhooks it sends.
func TestRegistryKindsDeclareThemselves(t *testing.T) {
	t.Parallel()
	var ids []string
	for _, k := range flow.All() {
		ids = append(ids, k.ID())
	}
	if !slices.Equal(ids, domain.ProviderKinds) {
		t.Fatalf("registered kinds = %v, want the provider kinds %v", ids, domain.ProviderKinds)
	}
	if got := len(all.Kinds()); got != len(ids) {
		t.Fatalf("all.Kinds() lists %d kinds, %d are registered", got, len(ids))
	}
	statuses := []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted, domain.OrderCompleted, domain.OrderCancelled, domain.OrderExpired}
	for _, k := range flow.All() {
		t.Run(k.ID(), func(t *testing.T) {
			t.Parallel()
			if got, err := flow.Lookup(k.ID()); err != nil || got.ID() != k.ID() {
				t.Fatalf("Lookup(%q) = %v, %v", k.ID(), got, err)
			}
			if k.Label() == "" {
				t.Error("no label")
			}

			// Settings: the form has fields, and the defaults validate
			// and decode strictly as the engine decodes stored settings.
			if len(k.SettingsFields()) == 0 {
				t.Error("no settings fields")
			}
			def := k.WithDefaults(flow.Settings{}, "Acme")
			if err := k.CheckSettings(def); err != nil {
				t.Errorf("defaults %+v do not validate: %v", def, err)
			}
			b, err := json.Marshal(def)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			var back flow.Settings
			if err := dec.Decode(&back); err != nil {
				t.Errorf("defaults %s do not decode: %v", b, err)
			}
			for _, f := range k.SettingsFields() {
				if !strings.Contains(string(mustFieldNames(t)), `"`+f.Name+`"`) {
					t.Errorf("settings field %q is not a JSON field of flow.Settings", f.Name)
				}
			}

			// Endpoints: each is in leverscope's table, so its scope derives.
			if len(k.LeverEndpoints()) == 0 {
				t.Error("no Lever endpoints")
			}
			for _, ep := range append(slices.Clone(flow.EveryFlowEndpoints), k.LeverEndpoints()...) {
				if _, ok := leverscope.Scope(ep); !ok {
					t.Errorf("endpoint %q has no scope in leverscope", ep)
				}
			}
			if _, err := leverscope.ForEndpoints(k.LeverEndpoints()); err != nil {
				t.Errorf("scopes of its endpoints: %v", err)
			}

			// Events: the port's, and the webhooks it sends.
			if len(k.Events()) == 0 {
				t.Error("no ATS events")
			}
			for _, ev := range k.Events() {
				if !slices.Contains(ats.EventKinds, ev) {
					t.Errorf("event %q is not one of the port's", ev)
				}
			}
			if len(k.ProviderWebhooks()) == 0 {
				t.Error("no provider webhooks")
			}
			for _, wh := range flow.ConnectionWebhooks {
				if !slices.Contains(k.ProviderWebhooks(), wh) {
					t.Errorf("provider webhooks lack %q", wh)
				}
			}

			// Transitions: unique events, between order statuses.
			seen := map[string]bool{}
			for _, tr := range k.Transitions() {
				if seen[tr.Event] {
					t.Errorf("event %q listed twice", tr.Event)
				}
				seen[tr.Event] = true
				if len(tr.From) == 0 || !slices.Contains(statuses, tr.To) {
					t.Errorf("transition %+v: no from status, or %q is not an order status", tr, tr.To)
				}
				for _, s := range tr.From {
					if !slices.Contains(statuses, s) {
						t.Errorf("transition %q: %q is not an order status", tr.Event, s)
					}
				}
			}
			if len(k.Transitions()) > 0 && !slices.Contains(k.ProviderWebhooks(), "order.created") {
				t.Error("a kind with orders does not send order.created")
			}
		})
	}
}

func mustFieldNames(t *testing.T) []byte {
	t.Helper()
	// Every field set, so that omitempty keeps each name.
	s := flow.Settings{TriggerStage: "x", PerformAs: "x", CompletionStage: "x", InvitedTag: "x", CompletedTag: "x", FormTemplate: "x",
		TaggedPostings: []string{"x"}, DefaultPackage: "x", PostingPackages: map[string]string{"x": "x"}, JobSyncTag: "x",
		FeedbackForm: true, FeedbackTemplate: "x", RolePostings: map[string]string{"x": "x"}, StageMap: map[string]string{"x": "x"},
		LeverStageMap: map[string]string{"x": "x"}, DefaultStage: "x", ExportPolicy: "x"}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An unknown kind is a clear invalid error naming it and the known kinds,
// wherever it is looked up; registering a kind twice, or one without an
// ID, is refused.
func TestRegistryRefusesUnknownAndDuplicateKinds(t *testing.T) {
	t.Parallel()
	_, err := flow.Lookup("payroll")
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), `"payroll"`) || !strings.Contains(err.Error(), domain.KindAssessment) {
		t.Fatalf("Lookup(payroll) error = %v, want invalid naming it and the known kinds", err)
	}
	ev := flow.OrderEvent{Type: "invited", CandidateURL: "https://x.example/i"}
	if err := ev.ValidateFor("payroll"); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("ValidateFor(payroll) = %v, want invalid", err)
	}
	if err := flow.RegisterSafely(all.Kinds()[0]); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("registering %s again: %v, want refused", all.Kinds()[0].ID(), err)
	}
	if err := flow.RegisterSafely(nil); err == nil {
		t.Fatal("registering nil: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("Register of a duplicate did not panic")
		}
	}()
	flow.Register(all.Kinds()[0])
}

// The order events a provider may report are its kind's: a type of
// another kind is refused naming the allowed ones, and a sourcing provider,
// which has exports and no orders, is told so.
func TestValidateForUsesTheKindsEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, typ, want string // want: "" when valid, else a part of the message
	}{
		{domain.KindAssessment, "invited", ""},
		{domain.KindAssessment, "scheduled", "must be one of invited, started, completed, cancelled, expired for an assessment provider"},
		{domain.KindVideoInterview, "feedback", "must be one of invited, started, completed, cancelled, expired for a video_interview provider"},
		{domain.KindInterviewService, "scheduled", "startsAt is required"},
		{domain.KindSourcing, "invited", "has no orders"},
	} {
		ev := flow.OrderEvent{Type: tc.typ, CandidateURL: "https://x.example/i", MeetingURL: "https://meet.example/1"}
		err := ev.ValidateFor(tc.kind)
		var de *domain.Error
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %s: %v, want valid", tc.kind, tc.typ, err)
		case tc.want != "" && (!errors.As(err, &de) || de.Code != domain.EInvalid || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s %s: %v, want invalid containing %q", tc.kind, tc.typ, err, tc.want)
		}
	}
}

// The engine's own features are taken part in by the kinds that declare
// them: posting tags by assessment, kit maps by video interview, the job
// sync by interview service, the interview listing by both interview kinds,
// exports by sourcing; and every kind has setup checks of its own.
func TestKindsDeclareTheFeaturesTheyTakePartIn(t *testing.T) {
	t.Parallel()

	want := map[string][]string{
		domain.KindAssessment:       {"PostingTagger"},
		domain.KindVideoInterview:   {"KitMapper", "Interviewer"},
		domain.KindInterviewService: {"JobSyncer", "Interviewer"},
		domain.KindSourcing:         {"Exporter"},
	}
	for _, id := range domain.ProviderKinds {
		var got []string
		for _, f := range []struct {
			name string
			is   bool
		}{
			{"PostingTagger", flow.Is[flow.PostingTagger](id)}, {"KitMapper", flow.Is[flow.KitMapper](id)},
			{"JobSyncer", flow.Is[flow.JobSyncer](id)}, {"Interviewer", flow.Is[flow.Interviewer](id)},
			{"Exporter", flow.Is[flow.Exporter](id)},
		} {
			if f.is {
				got = append(got, f.name)
			}
		}
		slices.Sort(got)
		w := slices.Clone(want[id])
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("kind %s takes part in %v, want %v", id, got, w)
		}
		if !flow.Is[flow.SetupChecker](id) {
			t.Errorf("kind %s has no setup checks of its own", id)
		}
	}
	if flow.Is[flow.Exporter]("no-such-kind") {
		t.Error("an unknown kind is an exporter")
	}
}

// An interview service's text fields are bounded in characters, as the API
// documents them, so names in any script get the same room.
func TestInterviewServiceLengthsCountCharacters(t *testing.T) {
	t.Parallel()
	at := func(n int) flow.OrderEvent {
		return flow.OrderEvent{Type: "feedback", Recommendation: "Hire", FeedbackURL: "https://tool.example/f/1",
			Interviewer: strings.Repeat("é", n), Summary: strings.Repeat("ü", 20000)}
	}
	ev := at(200)
	if err := ev.ValidateFor(domain.KindInterviewService); err != nil {
		t.Errorf("200 two-byte characters: %v, want valid", err)
	}
	ev = at(201)
	if err := ev.ValidateFor(domain.KindInterviewService); err == nil || !strings.Contains(err.Error(), "interviewer must be at most 200 characters") {
		t.Errorf("201 characters: %v, want interviewer refused", err)
	}
}
