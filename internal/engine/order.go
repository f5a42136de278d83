package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"stagecoach/internal/domain"
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

// OrderEventInput is what a provider reports about an order.
type OrderEventInput struct {
	Type          string         `json:"type"`
	CandidateURL  string         `json:"candidateUrl,omitempty"`
	EvaluationURL string         `json:"evaluationUrl,omitempty"`
	Score         *float64       `json:"score,omitempty"`
	MaxScore      *float64       `json:"maxScore,omitempty"`
	Result        string         `json:"result,omitempty"`
	Attributes    map[string]any `json:"attributes,omitempty"`
	ResultURL     string         `json:"resultUrl,omitempty"`
	Report        *ReportInput   `json:"report,omitempty"`
	Reason        string         `json:"reason,omitempty"`

	// Interview service fields (see interview.go).
	SchedulingURL  string     `json:"schedulingUrl,omitempty"`
	StartsAt       *time.Time `json:"startsAt,omitempty"`
	Interviewer    string     `json:"interviewer,omitempty"`
	MeetingURL     string     `json:"meetingUrl,omitempty"`
	Round          string     `json:"round,omitempty"`
	Recommendation string     `json:"recommendation,omitempty"`
	Summary        string     `json:"summary,omitempty"`
	FeedbackURL    string     `json:"feedbackUrl,omitempty"`
	VideoURL       string     `json:"videoUrl,omitempty"`
}

// ReportInput is a PDF report, inline or by URL.
type ReportInput struct {
	Filename      string `json:"filename,omitempty"`
	ContentBase64 string `json:"contentBase64,omitempty"`
	URL           string `json:"url,omitempty"`
}

// MaxReportBytes bounds a PDF report.
const MaxReportBytes = 10 << 20

// Result is a completed order's result as stored and shown.
type Result struct {
	Score      float64        `json:"score"`
	MaxScore   float64        `json:"maxScore"`
	Result     string         `json:"result,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	ResultURL  string         `json:"resultUrl,omitempty"`
}

// allowedFrom says which statuses each reported event may follow.
var allowedFrom = map[string][]string{
	"invited":   {domain.OrderCreated, domain.OrderInvited},
	"started":   {domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled},
	"completed": {domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted},
	"cancelled": {domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted},
	"expired":   {domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted},
}

// Validate checks an assessment event's fields, naming each that is wrong.
func (in *OrderEventInput) Validate() error { return in.ValidateFor(domain.KindAssessment) }

// ValidateFor checks an event's fields for a provider of kind, naming each
// that is wrong.
func (in *OrderEventInput) ValidateFor(kind string) error {
	var errs []domain.FieldError
	bad := func(f, m string) { errs = append(errs, domain.FieldError{Field: f, Message: m}) }
	checkURL := func(f, v string, required bool) {
		if v == "" {
			if required {
				bad(f, "is required")
			}
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(f, "must be an http(s) URL")
		}
	}
	if kind == domain.KindVideoInterview || kind == domain.KindInterviewService {
		validateInterviewEvent(in, kind, bad, checkURL)
		return fieldErrs(in.Type, errs)
	}
	if _, ok := allowedFrom[in.Type]; !ok {
		bad("type", fmt.Sprintf("must be one of invited, started, completed, cancelled, expired (got %q)", in.Type))
	}
	switch in.Type {
	case "invited":
		checkURL("candidateUrl", in.CandidateURL, true)
	case "completed":
		if in.Score == nil {
			bad("score", "is required")
		}
		if in.MaxScore == nil {
			bad("maxScore", "is required")
		} else if *in.MaxScore <= 0 {
			bad("maxScore", "must be greater than 0")
		}
		if in.Score != nil && in.MaxScore != nil && (*in.Score < 0 || *in.Score > *in.MaxScore) {
			bad("score", "must be between 0 and maxScore")
		}
		checkURL("resultUrl", in.ResultURL, false)
		checkURL("evaluationUrl", in.EvaluationURL, false)
		for k, v := range in.Attributes {
			switch v.(type) {
			case string, float64, bool:
			default:
				bad("attributes."+k, "must be a string, number or boolean")
			}
		}
		if r := in.Report; r != nil {
			switch {
			case (r.ContentBase64 == "") == (r.URL == ""):
				bad("report", "give exactly one of contentBase64 and url")
			case r.ContentBase64 != "":
				b, err := base64.StdEncoding.DecodeString(r.ContentBase64)
				switch {
				case err != nil:
					bad("report.contentBase64", "is not valid base64")
				case len(b) > MaxReportBytes:
					bad("report.contentBase64", "is larger than 10 MiB")
				case !strings.HasPrefix(string(b), "%PDF-"):
					bad("report.contentBase64", "is not a PDF")
				}
			default:
				checkURL("report.url", r.URL, true)
			}
		}
	}
	return fieldErrs(in.Type, errs)
}

func fieldErrs(typ string, errs []domain.FieldError) error {
	if len(errs) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("%s: %s %s", typ, errs[0].Field, errs[0].Message), Fields: errs}
	}
	return nil
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
		ok := false
		for _, s := range eventAllowedFrom(p.Kind, in.Type) {
			ok = ok || s == o.Status
		}
		if !ok {
			return domain.Errorf(domain.EConflict, "order %s is %s: it cannot become %s", o.ID, o.Status, in.Type)
		}
		if p.Kind == domain.KindInterviewService {
			if err := checkInterviewRepeat(ctx, tx, o, &in); err != nil {
				return err
			}
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
