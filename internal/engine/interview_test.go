package engine

import (
	"testing"
	"time"

	"stagecoach/internal/domain"
)

func TestValidateInterviewEvents(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	one := 1.0
	for _, tc := range []struct {
		name  string
		kind  string
		in    OrderEventInput
		field string // "" when valid
	}{
		{"video invited", domain.KindVideoInterview, OrderEventInput{Type: "invited", CandidateURL: "https://v.example/i"}, ""},
		{"video invited without link", domain.KindVideoInterview, OrderEventInput{Type: "invited"}, "candidateUrl"},
		{"video completed without score", domain.KindVideoInterview, OrderEventInput{Type: "completed", EvaluationURL: "https://v.example/e"}, ""},
		{"video completed without evaluation link", domain.KindVideoInterview, OrderEventInput{Type: "completed"}, "evaluationUrl"},
		{"video completed with half a score", domain.KindVideoInterview, OrderEventInput{Type: "completed", EvaluationURL: "https://v.example/e", Score: &one}, "score"},
		{"video has no feedback", domain.KindVideoInterview, OrderEventInput{Type: "feedback"}, "type"},
		{"service invited", domain.KindInterviewService, OrderEventInput{Type: "invited", SchedulingURL: "https://s.example/s"}, ""},
		{"service invited without scheduling link", domain.KindInterviewService, OrderEventInput{Type: "invited", CandidateURL: "https://s.example/c"}, "schedulingUrl"},
		{"scheduled", domain.KindInterviewService, OrderEventInput{Type: "scheduled", StartsAt: &at, MeetingURL: "https://m.example/1"}, ""},
		{"scheduled without time", domain.KindInterviewService, OrderEventInput{Type: "scheduled", MeetingURL: "https://m.example/1"}, "startsAt"},
		{"scheduled with a bad meeting link", domain.KindInterviewService, OrderEventInput{Type: "scheduled", StartsAt: &at, MeetingURL: "zoom"}, "meetingUrl"},
		{"rescheduled with nothing", domain.KindInterviewService, OrderEventInput{Type: "rescheduled"}, "startsAt"},
		{"rescheduled interviewer", domain.KindInterviewService, OrderEventInput{Type: "rescheduled", Interviewer: "Kim"}, ""},
		{"feedback", domain.KindInterviewService, OrderEventInput{Type: "feedback", Recommendation: "Hire", FeedbackURL: "https://f.example/1"}, ""},
		{"feedback without recommendation", domain.KindInterviewService, OrderEventInput{Type: "feedback", FeedbackURL: "https://f.example/1"}, "recommendation"},
		{"feedback with a bad video link", domain.KindInterviewService, OrderEventInput{Type: "feedback", Recommendation: "Hire", FeedbackURL: "https://f.example/1", VideoURL: "ftp://x"}, "videoUrl"},
		{"service has no completed", domain.KindInterviewService, OrderEventInput{Type: "completed"}, "type"},
	} {
		err := tc.in.ValidateFor(tc.kind)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		de, ok := err.(*domain.Error)
		if !ok || de.Code != domain.EInvalid || len(de.Fields) == 0 || de.Fields[0].Field != tc.field {
			t.Errorf("%s: err = %v, want invalid naming %s", tc.name, err, tc.field)
		}
	}
}

func TestServiceStatusesAndScoreOptions(t *testing.T) {
	t.Parallel()
	if got := statusAfter(domain.KindInterviewService, EventRescheduled); got != domain.OrderScheduled {
		t.Errorf("after rescheduled: %s", got)
	}
	if got := statusAfter(domain.KindInterviewService, EventFeedback); got != domain.OrderCompleted {
		t.Errorf("after feedback: %s", got)
	}
	// A next round may be scheduled after feedback; a reschedule needs a schedule.
	if !containsExact(eventAllowedFrom(domain.KindInterviewService, "scheduled"), domain.OrderCompleted) ||
		containsExact(eventAllowedFrom(domain.KindInterviewService, EventRescheduled), domain.OrderInvited) {
		t.Error("interview service transitions are wrong")
	}
	opts := []string{"4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire"}
	for rec, want := range map[string]string{"Hire": "3 - Hire", "strong hire": "4 - Strong Hire", "2": "2 - No Hire", "3 - Hire": "3 - Hire", "Maybe": ""} {
		got, ok := scoreOption(opts, rec)
		if got != want || ok != (want != "") {
			t.Errorf("scoreOption(%q) = %q, %v; want %q", rec, got, ok, want)
		}
	}
}

func TestCurrentScheduleFollowsTheReports(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	evs := []*domain.OrderEvent{
		{ID: "1", Type: "invited", Payload: mustJSON(OrderEventInput{Type: "invited", SchedulingURL: "https://s.example"})},
		{ID: "2", Type: "scheduled", Payload: mustJSON(OrderEventInput{Type: "scheduled", StartsAt: &at, Interviewer: "Sam", MeetingURL: "https://m.example/1"})},
		{ID: "3", Type: "rescheduled", Payload: mustJSON(OrderEventInput{Type: "rescheduled", StartsAt: &later, Interviewer: "Sam", MeetingURL: "https://m.example/1"})},
	}
	if s, ok := currentSchedule(evs, "3"); !ok || !s.StartsAt.Equal(at) {
		t.Errorf("before the reschedule: %+v, %v", s, ok)
	}
	if s, ok := currentSchedule(evs, ""); !ok || !s.StartsAt.Equal(later) || s.Interviewer != "Sam" {
		t.Errorf("now: %+v, %v", s, ok)
	}
	if _, ok := currentSchedule(evs[:1], ""); ok {
		t.Error("a schedule before any was reported")
	}
}
