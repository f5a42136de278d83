package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/interviewservice"
	"stagecoach/internal/queue"
)

// Interview service events beyond the common ones (see
// flow/interviewservice, which declares their transitions).
const (
	EventRescheduled = interviewservice.EventRescheduled
	EventFeedback    = interviewservice.EventFeedback
)

// eventAllowedFrom returns the statuses an event of type typ may follow for
// a provider of kind.
func eventAllowedFrom(kind, typ string) []string {
	k, err := flow.Lookup(kind)
	if err != nil {
		return nil
	}
	t, _ := flow.Find(k, typ)
	return t.From
}

// statusAfter is the order status an accepted event leaves.
func statusAfter(kind, typ string) string {
	k, err := flow.Lookup(kind)
	if err != nil {
		return typ
	}
	if t, ok := flow.Find(k, typ); ok {
		return t.To
	}
	return typ
}

// schedule is an interview's time, people and place.
type schedule = interviewservice.Schedule

func scheduleOf(in OrderEventInput) schedule { return interviewservice.ScheduleOf(in) }

// currentSchedule returns the schedule the events before stopID (all of
// them when stopID is "") leave, and whether there is one.
func currentSchedule(events []*domain.OrderEvent, stopID string) (schedule, bool) {
	var evs []flow.OrderEvent
	for _, ev := range events {
		if ev.ID == stopID {
			break
		}
		var in OrderEventInput
		if json.Unmarshal(ev.Payload, &in) != nil {
			continue
		}
		in.Type = ev.Type
		evs = append(evs, in)
	}
	return interviewservice.CurrentSchedule(evs)
}

// postingTitle returns a posting's title for the interview listing, or ""
// when Lever cannot tell it now (the order goes ahead without it).
func (e *Engine) postingTitle(ctx context.Context, conn *domain.Connection, postingID string) string {
	if postingID == "" {
		return ""
	}
	key := conn.ID + "\x00" + postingID
	e.mu.Lock()
	tc, ok := e.titles[key]
	e.mu.Unlock()
	if ok && time.Since(tc.at) < titleCacheFor {
		return tc.title
	}
	d, err := e.Driver(conn)
	if err != nil {
		return ""
	}
	job, err := d.Job(ctx, postingID)
	if err != nil {
		e.log.Warn("cannot read the posting's title", slog.String("connection_id", conn.ID), slog.String("posting_id", postingID), slog.Any("error", err))
		return ""
	}
	e.mu.Lock()
	if len(e.titles) >= maxCachedTitles {
		clear(e.titles) // a crude bound: the titles are read again as needed
	}
	e.titles[key] = titleCache{at: time.Now(), title: job.Title}
	e.mu.Unlock()
	return job.Title
}

// A posting's title is cached for titleCacheFor, so that a burst of
// candidates moved on one posting costs one read of it rather than one
// each: the title only names the job to the provider, and a rename reaches
// orders made after the cache entry ends.
const (
	titleCacheFor   = 10 * time.Minute
	maxCachedTitles = 10000
)

type titleCache struct {
	at    time.Time
	title string
}

// feedbackText is a round's feedback as a note.
func feedbackText(w *orderWork) string {
	return interviewservice.FeedbackText(w.reported(w.event, w.input))
}

// ownerMention returns "@username " for the opportunity's owner, which
// makes Lever notify them, or "" when the opportunity has no owner.
func (e *Engine) ownerMention(ctx context.Context, w *orderWork) (string, error) {
	d := w.order.Details
	if d.OwnerUsername != "" {
		return "@" + d.OwnerUsername + " ", nil
	}
	if d.OwnerID == "" {
		return "", nil
	}
	u, err := w.drv.User(ctx, d.OwnerID)
	if errors.Is(err, ats.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", e.leverError(ctx, w.conn.ID, err)
	}
	if u.Username == "" {
		return "", nil
	}
	return "@" + u.Username + " ", nil
}

// feedbackFields are the fields of the feedback template stagecoach creates
// for an interview service.
var feedbackFields = []ats.TemplateField{
	{Type: "score-system", Name: "Recommendation", Required: true,
		Options: []string{"4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire"}},
	{Type: "text", Name: "Round"},
	{Type: "text", Name: "Interviewer"},
	{Type: "textarea", Name: "Summary"},
	{Type: "text", Name: "Feedback URL"},
	{Type: "text", Name: "Video URL"},
	{Type: "text", Name: "Reference", Description: "stagecoach order and round"},
}

