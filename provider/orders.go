package provider

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Event types a provider reports on an order.
const (
	EventInvited   = "invited"
	EventScheduled = "scheduled"
	EventStarted   = "started"
	EventCompleted = "completed"
	EventCancelled = "cancelled"
	EventExpired   = "expired"
)

// Event is what a provider reports about an order. Type decides which other
// fields apply (see docs/provider-api.md):
//
//   - invited: CandidateURL (required); for an interview service,
//     SchedulingURL (required) instead.
//   - scheduled (interview service): StartsAt and MeetingURL (required),
//     Interviewer, Round.
//   - rescheduled (interview service): what changed of StartsAt,
//     Interviewer, MeetingURL.
//   - started: none.
//   - completed: Score and MaxScore (0 ≤ Score ≤ MaxScore), and optionally
//     Result, Attributes, ResultURL, Report, EvaluationURL; for a video
//     interview, EvaluationURL (required) and no score needed.
//   - feedback (interview service): Recommendation and FeedbackURL
//     (required), Round, Summary, Interviewer, VideoURL.
//   - cancelled: Reason (optional).
//   - expired: none.
type Event struct {
	// Type is one of the Event… constants.
	Type string `json:"type"`

	CandidateURL string   `json:"candidateUrl,omitempty"`
	Score        *float64 `json:"score,omitempty"`
	MaxScore     *float64 `json:"maxScore,omitempty"`
	Result       string   `json:"result,omitempty"`
	// Attributes maps a name to a string or a number.
	Attributes    map[string]any `json:"attributes,omitempty"`
	ResultURL     string         `json:"resultUrl,omitempty"`
	EvaluationURL string         `json:"evaluationUrl,omitempty"`
	Report        *Report        `json:"report,omitempty"`
	Reason        string         `json:"reason,omitempty"`

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

// Report is a completed order's PDF report: either its content or a URL
// stagecoach downloads it from (at most 10 MiB).
type Report struct {
	Filename      string `json:"filename"`
	ContentBase64 string `json:"contentBase64,omitempty"`
	URL           string `json:"url,omitempty"`
}

// ListOrdersParams filters ListOrders. Zero values do not filter.
type ListOrdersParams struct {
	// Status is one of the Status… constants.
	Status string
	// Connection is a connection id.
	Connection string
	// Posting is a Lever posting id.
	Posting string
	// UpdatedSince keeps orders updated at or after this time.
	UpdatedSince time.Time
	// Limit is the page size (1–200; zero means the server's default, 50).
	// ListOrders still yields every matching order.
	Limit int
}

// ListOrders yields the provider's orders that match p, fetching page after
// page as the loop goes on. An error is yielded once with a nil order and
// ends the sequence.
//
//	for o, err := range c.ListOrders(ctx, provider.ListOrdersParams{Status: provider.StatusInvited}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(o.ID, o.Candidate.Name)
//	}
func (c *Client) ListOrders(ctx context.Context, p ListOrdersParams) iter.Seq2[*Order, error] {
	q := url.Values{}
	if p.Status != "" {
		q.Set("status", p.Status)
	}
	if p.Connection != "" {
		q.Set("connection", p.Connection)
	}
	if p.Posting != "" {
		q.Set("posting", p.Posting)
	}
	if !p.UpdatedSince.IsZero() {
		q.Set("updatedSince", p.UpdatedSince.UTC().Format(time.RFC3339Nano))
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return listPages[Order](ctx, c, "/v1/orders", q)
}

// GetOrder returns one order. An unknown id is a *Problem with status 404.
func (c *Client) GetOrder(ctx context.Context, id string) (*Order, error) {
	if id == "" {
		return nil, errors.New("get order: id is empty")
	}
	var o Order
	if err := c.do(ctx, request{method: http.MethodGet, path: "/v1/orders/" + escape(id)}, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// ReportEvent reports what happened to an order and returns the order as it
// now is. An event the order's status does not allow (invited after
// completed, say) is a *Problem with status 409 and changes nothing.
//
// Every call carries an Idempotency-Key (random unless WithIdempotencyKey
// gives one), so the client's own retries never report twice.
func (c *Client) ReportEvent(ctx context.Context, orderID string, ev Event, opts ...CallOption) (*Order, error) {
	if orderID == "" {
		return nil, errors.New("report event: order id is empty")
	}
	if ev.Type == "" {
		return nil, errors.New("report event: type is empty")
	}
	var co callOpts
	for _, o := range opts {
		o(&co)
	}
	if co.idempotencyKey == "" {
		co.idempotencyKey = newIdempotencyKey()
	}
	var o Order
	r := request{
		method:         http.MethodPost,
		path:           "/v1/orders/" + escape(orderID) + "/events",
		body:           ev,
		idempotencyKey: co.idempotencyKey,
	}
	if err := c.do(ctx, r, &o); err != nil {
		return nil, err
	}
	return &o, nil
}
