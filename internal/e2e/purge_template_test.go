package e2e

import (
	"context"
	"testing"
	"time"
)

// Deleting the candidate whose completion created the integration's form
// template must not stop later candidates' results from reaching Lever.
func TestPurgeOfTheFirstCandidateKeepsTheFormTemplate(t *testing.T) {
	t.Parallel()
	env := startDemo(t, 50*time.Millisecond)
	ctx := context.Background()
	first := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, first.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the first candidate in Assessment Complete", func() bool {
		return view(t, env.Lever, first.ID).Stage == "Assessment Complete"
	})
	if err := env.Delete(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the first candidate purged", func() bool {
		o := ordersOf(t, env, first.ID)
		return len(o) == 1 && o[0].Candidate.Name == ""
	})
	second := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding", first.ID)
	if err := env.MoveToStage(ctx, second.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if !t.Failed() {
			return
		}
		rows, err := env.App.DB.SQL().Query(`SELECT key, status, result, last_error FROM effects WHERE key LIKE '%form%'`)
		if err != nil {
			return
		}
		defer rows.Close()
		for rows.Next() {
			var k, s, r, le string
			_ = rows.Scan(&k, &s, &r, &le)
			t.Logf("effect %s: %s result=%q error=%q", k, s, r, le)
		}
	}()
	eventually(t, time.Minute, "the second candidate's results in Lever, with the first candidate purged", func() bool {
		return view(t, env.Lever, second.ID).Stage == "Assessment Complete"
	})
	if v := view(t, env.Lever, second.ID); len(v.Forms) != 1 {
		t.Errorf("the second candidate has %d profile forms, want 1", len(v.Forms))
	}
}
