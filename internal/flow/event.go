package flow

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"stagecoach/internal/domain"
)

// OrderEvent is what a provider reports about an order. Which fields apply
// depends on its type and the provider's kind (the kind's ValidateEvent).
type OrderEvent struct {
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

	// Interview service fields (see flow/interviewservice).
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

// Validate checks an assessment event's fields, naming each that is wrong.
func (in *OrderEvent) Validate() error { return in.ValidateFor(domain.KindAssessment) }

// ValidateFor checks an event's fields for a provider of kind, naming each
// that is wrong: the type must be one of the kind's transitions, and the
// kind checks the fields that type takes.
func (in *OrderEvent) ValidateFor(kind string) error {
	k, err := Lookup(kind)
	if err != nil {
		return err
	}
	var errs []domain.FieldError
	bad := func(f, m string) { errs = append(errs, domain.FieldError{Field: f, Message: m}) }
	types := EventTypes(k)
	switch _, ok := Find(k, in.Type); {
	case len(types) == 0:
		bad("type", fmt.Sprintf("%s %s provider has no orders to report on", article(k.ID()), k.ID()))
	case !ok:
		bad("type", fmt.Sprintf("must be one of %s for %s %s provider (got %q)", strings.Join(types, ", "), article(k.ID()), k.ID(), in.Type))
	default:
		k.ValidateEvent(in, bad)
	}
	if len(errs) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("%s: %s %s", in.Type, errs[0].Field, errs[0].Message), Fields: errs}
	}
	return nil
}

// CheckURL reports field to bad unless v is an http(s) URL, or is empty
// and not required.
func CheckURL(bad func(field, msg string), field, v string, required bool) {
	if v == "" {
		if required {
			bad(field, "is required")
		}
		return
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(field, "must be an http(s) URL")
	}
}

// CheckScorePair reports a score given without its maxScore (or the
// reverse), or out of range, when either is given.
func CheckScorePair(bad func(field, msg string), in *OrderEvent) {
	if in.Score == nil && in.MaxScore == nil {
		return
	}
	switch {
	case in.Score == nil || in.MaxScore == nil:
		bad("score", "give score and maxScore together")
	case *in.MaxScore <= 0:
		bad("maxScore", "must be greater than 0")
	case *in.Score < 0 || *in.Score > *in.MaxScore:
		bad("score", "must be between 0 and maxScore")
	}
}

func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
