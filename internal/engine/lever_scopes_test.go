package engine

import (
	"slices"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/leverscope"
)

// TestLeverScopesPerKind pins the scopes each kind asks Lever for, derived
// from the endpoints its flow calls: exactly what they need, a write scope
// standing for its read, confidential access where a flow lists postings or
// opportunities, and at most 20 for every kind together (Lever's limit per
// app).
func TestLeverScopesPerKind(t *testing.T) {
	t.Parallel()
	common := []string{"offline_access", "confidential:access:admin", "stages:read:admin", "users:read:admin", "webhooks:write:admin"}
	want := map[string][]string{
		domain.KindAssessment: append(slices.Clone(common), "opportunities:write:admin", "notes:write:admin", "tags:read:admin",
			"files:write:admin", "forms:write:admin", "form_templates:write:admin", "postings:write:admin"),
		domain.KindVideoInterview: append(slices.Clone(common), "opportunities:write:admin", "notes:write:admin", "tags:read:admin", "postings:read:admin"),
		domain.KindInterviewService: append(slices.Clone(common), "opportunities:read:admin", "notes:write:admin", "postings:read:admin", "tags:read:admin",
			"feedback:write:admin", "feedback_templates:write:admin"),
		domain.KindSourcing: append(slices.Clone(common), "opportunities:write:admin", "files:write:admin", "postings:read:admin",
			"archive_reasons:read:admin", "interviews:read:admin"),
	}
	for _, kind := range domain.ProviderKinds {
		t.Run(kind, func(t *testing.T) {
			got := LeverScopes(kind)
			if got[0] != leverscope.OfflineAccess {
				t.Errorf("scopes start with %s, want offline_access", got[0])
			}
			w := leverscope.Minimal(want[kind])
			if !slices.Equal(got, w) {
				t.Errorf("LeverScopes(%s) =\n  %v\nwant\n  %v", kind, got, w)
			}
			// Every endpoint the flow calls is covered by what it asks for.
			for _, ep := range LeverEndpoints(kind) {
				sc, ok := leverscope.Scope(ep)
				if !ok {
					t.Errorf("%s calls %s, which leverscope's table does not know", kind, ep)
				} else if !leverscope.Covers(got, sc) {
					t.Errorf("%s calls %s (needs %s) but does not ask for it", kind, ep, sc)
				}
			}
		})
	}
	all := LeverScopes()
	if len(all) > 20 {
		t.Errorf("every kind together asks for %d scopes, more than Lever's 20: %v", len(all), all)
	}
	for _, sc := range all {
		if res, write, ok := leverscope.Split(sc); ok && !write && slices.Contains(all, res+":write:admin") {
			t.Errorf("asks for %s besides %s:write:admin, which covers it", sc, res)
		}
	}
	for _, unused := range []string{"contact:read:admin", "uploads:write:admin", "resumes:read:admin", "sources:read:admin", "panels:read:admin", "notes:read:admin", "webhooks:read:admin"} {
		if slices.Contains(all, unused) {
			t.Errorf("asks for %s, which no flow uses", unused)
		}
	}
}

func TestMissingScopesCountsAWriteAsItsRead(t *testing.T) {
	t.Parallel()
	granted := []string{"offline_access", "notes:write:admin", "postings:write:admin"}
	got := missingScopes(granted, []string{"notes:read:admin", "postings:read:admin", "postings:write:admin", "feedback_templates:write:admin"})
	if want := []string{"feedback_templates:write:admin"}; !slices.Equal(got, want) {
		t.Errorf("missing = %v, want %v", got, want)
	}
}

func TestEveryAccountPartHasAnEndpoint(t *testing.T) {
	t.Parallel()
	for part, ep := range accountParts {
		if _, ok := leverscope.Scope(ep); !ok || !strings.HasPrefix(ep, "GET ") {
			t.Errorf("account part %s reads %q, not a known list endpoint", part, ep)
		}
	}
}

// TestSettingsArePickedFromPartsTheKindReads: every setting an operator
// picks from the Lever account comes from a part the kind's scopes let it
// read.
func TestSettingsArePickedFromPartsTheKindReads(t *testing.T) {
	t.Parallel()
	for _, kind := range domain.ProviderKinds {
		for _, f := range SettingsFields(kind) {
			part, ok := fieldParts[f.Type]
			if !ok {
				continue // not picked from Lever
			}
			if !readsPart(part, kind) {
				t.Errorf("%s: the setting %s is picked from %s, which the kind does not read", kind, f.Name, part)
			}
		}
	}
}
