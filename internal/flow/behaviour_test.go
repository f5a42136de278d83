package flow_test

import (
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/all"
	"stagecoach/internal/flow/interviewservice"
)

// Every built-in kind that places orders routes them and writes their
// events to Lever through the flow interfaces: without a Router or an
// Effector a provider's reports would silently reach no recruiter.
func TestKindsWithOrdersRouteAndWriteThroughTheirModule(t *testing.T) {
	for _, k := range all.Kinds() {
		if !flow.TakesOrders(k.ID()) {
			if k.ID() != domain.KindSourcing {
				t.Errorf("%s places no orders; only sourcing has no trigger stage", k.ID())
			}
			continue
		}
		if _, ok := k.(flow.Router); !ok {
			t.Errorf("%s places orders but is no flow.Router", k.ID())
		}
		if _, ok := k.(flow.Effector); !ok {
			t.Errorf("%s places orders but is no flow.Effector: its events would write nothing to Lever", k.ID())
		}
	}
	if flow.TakesOrders("no-such-kind") {
		t.Error("an unknown kind takes orders")
	}
}

type tinyKind struct{ flow.Kind }

func (tinyKind) ID() string { return "tiny" }

// A kind registered by a test is looked up like the others and gone once
// unregistered; unregistering it twice is an error.
func TestUnregisterRemovesATestKind(t *testing.T) {
	if err := flow.RegisterSafely(tinyKind{}); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Lookup("tiny"); err != nil {
		t.Fatal(err)
	}
	n := len(flow.All())
	if err := flow.Unregister("tiny"); err != nil {
		t.Fatal(err)
	}
	if _, err := flow.Lookup("tiny"); err == nil {
		t.Error("tiny is still registered")
	}
	if got := len(flow.All()); got != n-1 {
		t.Errorf("%d kinds after unregistering, want %d", got, n-1)
	}
	if err := flow.Unregister("tiny"); err == nil || !strings.Contains(err.Error(), "tiny") {
		t.Errorf("second unregister: %v, want an error naming tiny", err)
	}
	for _, k := range flow.All() {
		if k.ID() == "tiny" {
			t.Error("All still lists tiny")
		}
	}
}

// The interview service's check of a report against the earlier ones: a
// reschedule carries over what it does not change and is refused when it
// changes nothing; a second feedback for a round is refused; the feedback
// link becomes the order's evaluation link.
func TestInterviewServiceChecksReportsAgainstEarlierOnes(t *testing.T) {
	k := interviewservice.Kind{}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	earlier := []flow.OrderEvent{
		{Type: "invited", SchedulingURL: "https://svc.example/pick"},
		{Type: "scheduled", StartsAt: &at, Interviewer: "Sam", MeetingURL: "https://meet.example/1", Round: "1"},
	}
	same := flow.OrderEvent{Type: interviewservice.EventRescheduled}
	if _, err := k.CheckEvent("ord_1", earlier, &same); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "changes nothing") {
		t.Errorf("a reschedule changing nothing: %v, want a conflict", err)
	}
	moved := flow.OrderEvent{Type: interviewservice.EventRescheduled, MeetingURL: "https://meet.example/2"}
	if _, err := k.CheckEvent("ord_1", earlier, &moved); err != nil {
		t.Fatal(err)
	}
	if moved.Interviewer != "Sam" || moved.Round != "1" || !moved.StartsAt.Equal(at) {
		t.Errorf("the reschedule did not carry over the schedule: %+v", moved)
	}
	fb := flow.OrderEvent{Type: interviewservice.EventFeedback, FeedbackURL: "https://svc.example/fb", Recommendation: "hire"}
	links, err := k.CheckEvent("ord_1", earlier, &fb)
	if err != nil || fb.Round != "1" || links.EvaluationURL != "https://svc.example/fb" {
		t.Errorf("feedback: round %q, links %+v, err %v; want round 1 and the feedback link", fb.Round, links, err)
	}
	again := flow.OrderEvent{Type: interviewservice.EventFeedback, FeedbackURL: "https://svc.example/fb2"}
	if _, err := k.CheckEvent("ord_1", append(earlier, fb), &again); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("a second feedback for round 1: %v, want a conflict", err)
	}
}
