package e2e

import (
	"context"
	"testing"
	"time"

	"stagecoach/provider"
)

// Lever stops answering stagecoach's connection with anything but 429 for a
// while (another process drained the key's bucket; the sandbox throttles
// that one key, with no Retry-After to go by): the export waits it out and
// creates its opportunity, once, after the throttle lifts, while a recruiter's
// own tooling on another key is not slowed. The throttle lasts 30 s, and the
// Lever client rides it out within one attempt of the export's job: it keeps
// retrying 429s for two minutes (TestRateLimitBudget) rather than failing
// the job after a few seconds.
func TestSourcingExportWaitsOutAThrottledConnection(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")

	const throttle = 30 * time.Second
	adminJSON(t, env.SandboxURL, "POST", "/_sandbox/throttle", map[string]any{
		"credential": "default", "seconds": throttle.Seconds(), "headers": "none",
	}, nil)
	start := time.Now()
	p := newSourcedPerson("throttled")
	x, _, err := tp.Client.ExportCandidate(ctx, p.export(provider.OutcomeSuccessful, "Offer"))
	if err != nil {
		t.Fatal(err)
	}

	// The recruiter's tooling has a key of its own: not throttled.
	if _, err := env.Lever.ListStages(ctx); err != nil {
		t.Fatalf("another connection during the throttle: %v", err)
	}
	if d := time.Since(start); d > throttle/2 {
		t.Fatalf("another connection took %v during the throttle", d)
	}

	var got *provider.Export
	eventually(t, throttle+30*time.Second, "the export after the throttle", func() bool {
		g, err := tp.Client.GetExport(ctx, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		got = g
		return g.Status == provider.ExportExported
	})
	if d := time.Since(start); d < throttle-200*time.Millisecond {
		t.Fatalf("exported after %v, inside the %v throttle", d, throttle)
	}
	if got.LastError != "" {
		t.Fatalf("lastError=%q", got.LastError)
	}
	var attempts, failed int
	if err := env.App.DB.SQL().QueryRow(`SELECT COALESCE(MAX(attempt), 0), COUNT(*) FILTER (WHERE last_error <> '') FROM jobs WHERE kind = 'export_sync'`).Scan(&attempts, &failed); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || failed != 0 {
		t.Errorf("the export's job took %d attempts (%d with an error), want one attempt that waited out the throttle", attempts, failed)
	}
	if opps := opportunitiesOf(t, env.Lever, p.email); len(opps) != 1 {
		t.Fatalf("the recruiter sees %d opportunities for the candidate, want 1", len(opps))
	}
}
