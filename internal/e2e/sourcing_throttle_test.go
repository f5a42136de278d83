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
// own tooling on another key is not slowed. The throttle is three seconds
// here; the client keeps retrying for two minutes (TestRateLimitBudget).
func TestSourcingExportWaitsOutAThrottledConnection(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")

	const throttle = 3 * time.Second
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

	got := waitExported(t, tp, x.ID)
	if d := time.Since(start); d < throttle-200*time.Millisecond {
		t.Fatalf("exported after %v, inside the %v throttle", d, throttle)
	}
	if got.LastError != "" {
		t.Fatalf("lastError=%q", got.LastError)
	}
	if opps := opportunitiesOf(t, env.Lever, p.email); len(opps) != 1 {
		t.Fatalf("the recruiter sees %d opportunities for the candidate, want 1", len(opps))
	}
}
