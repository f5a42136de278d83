package greenhouseats_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/greenhouseats"
	"stagecoach/internal/greenhousesandbox"
)

// faultyDriver is a customer driver with a short per-attempt timeout on a
// sandbox whose faults are set to faults.
func faultyDriver(t *testing.T, faults map[string]any) (*sandbox, *greenhouseats.Driver, string) {
	t.Helper()
	s := startSandbox(t)
	sc := scene{s}
	appID := sc.NewApplication(t, sc.NewJob(t, "Faulty Role", nil), "Fay Ault", "fay@candidates.example")
	cfg := s.config()
	cfg.ClientID, cfg.ClientSecret, cfg.Sub = greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, s.actor
	cfg.Timeout = 300 * time.Millisecond
	d, err := greenhouseats.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.admin(t, http.MethodPost, "/_sandbox/faults", faults, nil)
	return s, d, appID
}

// TestWriteUncertain: a write that was applied but never answered, or
// answered with a 5xx, is ats.ErrUncertain (look before writing again);
// the note is there.
func TestWriteUncertain(t *testing.T) {
	t.Parallel()
	for name, faults := range map[string]map[string]any{
		"timeout after write": {"timeoutAfterWriteRate": 1, "paths": []string{"/v3/notes"}},
		"5xx":                 {"rate5xx": 1, "paths": []string{"/v3/notes"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, d, appID := faultyDriver(t, faults)
			_, err := d.WriteNote(t.Context(), appID, ats.Note{Text: "Invited to the assessment"}, "")
			if !errors.Is(err, ats.ErrUncertain) {
				t.Fatalf("WriteNote: %v, want ats.ErrUncertain", err)
			}
			applied := slices.ContainsFunc(scene{s}.View(t, appID).Notes, func(n string) bool { return strings.Contains(n, "Invited") })
			if name == "timeout after write" && !applied {
				t.Errorf("the timed-out note is not on the application")
			}
		})
	}
}

// TestReadRetried: reads are retried through 5xx answers and give
// ats.ErrUnavailable when the failures last; an unknown job is
// ats.ErrNotFound, a refused write ats.ErrRefused naming the field.
func TestReadRetried(t *testing.T) {
	t.Parallel()
	_, d, appID := faultyDriver(t, map[string]any{"rate5xx": 1, "paths": []string{"/v3/jobs"}})
	if _, err := d.Job(t.Context(), "1"); !errors.Is(err, ats.ErrUnavailable) {
		t.Errorf("Job while Greenhouse fails: %v, want ats.ErrUnavailable", err)
	}
	if _, err := d.Application(t.Context(), "99999999"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("Application(unknown): %v, want ats.ErrNotFound", err)
	}
	_, err := d.UploadFile(t.Context(), appID, ats.File{Name: "report", Data: []byte("x")}, "")
	if !errors.Is(err, ats.ErrRefused) || !strings.Contains(err.Error(), "extension") {
		t.Errorf("UploadFile without an extension: %v, want ats.ErrRefused", err)
	}
}

// TestCreateCandidateDelayed: Greenhouse answers the candidate's create
// before the candidate can be named in another write; the driver applies
// the candidate to the job once it can.
func TestCreateCandidateDelayed(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	job := scene{s}.NewJob(t, "Delayed Role", nil)
	d := s.customer(t)
	s.admin(t, http.MethodPost, "/_sandbox/faults", map[string]any{"delayedWriteRate": 1, "visibleAfterMs": 300, "paths": []string{"/v3/candidates"}}, nil)
	app, err := d.CreateCandidate(t.Context(), ats.NewCandidate{Name: "Dee Layed", Emails: []string{"dee@sourced.example"}, JobID: job, Stage: "Assessment",
		CV: &ats.File{Name: "cv.pdf", Data: []byte("%PDF-1.4")}}, "")
	if err != nil {
		t.Fatalf("CreateCandidate: %v", err)
	}
	v := scene{s}.View(t, app.ID)
	if v.Name != "Dee Layed" || v.JobID != job || v.Stage != "Assessment" || len(v.CVs) != 1 {
		t.Errorf("the recruiter sees %+v, want Dee Layed in Assessment on %s with the CV", v, job)
	}
}

