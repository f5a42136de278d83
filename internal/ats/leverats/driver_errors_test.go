package leverats_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/lever"
)

// TestWriteAnsweredWithServerErrorIsUncertain: Lever answering a note with
// a 5xx may still have written it, so the driver reports the write as
// uncertain (the caller looks before writing again), not merely
// unavailable; a read answered the same way is unavailable.
func TestWriteAnsweredWithServerErrorIsUncertain(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	c, err := lever.New(lever.Config{
		Environment: lever.Custom(s.srv.URL), APIKey: sandboxKey, Limiter: lever.Unlimited(),
		HTTPClient: s.srv.Client(), Timeout: 10 * time.Second, MaxRetries: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := leverats.New(leverats.Config{Client: c, PerformAs: s.actor})
	if err != nil {
		t.Fatal(err)
	}
	jobID := scene{s}.NewJob(t, "Uncertain Role", nil)
	appID := scene{s}.NewApplication(t, jobID, "Uma Uncertain", "uma@candidates.example")

	s.admin(t, http.MethodPost, "/_sandbox/faults", map[string]any{"rate5xx": 1}, nil)
	_, err = d.WriteNote(t.Context(), appID, ats.Note{Text: "Invited"}, "")
	if !errors.Is(err, ats.ErrUncertain) || errors.Is(err, ats.ErrUnavailable) {
		t.Errorf("WriteNote answered 5xx: error = %v, want ats.ErrUncertain only", err)
	}
	_, err = d.Application(t.Context(), appID)
	if !errors.Is(err, ats.ErrUnavailable) || errors.Is(err, ats.ErrUncertain) {
		t.Errorf("Application answered 5xx: error = %v, want ats.ErrUnavailable", err)
	}
	s.admin(t, http.MethodDelete, "/_sandbox/faults", nil, nil)
	if _, err := d.WriteNote(t.Context(), appID, ats.Note{Text: "Invited"}, ""); err != nil {
		t.Errorf("WriteNote after the faults cleared: %v", err)
	}
}

// TestUploadNeedsActingUser: Lever requires perform_as on uploads; without
// an acting user the driver refuses before sending, saying so.
func TestUploadNeedsActingUser(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	d, err := leverats.New(leverats.Config{Client: s.client})
	if err != nil {
		t.Fatal(err)
	}
	appID := scene{s}.NewApplication(t, scene{s}.NewJob(t, "Role", nil), "Pat", "pat@candidates.example")
	_, err = d.UploadFile(t.Context(), appID, ats.File{Name: "r.pdf", Data: []byte("%PDF-1.4")}, "")
	if !errors.Is(err, ats.ErrRefused) || !contains(err.Error(), "perform_as") {
		t.Errorf("UploadFile without an acting user: error = %v, want ats.ErrRefused naming perform_as", err)
	}
	if v := (scene{s}).View(t, appID); len(v.Files) != 0 {
		t.Errorf("files = %v, want none", v.Files)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
