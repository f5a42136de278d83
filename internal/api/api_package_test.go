package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestPackagesValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"no packages", `{}`, []string{"packages"}},
		{"empty id", `{"packages":[{"id":"","name":"N","kind":"interview_kit"}]}`, []string{"packages[0].id"}},
		{"long id", `{"packages":[{"id":"` + strings.Repeat("a", 101) + `","name":"N","kind":"interview_kit"}]}`, []string{"packages[0].id"}},
		{"empty name", `{"packages":[{"id":"a","name":" ","kind":"interview_kit"}]}`, []string{"packages[0].name"}},
		{"bad kind", `{"packages":[{"id":"a","name":"N","kind":"quiz"}]}`, []string{"packages[0].kind"}},
		{"assessment without tag", `{"packages":[{"id":"a","name":"N","kind":"interview_kit"},{"id":"b","name":"N","kind":"assessment"}]}`, []string{"packages[1].leverTag"}},
		{"duplicate id", `{"packages":[{"id":"a","name":"N","kind":"interview_kit"},{"id":"a","name":"M","kind":"interview_plan"}]}`, []string{"packages[1].id"}},
		{"duplicate tag", `{"packages":[{"id":"a","name":"N","kind":"assessment","leverTag":"T"},{"id":"b","name":"N","kind":"assessment","leverTag":"U"},{"id":"c","name":"N","kind":"assessment","leverTag":"T"}]}`, []string{"packages[2].leverTag"}},
		{"several problems", `{"packages":[{"id":"","name":"","kind":"assessment"}]}`, []string{"packages[0].id", "packages[0].name", "packages[0].leverTag"}},
		{"unknown field", `{"packages":[{"id":"a","name":"N","kind":"interview_kit","tag":"x"}]}`, []string{"tag"}},
		{"wrong type", `{"packages":{"id":"a"}}`, []string{"packages"}},
		{"not JSON", `{"packages":`, nil},
		{"long name", `{"packages":[{"id":"a","name":"` + strings.Repeat("n", 201) + `","kind":"interview_kit"}]}`, []string{"packages[0].name"}},
		{"long tag", `{"packages":[{"id":"a","name":"N","kind":"assessment","leverTag":"` + strings.Repeat("é", 101) + `"}]}`, []string{"packages[0].leverTag"}},
		{"too many", `{"packages":[` + strings.Repeat(`{"id":"a","name":"N","kind":"interview_kit"},`, 500) + `{"id":"a","name":"N","kind":"interview_kit"}]}`, []string{"packages"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.call(t, "PUT", "/v1/packages", keyIMocha, tt.body).problem(t, http.StatusBadRequest)
			if got := fieldsOf(p); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields=%v, want %v (detail %q)", got, tt.fields, p.Detail)
			}
			if len(tt.fields) > 0 && !strings.Contains(p.Detail, tt.fields[0]) {
				t.Fatalf("detail %q does not name %s", p.Detail, tt.fields[0])
			}
		})
	}
	var list struct {
		Data []map[string]any `json:"data"`
	}
	b.call(t, "GET", "/v1/packages", keyIMocha, nil).decode(t, &list)
	if len(list.Data) != 0 {
		t.Fatalf("a refused PUT stored packages: %v", list.Data)
	}
}