// TestResultsAsCustomFields: results become candidate custom fields (made
// on first use, reused after) and a note.
func TestResultsAsCustomFields(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	sc := scene{s}
	appID := sc.NewApplication(t, sc.NewJob(t, "Results Role", nil), "Res Ults", "res@candidates.example")
	d := s.customer(t)
	r := ats.Results{Title: "Acme Assessment", Fields: []ats.Field{{Name: "Score", Value: "42"}, {Name: "Result"}, {Name: "Details", Value: "SQL: 20/20\nGo: 22/30", Long: true}}}
	for _, score := range []string{"42", "45"} {
		r.Fields[0].Value = score
		if _, err := d.WriteResults(t.Context(), appID, r, ""); err != nil {
			t.Fatalf("WriteResults: %v", err)
		}
		cf := s.view(t, appID).Candidate.CustomFields
		if cf["Acme Assessment: Score"] != score || cf["Acme Assessment: Details"] != "SQL: 20/20\nGo: 22/30" {
			t.Errorf("custom fields = %q, want the score %s and the details", cf, score)
		}
		if _, ok := cf["Acme Assessment: Result"]; ok {
			t.Errorf("an unanswered result was written: %q", cf)
		}
	}
	if n := len(s.view(t, appID).Notes); n != 2 {
		t.Errorf("%d notes, want one per write", n)
	}
}

// TestCreateCandidateRefusals: what Greenhouse would refuse, or the
// driver cannot place, is refused before anything is written.
func TestCreateCandidateRefusals(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	job := scene{s}.NewJob(t, "Sourced Role", nil)
	d := s.customer(t)
	for _, tc := range []struct {
		c    ats.NewCandidate
		want string
	}{
		{ats.NewCandidate{Name: "Robin Sourced", JobID: job, Source: "No Such Source"}, "No Such Source"},
		{ats.NewCandidate{Name: "Robin", JobID: job}, "last name"},
		{ats.NewCandidate{Name: "Robin Sourced"}, "job"},
	} {
		_, err := d.CreateCandidate(t.Context(), tc.c, "")
		if !errors.Is(err, ats.ErrRefused) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CreateCandidate(%+v): %v, want ats.ErrRefused naming %q", tc.c, err, tc.want)
		}
	}
}

// countingLimiter counts the waits.
type countingLimiter struct{ n atomic.Int64 }

func (l *countingLimiter) Wait(ctx context.Context) error { l.n.Add(1); return ctx.Err() }

// countingTransport counts the Harvest requests sent.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Path, "/v3/") {
		c.n.Add(1)
	}
	return c.base.RoundTrip(r)
}

// TestLimiterPacesEveryAttempt: every Harvest request, retries included,
// first waits on the injected limiter.
func TestLimiterPacesEveryAttempt(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	job := scene{s}.NewJob(t, "Paced Role", nil)
	s.admin(t, http.MethodPost, "/_sandbox/faults", map[string]any{"rate5xx": 0.3, "seed": 7, "paths": []string{"/v3/job_interview_stages"}}, nil)
	lim := &countingLimiter{}
	tr := &countingTransport{base: s.srv.Client().Transport}
	cfg := s.config()
	cfg.ClientID, cfg.ClientSecret, cfg.Sub = greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, s.actor
	cfg.Limiter, cfg.HTTPClient = lim, &http.Client{Transport: tr}
	d, err := greenhouseats.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, _ = d.Stages(t.Context(), job)
	}
	if sent := tr.n.Load(); sent <= 3 || lim.n.Load() != sent {
		t.Errorf("%d requests sent (retries included), %d limiter waits; want more than 3 and one wait each", sent, lim.n.Load())
	}
}

// TestRateLimitedRetried: a 429 is waited out for its Retry-After and the
// call goes on.
func TestRateLimitedRetried(t *testing.T) {
	t.Parallel()
	s := startSandboxWith(t, greenhousesandbox.Config{RateLimit: 2, RateWindow: time.Second})
	job := scene{s}.NewJob(t, "Limited Role", nil)
	d := s.customer(t)
	start := time.Now()
	for i := range 3 {
		if _, err := d.Stages(t.Context(), job); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if time.Since(start) < 500*time.Millisecond {
		t.Errorf("three calls against a limit of two a second took %v: the 429 was not waited out", time.Since(start))
	}
}
