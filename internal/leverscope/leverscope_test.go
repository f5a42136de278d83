package leverscope

import (
	"slices"
	"testing"
)

func TestScopeMatchesEveryParameterSpelling(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ endpoint, want string }{
		{"GET /postings/:id", "postings:read:admin"},
		{"GET /v1/postings/{posting}", "postings:read:admin"},
		{"POST /postings/:id", "postings:write:admin"},
		{"POST /feedback_templates", "feedback_templates:write:admin"},
		{"GET /opportunities/:id/files/:file/download", "files:read:admin"},
		{"DELETE /webhooks/:id", "webhooks:write:admin"},
	} {
		if got, ok := Scope(tc.endpoint); !ok || got != tc.want {
			t.Errorf("Scope(%q) = %q, %t; want %q", tc.endpoint, got, ok, tc.want)
		}
	}
	if sc, ok := Scope("GET /candidates"); ok {
		t.Errorf("Scope of an unknown endpoint = %q, want not found", sc)
	}
}

func TestWriteCoversRead(t *testing.T) {
	t.Parallel()
	granted := []string{"notes:write:admin", "stages:read:admin"}
	for sc, want := range map[string]bool{
		"notes:write:admin": true, "notes:read:admin": true, "stages:read:admin": true,
		"stages:write:admin": false, "files:read:admin": false, Confidential: false,
	} {
		if got := Covers(granted, sc); got != want {
			t.Errorf("Covers(%v, %s) = %t, want %t", granted, sc, got, want)
		}
	}
}

func TestForEndpointsIsMinimal(t *testing.T) {
	t.Parallel()
	got, err := ForEndpoints([]string{"GET /opportunities/:id/notes", "POST /opportunities/:id/notes", "GET /stages", "GET /postings"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{OfflineAccess, Confidential, "notes:write:admin", "postings:read:admin", "stages:read:admin"}
	if !slices.Equal(got, want) {
		t.Errorf("ForEndpoints = %v, want %v", got, want)
	}
	if _, err := ForEndpoints([]string{"GET /candidates"}); err == nil {
		t.Error("ForEndpoints accepted an endpoint the table does not know")
	}
}