func TestPackagesReplace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type pkg struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Kind     string `json:"kind"`
		LeverTag string `json:"leverTag,omitempty"`
	}
	type body struct {
		Packages []pkg `json:"packages"`
	}
	first := []pkg{
		{ID: "python", Name: "Python", Kind: "assessment", LeverTag: "Demo: Python"},
		{ID: "go-coding", Name: "Go Coding", Kind: "assessment", LeverTag: "Demo: Go Coding"},
		{ID: "kit", Name: "Kit", Kind: "interview_kit"},
	}
	var out struct {
		Data []pkg `json:"data"`
	}
	b.call(t, "PUT", "/v1/packages", keyIMocha, body{first}).decode(t, &out)
	want := []pkg{first[1], first[2], first[0]} // by id
	if !slices.Equal(out.Data, want) {
		t.Fatalf("PUT answered %+v, want %+v", out.Data, want)
	}
	b.call(t, "PUT", "/v1/packages", keyHireVue, body{[]pkg{{ID: "hv", Name: "HV", Kind: "interview_kit"}}}).decode(t, &out)

	var list struct {
		Data       []pkg   `json:"data"`
		NextCursor *string `json:"nextCursor"`
	}
	b.call(t, "GET", "/v1/packages", keyIMocha, nil).decode(t, &list)
	if !slices.Equal(list.Data, want) || list.NextCursor != nil {
		t.Fatalf("GET=%+v (next %v), want %+v", list.Data, list.NextCursor, want)
	}

	second := []pkg{{ID: "plan", Name: "Plan", Kind: "interview_plan"}}
	b.call(t, "PUT", "/v1/packages", keyIMocha, body{second}).decode(t, &out)
	list.Data = nil
	b.call(t, "GET", "/v1/packages", keyIMocha, nil).decode(t, &list)
	if !slices.Equal(list.Data, second) {
		t.Fatalf("after the second PUT: %+v, want %+v", list.Data, second)
	}
	list.Data = nil
	b.call(t, "GET", "/v1/packages", keyHireVue, nil).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].ID != "hv" {
		t.Fatalf("another provider's packages changed: %+v", list.Data)
	}

	out.Data = nil
	b.call(t, "PUT", "/v1/packages", keyIMocha, `{"packages":[]}`).decode(t, &out)
	if out.Data == nil || len(out.Data) != 0 {
		t.Fatalf("unpublishing everything answered %+v", out.Data)
	}
}

// A Lever tag that another provider enabled on a shared connection already
// uses is refused, in any case: both providers would be ordered for the same
// candidates. The answer names the tag, not the other provider.
func TestPackagesTagOfAnotherProviderIsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.call(t, "PUT", "/v1/packages", keyHireVue, `{"packages":[{"id":"java","name":"Java","kind":"interview_kit","leverTag":"Acme: Java"}]}`).decode(t, &struct{}{})

	for _, tag := range []string{"Acme: Java", "acme: JAVA", " Acme: Java "} {
		body := `{"packages":[{"id":"go","name":"Go","kind":"assessment","leverTag":"Go"},{"id":"java","name":"Java","kind":"assessment","leverTag":"` + tag + `"}]}`
		p := b.call(t, "PUT", "/v1/packages", keyIMocha, body).problem(t, http.StatusConflict)
		if got := fieldsOf(p); !slices.Equal(got, []string{"packages[1].leverTag"}) {
			t.Errorf("tag %q: fields=%v, want packages[1].leverTag", tag, got)
		}
		if !strings.Contains(p.Detail, `"`+strings.TrimSpace(tag)+`"`) || !strings.Contains(p.Detail, "acme") {
			t.Errorf("tag %q: detail %q does not name the tag and the connection", tag, p.Detail)
		}
		if strings.Contains(strings.ToLower(p.Detail), "hirevue") {
			t.Errorf("detail %q names the other provider", p.Detail)
		}
	}
	var list struct {
		Data []map[string]any `json:"data"`
	}
	b.call(t, "GET", "/v1/packages", keyIMocha, nil).decode(t, &list)
	if len(list.Data) != 0 {
		t.Fatalf("a refused PUT stored packages: %v", list.Data)
	}

	// Another tag is fine; so is the same tag for a provider on no shared
	// connection.
	b.call(t, "PUT", "/v1/packages", keyIMocha, `{"packages":[{"id":"java","name":"Java","kind":"assessment","leverTag":"iMocha: Java"}]}`).decode(t, &struct{}{})
	b.call(t, "PUT", "/v1/packages", keyLonely, `{"packages":[{"id":"java","name":"Java","kind":"assessment","leverTag":"Acme: Java"}]}`).decode(t, &struct{}{})
}
