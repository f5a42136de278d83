package engine

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/domain"
)

// Every setting an integration can store is on some kind's form, under its
// exact JSON name, and every form field is a setting: a field added to
// Settings without a form line (or the reverse) fails here.
func TestSettingsFieldsCoverSettings(t *testing.T) {
	t.Parallel()
	var names []string
	st := reflect.TypeOf(Settings{})
	for i := range st.NumField() {
		names = append(names, strings.Split(st.Field(i).Tag.Get("json"), ",")[0])
	}
	onForm := map[string]bool{}
	for _, kind := range domain.ProviderKinds {
		fields := SettingsFields(kind)
		if len(fields) == 0 {
			t.Errorf("kind %s has no settings form", kind)
		}
		for _, f := range fields {
			if !slices.Contains(names, f.Name) {
				t.Errorf("kind %s: form field %q is not a setting", kind, f.Name)
			}
			if f.Label == "" || f.Type == "" {
				t.Errorf("kind %s: field %q lacks a label or type", kind, f.Name)
			}
			if f.Type == FieldChoice && len(f.Choices) == 0 {
				t.Errorf("kind %s: choice %q has no choices", kind, f.Name)
			}
			onForm[f.Name] = true
			// What the form writes for the field parses.
			var v any
			switch {
			case f.Type == FieldBool:
				v = true
			case f.Type == FieldPostings:
				v = []string{"p1"}
			case strings.HasPrefix(string(f.Type), "map_"):
				v = map[string]string{"k": "v"}
			default:
				v = "x"
			}
			b, _ := json.Marshal(map[string]any{f.Name: v})
			if _, err := ParseSettings(b); err != nil {
				t.Errorf("kind %s: %s: %v", kind, b, err)
			}
		}
	}
	for _, n := range names {
		if !onForm[n] {
			t.Errorf("setting %q is on no kind's form", n)
		}
	}
	// The names the flows agree on.
	for _, n := range []string{"triggerStage", "completionStage", "invitedTag", "completedTag", "formTemplate", "taggedPostings",
		"defaultPackage", "postingPackages", "jobSyncTag", "feedbackForm", "feedbackTemplate",
		"rolePostings", "stageMap", "leverStageMap", "defaultStage", "exportPolicy", "performAs"} {
		if !onForm[n] {
			t.Errorf("setting %q is missing", n)
		}
	}
}

func TestWebhookEventsAndScopesPerKind(t *testing.T) {
	t.Parallel()
	if got := WebhookEvents(leverats.Events, domain.KindAssessment); !slices.Equal(got, []string{"candidateStageChange", "candidateArchiveChange", "candidateDeleted"}) {
		t.Errorf("assessment events = %v", got)
	}
	if got := WebhookEvents(leverats.Events); !slices.Equal(got, []string{"candidateStageChange", "candidateArchiveChange", "candidateDeleted"}) {
		t.Errorf("events without a kind = %v, want those every flow needs", got)
	}
	src := WebhookEvents(leverats.Events, domain.KindSourcing)
	for _, ev := range []string{"candidateStageChange", "candidateArchiveChange", "candidateHired", "candidateDeleted", "interviewCreated", "interviewUpdated", "interviewDeleted"} {
		if !slices.Contains(src, ev) {
			t.Errorf("sourcing lacks %s", ev)
		}
	}
	all := LeverScopes()
	if all[0] != "offline_access" {
		t.Errorf("scopes start with %s, want offline_access (for the refresh token)", all[0])
	}
	for _, sc := range []string{"forms:write:admin", "files:write:admin", "notes:write:admin", "webhooks:write:admin", "feedback:write:admin", "feedback_templates:write:admin"} {
		if !slices.Contains(all, sc) {
			t.Errorf("all flows' scopes lack %s", sc)
		}
	}
	if slices.Contains(LeverScopes(domain.KindVideoInterview), "forms:write:admin") {
		t.Error("the video interview flow asks for forms:write:admin, which it does not use")
	}
}
