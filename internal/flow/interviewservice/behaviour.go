package interviewservice

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// ChoosePackage: an interview service has one interview, the provider's
// first package.
func (Kind) ChoosePackage(t flow.Trigger, pkgs []domain.Package) (*domain.Package, string) {
	return flow.DefaultPackage(t.ProviderName, pkgs), ""
}

// PrepareOrder adds the job the job sync sent the provider for the
// opportunity's posting; without one there is no order.
func (Kind) PrepareOrder(ctx context.Context, env flow.RouteEnv, t flow.Trigger, d *flow.OrderDraft) (string, error) {
	job, title, why, err := env.SyncedJob(ctx, t.PostingID)
	if err != nil || why != "" {
		return why, err
	}
	d.PostingTitle = title
	d.Created = map[string]any{"job": job}
	return "", nil
}

// Schedule is an interview's time, people and place.
type Schedule struct {
	StartsAt    time.Time
	Interviewer string
	MeetingURL  string
	Round       string
}

// ScheduleOf is the schedule an event reports.
func ScheduleOf(in flow.OrderEvent) Schedule {
	s := Schedule{Interviewer: in.Interviewer, MeetingURL: in.MeetingURL, Round: in.Round}
	if in.StartsAt != nil {
		s.StartsAt = in.StartsAt.UTC()
	}
	return s
}

// CurrentSchedule returns the schedule events leave, and whether there is
// one.
func CurrentSchedule(events []flow.OrderEvent) (Schedule, bool) {
	var cur Schedule
	found := false
	for _, ev := range events {
		if ev.Type == "scheduled" || ev.Type == EventRescheduled {
			cur, found = ScheduleOf(ev), true
		}
	}
	return cur, found
}

// CheckEvent refuses a report that would tell the recruiter nothing new,
// so that no report yields a duplicate note: a reschedule that changes
// nothing, or a second feedback for one round. A reschedule carries over
// what it does not change, feedback without a round is for the current
// one. The scheduling link is the order's candidate link, the feedback link
// its evaluation link.
func (Kind) CheckEvent(orderID string, earlier []flow.OrderEvent, in *flow.OrderEvent) (flow.OrderLinks, error) {
	var links flow.OrderLinks
	switch in.Type {
	case EventRescheduled:
		cur, _ := CurrentSchedule(earlier)
		if in.StartsAt == nil || in.StartsAt.IsZero() {
			t := cur.StartsAt
			in.StartsAt = &t
		}
		in.Interviewer = cmp.Or(in.Interviewer, cur.Interviewer)
		in.MeetingURL = cmp.Or(in.MeetingURL, cur.MeetingURL)
		in.Round = cmp.Or(in.Round, cur.Round)
		if ScheduleOf(*in) == cur {
			return links, domain.Errorf(domain.EConflict, "order %s: the reschedule changes nothing (the interview is already at %s)", orderID, cur.StartsAt.Format(time.RFC3339))
		}
	case EventFeedback:
		if in.Round == "" {
			cur, _ := CurrentSchedule(earlier)
			in.Round = cur.Round
		}
		for _, ev := range earlier {
			if ev.Type == EventFeedback && ev.Round == in.Round {
				return links, domain.Errorf(domain.EConflict, "order %s: feedback for round %q was reported already", orderID, in.Round)
			}
		}
		links.EvaluationURL = in.FeedbackURL
	case "invited":
		if in.CandidateURL == "" {
			links.CandidateURL = in.SchedulingURL
		}
	}
	return links, nil
}

// Effects: the scheduling link as a note @-mentioning the opportunity's
// owner, each schedule and change of it as a note, and each round's
// feedback as a note or a feedback form. Every accepted report is one
// write, keyed by the report.
func (Kind) Effects(ctx context.Context, env flow.EffectEnv, r flow.Reported) error {
	o, name := r.Order, r.ProviderName
	switch r.Event.Type {
	case "invited":
		mention, err := env.OwnerMention(ctx)
		if err != nil {
			return err
		}
		text := fmt.Sprintf("%s%s: %s can pick an interview slot here: %s\nYou can also open the link and give slots on the candidate's behalf.",
			mention, name, o.CandidateName, cmp.Or(r.Event.SchedulingURL, o.CandidateURL))
		return env.Note(ctx, "invited:note", text)
	case "scheduled":
		s := ScheduleOf(r.Event)
		var b strings.Builder
		fmt.Fprintf(&b, "%s interview scheduled for %s%s.\nWhen: %s", name, o.CandidateName, roundText(s.Round), whenText(s.StartsAt))
		if s.Interviewer != "" {
			fmt.Fprintf(&b, "\nInterviewer: %s", s.Interviewer)
		}
		fmt.Fprintf(&b, "\nMeeting link: %s", s.MeetingURL)
		return env.Note(ctx, r.EventID+":note", b.String())
	case EventRescheduled:
		earlier, err := env.Earlier(ctx)
		if err != nil {
			return err
		}
		evs := make([]flow.OrderEvent, len(earlier))
		for i, e := range earlier {
			evs[i] = e.Event
		}
		prev, _ := CurrentSchedule(evs)
		now := ScheduleOf(r.Event)
		var b strings.Builder
		fmt.Fprintf(&b, "%s interview rescheduled for %s%s.", name, o.CandidateName, roundText(now.Round))
		if !now.StartsAt.Equal(prev.StartsAt) {
			fmt.Fprintf(&b, "\nWhen: %s (was %s)", whenText(now.StartsAt), whenText(prev.StartsAt))
		}
		if now.Interviewer != prev.Interviewer {
			fmt.Fprintf(&b, "\nInterviewer: %s (was %s)", cmp.Or(now.Interviewer, "none"), cmp.Or(prev.Interviewer, "none"))
		}
		if now.MeetingURL != prev.MeetingURL {
			fmt.Fprintf(&b, "\nMeeting link: %s (was %s)", now.MeetingURL, cmp.Or(prev.MeetingURL, "none"))
		}
		return env.Note(ctx, r.EventID+":note", b.String())
	case EventFeedback:
		key := "feedback:" + r.Event.Round
		if r.Settings.FeedbackForm {
			return env.WriteFeedbackForm(ctx, key+":form")
		}
		return env.Note(ctx, key+":note", FeedbackText(r))
	}
	return nil
}

// FeedbackText is a round's feedback as a note.
func FeedbackText(r flow.Reported) string {
	in := r.Event
	var b strings.Builder
	fmt.Fprintf(&b, "%s interview feedback for %s%s.\nRecommendation: %s", r.ProviderName, r.Order.CandidateName, roundText(in.Round), in.Recommendation)
	if in.Interviewer != "" {
		fmt.Fprintf(&b, "\nInterviewer: %s", in.Interviewer)
	}
	if in.Summary != "" {
		fmt.Fprintf(&b, "\nSummary: %s", in.Summary)
	}
	fmt.Fprintf(&b, "\nFeedback (secure link, can be shared): %s", in.FeedbackURL)
	if in.VideoURL != "" {
		fmt.Fprintf(&b, "\nVideo (secure link, can be shared): %s", in.VideoURL)
	}
	return b.String()
}

// whenText shows an interview time for a recruiter.
func whenText(t time.Time) string {
	if t.IsZero() {
		return "not set"
	}
	return t.UTC().Format("Mon 2 Jan 2006, 15:04 MST")
}

func roundText(r string) string {
	if r == "" {
		return ""
	}
	return " (round: " + r + ")"
}

var (
	_ flow.Router       = Kind{}
	_ flow.Effector     = Kind{}
	_ flow.EventChecker = Kind{}
)
