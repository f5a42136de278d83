package engine

import (
	"reflect"
	"testing"

	"stagecoach/internal/ats"
)

// TestNotKept compares what an export sent with what Lever shows, tolerating
// Lever's reformatting, and names kinds and counts only.
func TestNotKept(t *testing.T) {
	t.Parallel()
	in := ats.NewCandidate{
		Emails: []string{"Zora@Example.org"},
		Phones: []ats.Phone{{Value: "+44 20 7946 1000"}, {Value: "+1 555 0100"}},
		Links:  []string{"https://github.example/zq/", "https://hackajob.example/p/1"},
		Source: "hackajob",
		Tags:   []string{"hackajob"},
	}
	all := &ats.Application{
		Candidate: ats.Candidate{Emails: []string{"zora@example.org"},
			Phones: []ats.Phone{{Value: "(44) 20-7946-1000"}, {Value: "+1 (555) 0100"}},
			Links:  []string{"github.example/zq", "hackajob.example/p/1"}},
		Sources: []string{"Hackajob"}, Tags: []string{"hackajob"},
	}
	if got := notKept(in, all); len(got) != 0 {
		t.Fatalf("everything landed, notKept=%v", got)
	}
	some := &ats.Application{Candidate: ats.Candidate{Emails: all.Candidate.Emails, Phones: all.Candidate.Phones[:1]}, Tags: all.Tags}
	if got, want := notKept(in, some), []string{"phones (1 of 2)", "links (2 of 2)", "sources (1 of 1)"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("notKept=%v, want %v", got, want)
	}
}
