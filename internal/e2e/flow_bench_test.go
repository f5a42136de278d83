package e2e

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store"
)

// BenchmarkAssessmentFlow runs b.N candidates (at least 20) through the
// assessment flow against the sandbox at Lever's default rate limit and
// reports the time from each stage change to its invite note in Lever (p50,
// p99) and the Lever calls per completed assessment.
//
//	go test ./internal/e2e -run '^$' -bench AssessmentFlow -benchtime 40x
func BenchmarkAssessmentFlow(b *testing.B) {
	n := max(b.N, 20)
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0", ProviderDelay: 10 * time.Millisecond, DataDir: b.TempDir()}
	cfg.Sandbox = func(c *leversandbox.Config) { c.RatePerSecond = -1 }
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 10 * time.Millisecond
		c.Engine.ReconcileInterval = -1
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	ctx := context.Background()
	ids := createCandidates(b, env.Lever, n, "Bench")
	callsBefore := env.App.Metrics.LeverCalls()
	b.ResetTimer()
	for _, id := range ids {
		if err := postStage(env.SandboxURL, id, "Assessment"); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var done int
		_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM effects WHERE kind = 'stage' AND status = 'done'`).Scan(&done)
		if done >= n {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d completed", done, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.StopTimer()
	calls := env.App.Metrics.LeverCalls() - callsBefore

	// Stage change (Lever's triggeredAt) to the invite note's createdAt.
	var lat []time.Duration
	for _, id := range ids {
		var trig int64
		err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: id})
			for _, e := range evs {
				if trig == 0 || e.TriggeredAt < trig {
					trig = e.TriggeredAt
				}
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		for note, err := range env.Lever.ListNotes(ctx, id) {
			if err != nil {
				b.Fatal(err)
			}
			if strings.Contains(note.Value(), "Candidate link") {
				lat = append(lat, time.Duration(int64(note.CreatedAt)-trig)*time.Millisecond)
			}
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-invite-ms")
		b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Milliseconds()), "p99-invite-ms")
	}
	b.ReportMetric(calls/float64(n), "lever-calls/assessment")
}
