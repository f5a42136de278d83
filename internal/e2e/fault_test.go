package e2e

import (
	"context"
	"testing"
	"time"

	"os"
	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store/storetest"
)

// With Lever answering 20% of calls with 429 or 5xx, and some writes timing
// out after they were applied, every candidate still completes exactly once.
func TestAssessmentUnderInjectedFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("runs many candidates through a faulty Lever")
	}
	t.Parallel()
	const candidates = 30
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0", ProviderDelay: 20 * time.Millisecond, DataDir: t.TempDir()}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.Sandbox = func(c *leversandbox.Config) {
		c.RatePerSecond = -1
		c.WebhookRetryDelays = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond}
	}
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Queue.BaseBackoff = 50 * time.Millisecond
		c.Queue.MaxBackoff = time.Second
		c.Engine.LeverRate, c.Engine.LeverBurst = 500, 500
		c.Engine.LeverTimeout = 700 * time.Millisecond
		c.Engine.ReconcileInterval = -1
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	ctx := context.Background()
	ids := createCandidates(t, env.Lever, candidates, "Fault")

	if err := env.SetFaults(ctx, map[string]any{"rate429": 0.1, "rate5xx": 0.1, "timeoutAfterWriteRate": 0.1, "seed": 7}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := postStage(env.SandboxURL, id, "Assessment"); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 4*time.Minute, "every candidate to complete", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM effects WHERE kind = 'stage' AND status = 'done'`).Scan(&n)
		return n >= candidates
	})
	if err := env.SetFaults(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	assertExactlyOnce(t, env.Lever, ids)
	var uncertain int
	_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM effects WHERE attempts > 1`).Scan(&uncertain)
	t.Logf("%d journal entries needed more than one attempt", uncertain)
	if uncertain == 0 {
		t.Error("no write needed a second attempt: the faults were not exercised")
	}
}
