package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/interviewservice"
	"stagecoach/internal/lever"
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
	client, err := e.Lever(conn)
	if err != nil {
		return ""
	}
	p, err := client.GetPosting(ctx, postingID)
	if err != nil {
		e.log.Warn("cannot read the posting's title", slog.String("connection_id", conn.ID), slog.String("posting_id", postingID), slog.Any("error", err))
		return ""
	}
	return p.Text
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
	u, err := w.client.GetUser(ctx, d.OwnerID)
	if errors.Is(err, lever.ErrNotFound) {
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
var feedbackFields = []lever.FormField{
	{Type: "score-system", Text: "Recommendation", Required: true,
		Options: []lever.Option{{Text: "4 - Strong Hire"}, {Text: "3 - Hire"}, {Text: "2 - No Hire"}, {Text: "1 - Strong No Hire"}}},
	{Type: "text", Text: "Round"},
	{Type: "text", Text: "Interviewer"},
	{Type: "textarea", Text: "Summary"},
	{Type: "text", Text: "Feedback URL"},
	{Type: "text", Text: "Video URL"},
	{Type: "text", Text: "Reference", Description: "stagecoach order and round"},
}

// feedbackTemplateEffect finds the integration's feedback template by name,
// or creates it.
func (e *Engine) feedbackTemplateEffect(c *lever.Client, w *orderWork) effect {
	name := w.settings.FeedbackTemplate
	return templateEffect(w.order.IntegrationID+":feedback-template:"+name, "feedback_template", name, c.ListFeedbackTemplates,
		func(t *lever.FeedbackTemplate) (string, string) { return t.Text, t.ID },
		func(ctx context.Context) (*lever.FeedbackTemplate, error) {
			return c.CreateFeedbackTemplate(ctx, lever.FeedbackTemplateInput{Text: name, Instructions: "Interview feedback written by stagecoach.", Fields: feedbackFields})
		})
}

// scoreOption picks the score-system option a recommendation names:
// "Strong Hire" is "4 - Strong Hire", "hire" is "3 - Hire", "3" is "3 - …".
func scoreOption(opts []lever.Option, rec string) (string, bool) {
	r := strings.ToLower(strings.TrimSpace(rec))
	for _, o := range opts {
		if strings.ToLower(o.Text) == r {
			return o.Text, true
		}
	}
	for _, o := range opts {
		t := strings.ToLower(o.Text)
		num, label, ok := strings.Cut(t, " - ")
		if ok && (label == r || num == r) {
			return o.Text, true
		}
	}
	return "", false
}

// feedbackFormEffect writes a round's feedback as a Lever feedback form,
// answering the template's fields by their names.
func (e *Engine) feedbackFormEffect(c *lever.Client, w *orderWork, key, templateID string) effect {
	in, o := w.input, w.order
	marker := ref(key)
	values := map[string]string{
		"round": in.Round, "interviewer": in.Interviewer, "summary": in.Summary, "notes": in.Summary, "feedback": in.Summary,
		"feedback url": in.FeedbackURL, "video url": in.VideoURL, "reference": o.ID + " " + marker,
	}
	return effect{
		key: key, kind: "feedback", payload: map[string]any{"template": templateID, "round": in.Round, "recommendation": in.Recommendation},
		send: func(ctx context.Context) (string, error) {
			var tpl *lever.FeedbackTemplate
			for t, err := range c.ListFeedbackTemplates(ctx) {
				if err != nil {
					return "", err
				}
				if t.ID == templateID {
					tpl = t
					break
				}
			}
			if tpl == nil {
				return "", fmt.Errorf("%w: feedback template %s no longer exists", lever.ErrBadRequest, templateID)
			}
			// The marker goes into the Reference field, else the first free
			// text area, so that a retry can find the form.
			// A template without fields for the links gets the whole
			// feedback in its first text area.
			markIn, hasLinks, full := "", false, false
			for _, f := range tpl.Fields {
				if strings.EqualFold(f.Text, "reference") && (f.Type == "text" || f.Type == "textarea") {
					markIn = f.ID
				}
				hasLinks = hasLinks || strings.EqualFold(f.Text, "feedback url")
			}
			var fvs []lever.FieldValue
			for _, f := range tpl.Fields {
				var v string
				switch f.Type {
				case "score-system":
					opt, ok := scoreOption(f.Options, in.Recommendation)
					if !ok {
						return "", queue.Cancel(fmt.Errorf("recommendation %q matches no option of the rating in feedback template %q", in.Recommendation, tpl.Text))
					}
					v = opt
				case "text", "textarea":
					v = values[strings.ToLower(f.Text)]
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
						return "", queue.Cancel(fmt.Errorf("feedback template %q has a required field %q stagecoach cannot fill", tpl.Text, f.Text))
					}
					continue
				}
				fvs = append(fvs, lever.FieldValue{ID: f.ID, Value: v})
			}
			if markIn == "" {
				return "", queue.Cancel(fmt.Errorf("feedback template %q has no Reference field and no text area for stagecoach's reference", tpl.Text))
			}
			fb, err := c.CreateFeedback(ctx, o.OpportunityID, lever.FeedbackInput{BaseTemplateID: templateID, FieldValues: fvs}, w.as)
			if err != nil {
				return "", err
			}
			return fb.ID, nil
		},
		check: func(ctx context.Context) (bool, string, error) {
			for fb, err := range c.ListFeedback(ctx, o.OpportunityID) {
				if err != nil {
					return false, "", err
				}
				for _, f := range fb.Fields {
					if s, ok := f.Value.(string); ok && strings.Contains(s, marker) {
						return true, fb.ID, nil
					}
				}
			}
			return false, "", nil
		},
	}
}