// feedbackTemplateEffect finds the integration's feedback template by name,
// or creates it.
func (e *Engine) feedbackTemplateEffect(d ats.FlowDriver, w *orderWork) effect {
	name := w.settings.FeedbackTemplate
	return templateEffect(d, ats.FeedbackForm, w.order.IntegrationID+":feedback-template:"+name, "feedback_template",
		ats.Template{Title: name, Instructions: "Interview feedback written by stagecoach.", Fields: feedbackFields})
}

// scoreOption picks the score-system option a recommendation names:
// "Strong Hire" is "4 - Strong Hire", "hire" is "3 - Hire", "3" is "3 - …".
func scoreOption(opts []string, rec string) (string, bool) {
	r := strings.ToLower(strings.TrimSpace(rec))
	for _, o := range opts {
		if strings.ToLower(o) == r {
			return o, true
		}
	}
	for _, o := range opts {
		t := strings.ToLower(o)
		num, label, ok := strings.Cut(t, " - ")
		if ok && (label == r || num == r) {
			return o, true
		}
	}
	return "", false
}

// feedbackFormEffect writes a round's feedback as a feedback form,
// answering the template's fields by their names.
func (e *Engine) feedbackFormEffect(d ats.FlowDriver, w *orderWork, key, templateID string) effect {
	in, o := w.input, w.order
	marker := ref(key)
	values := map[string]string{
		"round": in.Round, "interviewer": in.Interviewer, "summary": in.Summary, "notes": in.Summary, "feedback": in.Summary,
		"feedback url": in.FeedbackURL, "video url": in.VideoURL, "reference": o.ID + " " + marker,
	}
	return effect{
		key: key, kind: "feedback", payload: map[string]any{"template": templateID, "round": in.Round, "recommendation": in.Recommendation},
		send: func(ctx context.Context) (string, error) {
			tpl, err := d.Template(ctx, ats.FeedbackForm, templateID)
			if err != nil {
				return "", err
			}
			// The marker goes into the Reference field, else the first free
			// text area, so that a retry can find the form.
			// A template without fields for the links gets the whole
			// feedback in its first text area.
			markIn, hasLinks, full := "", false, false
			for _, f := range tpl.Fields {
				if strings.EqualFold(f.Name, "reference") && (f.Type == "text" || f.Type == "textarea") {
					markIn = f.ID
				}
				hasLinks = hasLinks || strings.EqualFold(f.Name, "feedback url")
			}
			answers := map[string]string{}
			for _, f := range tpl.Fields {
				var v string
				switch f.Type {
				case "score-system":
					opt, ok := scoreOption(f.Options, in.Recommendation)
					if !ok {
						return "", queue.Cancel(fmt.Errorf("recommendation %q matches no option of the rating in feedback template %q", in.Recommendation, tpl.Title))
					}
					v = opt
				case "text", "textarea":
					v = values[strings.ToLower(f.Name)]
					if !hasLinks && !full && f.Type == "textarea" {
						v, full = feedbackText(w), true
					}
					if markIn == "" && f.Type == "textarea" {
						if v == "" {
							v = feedbackText(w)
						}
						v += "\n(stagecoach " + marker + ")"
						markIn = f.ID
					}
				}
				if v == "" {
					if f.Required {
						return "", queue.Cancel(fmt.Errorf("feedback template %q has a required field %q stagecoach cannot fill", tpl.Title, f.Name))
					}
					continue
				}
				answers[f.ID] = v
			}
			if markIn == "" {
				return "", queue.Cancel(fmt.Errorf("feedback template %q has no Reference field and no text area for stagecoach's reference", tpl.Title))
			}
			return d.WriteForm(ctx, o.OpportunityID, ats.FeedbackForm, templateID, answers, w.as)
		},
		check: func(ctx context.Context) (bool, string, error) {
			for fb, err := range d.Forms(ctx, o.OpportunityID, ats.FeedbackForm) {
				if err != nil {
					return false, "", err
				}
				for _, v := range fb.Values {
					if strings.Contains(v, marker) {
						return true, fb.ID, nil
					}
				}
			}
			return false, "", nil
		},
	}
}
