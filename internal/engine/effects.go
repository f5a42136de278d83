package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/fetch"
	"stagecoach/internal/flow"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// orderEffectsArgs write the effects of one order event to Lever.
type orderEffectsArgs struct {
	OrderID string `json:"orderId"`
	EventID string `json:"eventId"`
	// The order's connection and opportunity order it with the
	// opportunity's Lever events; not stored in the args.
	ConnectionID  string `json:"-"`
	OpportunityID string `json:"-"`
}

func (orderEffectsArgs) Kind() string       { return JobOrderEffects }
func (a orderEffectsArgs) QueueKey() string { return QueueKey(a.ConnectionID, a.OpportunityID) }

// orderWork is everything the effects of one order event need.
type orderWork struct {
	conn     *domain.Connection
	order    *domain.Order
	event    *domain.OrderEvent
	input    OrderEventInput
	provider *domain.Provider
	settings Settings
	drv      ats.FlowDriver
	as       string // perform_as
}

func (e *Engine) workOrderEffects(ctx context.Context, job *queue.Job, args orderEffectsArgs) error {
	w := &orderWork{}
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if w.order, err = tx.OrderGet(ctx, args.OrderID); err != nil {
			return err
		}
		events, err := tx.OrderEventList(ctx, args.OrderID)
		if err != nil {
			return err
		}
		for _, ev := range events {
			if ev.ID == args.EventID {
				w.event = ev
			}
		}
		if w.event == nil {
			return domain.Errorf(domain.ENotFound, "order event %s not found", args.EventID)
		}
		if w.conn, err = tx.ConnectionGet(ctx, w.order.ConnectionID); err != nil {
			return err
		}
		if w.provider, err = tx.ProviderGet(ctx, w.order.ProviderID); err != nil {
			return err
		}
		in, err := tx.IntegrationGet(ctx, w.order.IntegrationID)
		if err != nil {
			return err
		}
		w.settings, err = e.integrationSettings(in, w.provider)
		return err
	})
	if store.IsNotFound(err) {
		return queue.Cancel(err)
	}
	if err != nil {
		return err
	}
	switch w.conn.Status {
	case domain.ConnBroken:
		return queue.Snooze(time.Minute, "connection broken: waiting for it to be reconnected")
	case domain.ConnDisconnected:
		return queue.Cancel(fmt.Errorf("connection %s is disconnected", w.conn.ID))
	}
	if err := json.Unmarshal(w.event.Payload, &w.input); err != nil {
		return queue.Cancel(fmt.Errorf("order event payload: %w", err))
	}
	if w.drv, err = e.Driver(w.conn); err != nil {
		return err
	}
	w.as = firstNonEmpty(w.settings.PerformAs, w.conn.PerformAs, w.order.Details.OwnerID)
	k, err := flow.Lookup(w.provider.Kind)
	if err != nil {
		return queue.Cancel(err)
	}
	ef, ok := k.(flow.Effector)
	if !ok {
		return nil // the kind writes nothing to Lever
	}
	return ef.Effects(ctx, &orderEnv{e: e, w: w}, w.reported(w.event, w.input))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// assessmentFields are the fields of the profile form template stagecoach
// creates for an assessment provider.
var assessmentFields = []ats.TemplateField{
	{Type: "text", Name: "Assessment", Required: true},
	{Type: "text", Name: "Score", Required: true},
	{Type: "text", Name: "Max score", Required: true},
	{Type: "text", Name: "Result"},
	{Type: "textarea", Name: "Details"},
	{Type: "text", Name: "Report URL"},
	{Type: "text", Name: "Reference", Description: "stagecoach order id"},
}

// formTemplateEffect finds the integration's profile form template by name,
// or creates it.
func (e *Engine) formTemplateEffect(d ats.FlowDriver, w *orderWork) effect {
	name := w.settings.FormTemplate
	return templateEffect(d, ats.ResultsForm, w.order.IntegrationID+":form-template:"+name, "form_template",
		ats.Template{Title: name, Instructions: "Results written by stagecoach.", Fields: assessmentFields})
}

// templateEffect finds a template (form or feedback) by its title among
// those the ATS lists, or creates it. Its result is the template's id.
func templateEffect(d ats.FlowDriver, kind ats.FormKind, key, journalKind string, t ats.Template) effect {
	find := func(ctx context.Context) (bool, string, error) {
		for have, err := range d.Templates(ctx, kind) {
			if err != nil {
				return false, "", err
			}
			if have.Title == t.Title {
				return true, have.ID, nil
			}
		}
		return false, "", nil
	}
	return effect{
		key: key, kind: journalKind, payload: map[string]string{"text": t.Title},
		send: func(ctx context.Context) (string, error) {
			if found, id, err := find(ctx); err != nil || found {
				return id, err
			}
			made, err := d.CreateTemplate(ctx, kind, t)
			if err != nil {
				return "", err
			}
			return made.ID, nil
		},
		check: find,
	}
}

// resultsNote is an order's results as a note, for an ATS without forms:
// the fields of the profile form, answered ones only.
func resultsNote(w *orderWork, r Result) string {
	values := resultValues(w.order, r)
	res := ats.Results{Title: w.settings.FormTemplate}
	for _, f := range assessmentFields {
		res.Fields = append(res.Fields, ats.Field{Name: f.Name, Value: values[strings.ToLower(f.Name)]})
	}
	return ats.ResultsNote(res)
}

