package ats_test

import (
	"testing"

	"stagecoach/internal/ats"
)

func TestFindStage(t *testing.T) {
	t.Parallel()
	stages := []ats.Stage{{ID: "s1", Name: "Assessment"}, {ID: "s2", Name: "assessment complete"}, {ID: "s3", Name: "On-site"}}
	for _, tc := range []struct {
		in     string
		wantID string
		ok     bool
	}{
		{"s3", "s3", true},
		{"Assessment", "s1", true},
		{"ASSESSMENT COMPLETE", "s2", true},
		{"on-site", "s3", true},
		{"Offer", "", false},
		{"", "", false},
	} {
		got, ok := ats.FindStage(stages, tc.in)
		if ok != tc.ok || got.ID != tc.wantID {
			t.Errorf("FindStage(%q) = %+v, %v; want %q, %v", tc.in, got, ok, tc.wantID, tc.ok)
		}
	}
}

func TestResultsNote(t *testing.T) {
	t.Parallel()
	got := ats.ResultsNote(ats.Results{Title: "iMocha Assessment", Fields: []ats.Field{
		{Name: "Score", Value: "42"}, {Name: "Result", Value: ""}, {Name: "Details", Value: "SQL: 20/20"},
	}})
	if want := "iMocha Assessment\nScore: 42\nDetails: SQL: 20/20"; got != want {
		t.Errorf("ResultsNote = %q, want %q", got, want)
	}
}

func TestFeedbackNote(t *testing.T) {
	t.Parallel()
	got := ats.FeedbackNote(ats.Feedback{Title: "JobTwine Interview", Rating: ats.Yes, Fields: []ats.Field{{Name: "Round", Value: "2"}, {Name: "Video URL"}}})
	if want := "JobTwine Interview\nRecommendation: Hire\nRound: 2"; got != want {
		t.Errorf("FeedbackNote = %q, want %q", got, want)
	}
	if got := ats.Rating(7).String(); got != "Rating(7)" {
		t.Errorf("Rating(7) = %q", got)
	}
}
