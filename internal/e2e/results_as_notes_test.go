package e2e

import (
	"context"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/ats"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/domain"
)

// An ATS without forms (the Lever driver told to write results as notes,
// as a driver of an ATS without profile forms does) gets an assessment's
// results as one note, and no form: the flow falls back through the port's
// capabilities.
func TestAssessmentResultsAsANoteWithoutForms(t *testing.T) {
	t.Parallel()
	env, _ := startDemoConfig(t, 400*time.Millisecond, func(c *app.Config) {
		c.Engine.OpenATS = func(conn *domain.Connection, lent ats.Lent) (ats.Driver, error) {
			d, err := leverats.Open(conn, lent)
			if err != nil {
				return nil, err
			}
			return leverats.New(leverats.Config{Client: d.Client(), PerformAs: conn.PerformAs, ResultsAsNotes: true})
		}
	})
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the move to Assessment Complete", func() bool {
		return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
	})
	v := view(t, env.Lever, opp.ID)
	if len(v.Forms) != 0 {
		t.Errorf("%d profile forms, want none: the ATS has no forms", len(v.Forms))
	}
	if n := v.notesContaining("Assessment: Go Coding"); n != 1 {
		t.Errorf("%d notes holding the results, want 1; notes: %q", n, v.Notes)
	}
	if n := v.notesContaining("Max score: 100"); n != 1 {
		t.Errorf("%d notes with the max score, want 1; notes: %q", n, v.Notes)
	}
	if len(v.Files) != 1 {
		t.Errorf("files = %+v, want the PDF report still", v.Files)
	}
}