// resultValues are the answers to the assessment form's fields, by lower
// case field name ("" unanswered).
func resultValues(o *domain.Order, r Result) map[string]string {
	values := map[string]string{
		"assessment": o.PackageName, "score": num(r.Score), "max score": num(r.MaxScore),
		"result": r.Result, "report url": r.ResultURL, "reference": o.ID,
	}
	var details []string
	for _, k := range sortedKeys(r.Attributes) {
		details = append(details, fmt.Sprintf("%s: %v", k, r.Attributes[k]))
	}
	values["details"] = strings.Join(details, "\n")
	return values
}

func (e *Engine) profileFormEffect(d ats.FlowDriver, w *orderWork, templateID string, r Result) effect {
	o := w.order
	values := resultValues(o, r)
	payload := map[string]any{}
	for k, v := range values {
		payload[k] = nilIfEmpty(v)
	}
	return effect{
		key: o.ID + ":completed:form", kind: "profile_form", payload: payload,
		send: func(ctx context.Context) (string, error) {
			// Answered by the template's field names.
			return d.WriteForm(ctx, o.OpportunityID, ats.ResultsForm, templateID, values, w.as)
		},
		check: func(ctx context.Context) (bool, string, error) {
			for f, err := range d.Forms(ctx, o.OpportunityID, ats.ResultsForm) {
				if err != nil {
					return false, "", err
				}
				if slices.Contains(f.Values, o.ID) {
					return true, f.ID, nil
				}
			}
			return false, "", nil
		},
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._ -]+`)

// reportFile returns the order's PDF report, decoding it or fetching it. A
// report that fetching again would not change (an address that is not
// public, too large, not a PDF) is an invalid error saying why.
func (e *Engine) reportFile(ctx context.Context, w *orderWork) (*ats.File, error) {
	r := w.input.Report
	if r == nil {
		return nil, nil
	}
	// The name carries the order id, so a retry can find the file in Lever.
	name := unsafeName.ReplaceAllString(fmt.Sprintf("%s %s report %s.pdf", w.provider.Name, w.order.PackageName, w.order.ID), "")
	if r.ContentBase64 != "" {
		b, err := base64.StdEncoding.DecodeString(r.ContentBase64)
		if err != nil {
			return nil, queue.Cancel(err)
		}
		return &ats.File{Name: name, ContentType: "application/pdf", Data: b}, nil
	}
	b, err := e.fetch.Get(ctx, r.URL, MaxReportBytes)
	switch {
	case errors.Is(err, fetch.ErrTooLarge):
		return nil, domain.Errorf(domain.EInvalid, "report.url: the report is larger than 10 MiB")
	case fetch.Permanent(err):
		// The provider hears why; the URL, which may name the candidate,
		// stays out of it.
		return nil, domain.Errorf(domain.EInvalid, "report.url: %v", err)
	case err != nil:
		return nil, fmt.Errorf("fetch report: %w", err)
	}
	if !isPDF(b) {
		// What a URL serves lands in Lever as the candidate's report: only a
		// PDF, as for one given inline.
		return nil, domain.Errorf(domain.EInvalid, "report.url: the file it serves is not a PDF")
	}
	return &ats.File{Name: name, ContentType: "application/pdf", Data: b}, nil
}

// failOrderEvent records on the order why the provider's event cannot be
// written to Lever and tells the provider (order.failed), as an export that
// cannot be made is. Nothing of the event reached Lever yet, so the order
// goes back to the status it had before it, and the provider can report it
// again (a report served from a public address, or inline). An event that
// came after it (a cancellation) stands. Should an earlier attempt have
// written part of the event already, the order keeps its status and the
// job ends a dead letter, for the operator, as well.
func (e *Engine) failOrderEvent(ctx context.Context, w *orderWork, why string) error {
	e.log.Warn("order event cannot be written to Lever", slog.String("order_id", w.order.ID),
		slog.String("event", w.input.Type), slog.String("reason", why))
	written := false
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := tx.OrderGet(ctx, w.order.ID)
		if err != nil {
			return err
		}
		evs, err := tx.OrderEventList(ctx, o.ID)
		if err != nil {
			return err
		}
		// Its first write is the profile form: once it was made (by an
		// earlier attempt), the event did reach Lever.
		_, err = tx.EffectGet(ctx, o.ID+":"+w.input.Type+":form")
		written = err == nil
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		if n := len(evs); !written && n > 0 && evs[n-1].ID == w.event.ID && o.Status == statusAfter(w.provider.Kind, w.event.Type) {
			o.Status = domain.OrderCreated
			if n > 1 {
				o.Status = statusAfter(w.provider.Kind, evs[n-2].Type)
			}
			o.Result = nil
		}
		o.LastError = why
		if err := tx.OrderUpdate(ctx, o); err != nil {
			return err
		}
		return e.enqueueWebhook(ctx, tx, o.ProviderID, o, WebhookOrderFailed, nil)
	})
	if err != nil {
		return err
	}
	e.q.Notify()
	if written {
		return queue.Cancel(errors.New(why))
	}
	return nil
}

// isPDF reports whether b starts as a PDF does.
func isPDF(b []byte) bool { return strings.HasPrefix(string(b[:min(len(b), 5)]), "%PDF-") }

// observeInvite records the time from the triggering stage change to the
// invite note.
func (e *Engine) observeInvite(ctx context.Context, o *domain.Order) {
	_ = e.db.InTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.OrderEventList(ctx, o.ID)
		if err != nil || len(evs) == 0 {
			return err
		}
		var p struct {
			TriggeredAt int64 `json:"triggeredAt"`
		}
		if json.Unmarshal(evs[0].Payload, &p) == nil && p.TriggeredAt > 0 {
			e.cfg.Metrics.InviteLatency(time.Since(time.UnixMilli(p.TriggeredAt)))
		}
		return nil
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
