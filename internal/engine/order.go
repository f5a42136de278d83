package engine

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// OrderJSON is an order as the provider API and webhooks show it.
type OrderJSON struct {
	ID            string           `json:"id"`
	Status        string           `json:"status"`
	ConnectionID  string           `json:"connectionId"`
	IntegrationID string           `json:"integrationId"`
	Package       PackageRef       `json:"package"`
	Candidate     domain.Candidate `json:"candidate"`
	Opportunity   OpportunityRef   `json:"opportunity"`
	Posting       PostingRef       `json:"posting"`
	Owner         OwnerRef         `json:"owner"`
	CandidateURL  *string          `json:"candidateUrl"`
	EvaluationURL *string          `json:"evaluationUrl"`
	Result        json.RawMessage  `json:"result"`
	// LastError says why the last event the provider reported could not
	// be written to Lever; null when nothing failed.
	LastError *string   `json:"lastError"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// PackageRef names a package.
type PackageRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// OpportunityRef points at the Lever opportunity.
type OpportunityRef struct {
	ID      string `json:"id"`
	URL     string `json:"url,omitempty"`
	StageID string `json:"stageId,omitempty"`
}

// PostingRef points at the Lever posting.
type PostingRef struct {
	ID    string `json:"id,omitempty"`
	Title string `json:"title,omitempty"`
}

// OwnerRef is the opportunity's owner in Lever.
type OwnerRef struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// ViewOrder returns the API representation of an order.
func ViewOrder(o *domain.Order) OrderJSON {
	v := OrderJSON{
		ID: o.ID, Status: o.Status, ConnectionID: o.ConnectionID, IntegrationID: o.IntegrationID,
		Package: PackageRef{ID: o.PackageID, Name: o.PackageName}, Candidate: o.Candidate,
		Opportunity: OpportunityRef{ID: o.OpportunityID, URL: o.Details.OpportunityURL, StageID: o.Details.StageID},
		Posting:     PostingRef{ID: o.PostingID, Title: o.Details.PostingTitle},
		Owner:       OwnerRef{ID: o.Details.OwnerID, Name: o.Details.OwnerName, Email: o.Details.OwnerEmail},
		Result:      o.Result, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
	}
	if o.CandidateURL != "" {
		v.CandidateURL = &o.CandidateURL
	}
	if o.EvaluationURL != "" {
		v.EvaluationURL = &o.EvaluationURL
	}
	if o.LastError != "" {
		v.LastError = &o.LastError
	}
	if len(v.Result) == 0 {
		v.Result = json.RawMessage("null")
	}
	return v
}

// OrderEventInput is what a provider reports about an order (see
// flow.OrderEvent; its kind validates it).
type OrderEventInput = flow.OrderEvent

// ReportInput is a PDF report, inline or by URL.
type ReportInput = flow.ReportInput

// MaxReportBytes bounds a PDF report.
const MaxReportBytes = flow.MaxReportBytes

// Result is a completed order's result as stored and shown.
type Result struct {
	Score      float64        `json:"score"`
	MaxScore   float64        `json:"maxScore"`
	Result     string         `json:"result,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	ResultURL  string         `json:"resultUrl,omitempty"`
}

// ReportOrderEvent records what a provider reports about one of its orders
// and enqueues the Lever writes that follow, in one transaction.
func (e *Engine) ReportOrderEvent(ctx context.Context, providerID, orderID string, in OrderEventInput) (*domain.Order, error) {
	var order *domain.Order
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.ProviderGet(ctx, providerID)
		if err != nil {
			return err
		}
		if err := in.ValidateFor(p.Kind); err != nil {
			return err
		}
		if in.Report != nil && in.Report.URL != "" {
			if err := e.checkFetchURL("report.url", in.Report.URL); err != nil {
				return err
			}
		}
		o, err := tx.OrderGet(ctx, orderID)
		if err != nil {
			return err
		}
		if o.ProviderID != providerID {
			return domain.Errorf(domain.ENotFound, "order %q not found", orderID)
		}
		if purged, err := tx.OrderPurged(ctx, o.ID); err != nil {
			return err
		} else if purged {
			return domain.Errorf(domain.EConflict, "order %s is closed: its opportunity was deleted in Lever and the candidate's personal data purged, so it takes no more events", o.ID)
		}
		if !slices.Contains(eventAllowedFrom(p.Kind, in.Type), o.Status) {
			return domain.Errorf(domain.EConflict, "order %s is %s: it cannot become %s", o.ID, o.Status, in.Type)
		}
		var links flow.OrderLinks
		if k, err := flow.Lookup(p.Kind); err == nil {
			if checker, ok := k.(flow.EventChecker); ok {
				events, err := tx.OrderEventList(ctx, o.ID)
				if err != nil {
					return err
				}
				if links, err = checker.CheckEvent(o.ID, reportedEvents(events), &in); err != nil {
					return err
				}
			}
		}
		if links.CandidateURL != "" {
			o.CandidateURL = links.CandidateURL
		}
		if links.EvaluationURL != "" {
			o.EvaluationURL = links.EvaluationURL
		}
		o.Status = statusAfter(p.Kind, in.Type)
		// A new event supersedes the one that failed.
		o.LastError = ""
		if in.CandidateURL != "" {
			o.CandidateURL = in.CandidateURL
		}
		if in.EvaluationURL != "" {
			o.EvaluationURL = in.EvaluationURL
		}
		if in.Type == "completed" && in.Score != nil && in.MaxScore != nil {
			o.Result = mustJSON(Result{Score: *in.Score, MaxScore: *in.MaxScore, Result: in.Result, Attributes: in.Attributes, ResultURL: in.ResultURL})
		}
		if err := tx.OrderUpdate(ctx, o); err != nil {
			return err
		}
		oev := &domain.OrderEvent{ID: domain.NewID("oev"), OrderID: o.ID, Type: in.Type, Payload: mustJSON(in)}
		if err := tx.OrderEventInsert(ctx, oev); err != nil {
			return err
		}
		if _, err := queue.Insert(ctx, tx, orderEffectsArgs{OrderID: o.ID, EventID: oev.ID, ConnectionID: o.ConnectionID, OpportunityID: o.OpportunityID}, nil); err != nil {
			return err
		}
		order = o
		return nil
	})
	if err == nil {
		e.q.Notify()
	}
	return order, err
}

// checkFetchURL refuses at once a URL a provider gives that the fetch
// client would refuse when fetching it (an address that is not public),
// naming the field. A host name is checked again, on what it resolves to,
// when fetched.
func (e *Engine) checkFetchURL(field, raw string) error {
	if err := e.fetch.CheckURL(raw); err != nil {
		return &domain.Error{Code: domain.EInvalid, Message: field + ": " + err.Error(),
			Fields: []domain.FieldError{{Field: field, Message: err.Error()}}}
	}
	return nil
}

// reportedEvents are the events a provider reported about an order, as its
// kind reads them ("created" and events whose payload cannot be read are
// left out).
func reportedEvents(events []*domain.OrderEvent) []flow.OrderEvent {
	var out []flow.OrderEvent
	for _, ev := range events {
		if ev.Type == "created" {
			continue
		}
		var in OrderEventInput
		if json.Unmarshal(ev.Payload, &in) != nil {
			continue
		}
		in.Type = ev.Type
		out = append(out, in)
	}
	return out
}
