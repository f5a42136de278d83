package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/cli"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// dropStageChange moves an opportunity into stage while the sandbox drops
// every webhook delivery, and waits until Lever has given up on it.
func dropStageChange(t *testing.T, env *demo.Env, oppID, stage string) {
	t.Helper()
	ctx := context.Background()
	if err := env.SetFaults(ctx, map[string]any{"dropWebhookRate": 1}); err != nil {
		t.Fatal(err)
	}
	if err := env.MoveToStage(ctx, oppID, stage); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "Lever to give up delivering the stage change", func() bool {
		var v struct {
			Data []struct {
				Outcome string          `json:"outcome"`
				Dropped bool            `json:"dropped"`
				Request json.RawMessage `json:"request"`
			} `json:"data"`
		}
		adminJSON(t, env.SandboxURL, http.MethodGet, "/_sandbox/deliveries?event="+lever.EventCandidateStageChange, nil, &v)
		for _, d := range v.Data {
			var body struct {
				Data struct {
					OpportunityID string `json:"opportunityId"`
				} `json:"data"`
			}
			_ = json.Unmarshal(d.Request, &body)
			if body.Data.OpportunityID == oppID && d.Outcome == "failed" && d.Dropped {
				return true
			}
		}
		return false
	})
	if err := env.SetFaults(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
}

// ordersOf returns an opportunity's orders.
func ordersOf(t *testing.T, env *demo.Env, oppID string) []*domain.Order {
	t.Helper()
	ctx := context.Background()
	var out []*domain.Order
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		out, _, err = tx.OrderList(ctx, store.OrderFilter{ConnectionID: demo.ConnectionID, OpportunityID: oppID, Limit: 100})
		return
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// eventsOf returns the Lever events stagecoach holds for an opportunity.
func eventsOf(t *testing.T, env *demo.Env, oppID string) []*domain.LeverEvent {
	t.Helper()
	ctx := context.Background()
	var out []*domain.LeverEvent
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		out, err = tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: oppID})
		return
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// sweepsDone counts the finished reconciliation sweeps.
func sweepsDone(t *testing.T, env *demo.Env) int {
	t.Helper()
	ctx := context.Background()
	var jobs []*domain.Job
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		jobs, err = tx.JobList(ctx, store.JobFilter{Kind: engine.JobReconcile, Status: domain.JobDone})
		return
	}); err != nil {
		t.Fatal(err)
	}
	return len(jobs)
}

// assertOrderedOnceByReconcile checks that the opportunity has one order,
// placed by a sweep: one event from the sweep, decided "ordered".
func assertOrderedOnceByReconcile(t *testing.T, env *demo.Env, oppID string) {
	t.Helper()
	if n := len(ordersOf(t, env, oppID)); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	evs := eventsOf(t, env, oppID)
	if len(evs) != 1 || evs[0].Source != engine.SourceReconcile {
		for _, ev := range evs {
			t.Logf("event %s from %s", ev.ID, ev.Source)
		}
		t.Fatalf("%d events for the opportunity, want the one a sweep found", len(evs))
	}
	ordered := 0
	for _, d := range decisions(t, env, oppID) {
		if d.Decision == domain.DecisionOrdered {
			ordered++
		}
	}
	if ordered != 1 {
		t.Errorf("%d ordered decisions, want 1", ordered)
	}
}

// Lever gives up on a stage change: a sweep run on demand finds the
// opportunity in the trigger stage and orders what the webhook would have;
// a second sweep orders nothing.
func TestReconcileOnDemandRecoversADroppedWebhook(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	dropStageChange(t, env, opp.ID, "Assessment")
	if evs := eventsOf(t, env, opp.ID); len(evs) != 0 {
		t.Fatalf("stagecoach holds %d events for the opportunity before the sweep; the webhook was not dropped", len(evs))
	}

	// The operator asks for a sweep.
	args := []string{"reconcile", "--connection", demo.ConnectionID, "--data", env.DataDir}
	if env.Database != "" {
		args = append(args, "--database", env.Database)
	}
	var out, errOut bytes.Buffer
	if err := cli.Run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("stagecoach reconcile: %v\n%s", err, errOut.String())
	}
	// The sweep, the routing of what it found and the order it made are
	// jobs: once the queue is idle they are done.
	waitIdle(t, env)
	if n := sweepsDone(t, env); n != 1 {
		t.Fatalf("%d sweeps done, want 1", n)
	}
	assertOrderedOnceByReconcile(t, env, opp.ID)
	// The provider reads the decision, and where its event came from.
	evs, err := provider.NewClient(env.App.URL(), env.ProviderAPIKey).ListLeverEvents(ctx, opp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Source != "reconcile" || len(evs[0].Decisions) != 1 || evs[0].Decisions[0].Decision != "ordered" {
		t.Errorf("the provider API shows %+v, want one event from reconciliation, ordered", evs)
	}
	// So does the operator.
	out.Reset()
	args = []string{"events", "--opportunity", opp.ID, "--data", env.DataDir}
	if env.Database != "" {
		args = append(args, "--database", env.Database)
	}
	if err := cli.Run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("stagecoach events: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "(reconcile, demo)") || !strings.Contains(out.String(), "ordered: ordered \"Go Coding\"") {
		t.Errorf("stagecoach events printed:\n%s", out.String())
	}
	order := ordersOf(t, env, opp.ID)[0]
	if order.PackageName != "Go Coding" || order.Candidate.Name != opp.Name {
		t.Errorf("order = %s for %s, want Go Coding for %s", order.PackageName, order.Candidate.Name, opp.Name)
	}

	if err := env.App.Engine.Reconcile(ctx, demo.ConnectionID); err != nil {
		t.Fatal(err)
	}
	waitIdle(t, env)
	if n := sweepsDone(t, env); n != 2 {
		t.Fatalf("%d sweeps done, want 2", n)
	}
	assertOrderedOnceByReconcile(t, env, opp.ID)
}

// The same on the schedule: nobody asks, the next sweeps find the lost
// stage change, order once, and order nothing more.
func TestReconcileScheduleRecoversADroppedWebhook(t *testing.T) {
	t.Parallel()
	env := startDemoWith(t, time.Hour, func(c *demo.Config) {
		prev := c.App
		c.App = func(a *app.Config) { prev(a); a.Engine.ReconcileInterval = time.Second }
	})
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	dropStageChange(t, env, opp.ID, "Assessment")
	eventually(t, 20*time.Second, "a scheduled sweep's order", func() bool { return len(ordersOf(t, env, opp.ID)) > 0 })
	after := sweepsDone(t, env)
	eventually(t, 20*time.Second, "two more scheduled sweeps", func() bool { return sweepsDone(t, env) >= after+2 })
	assertOrderedOnceByReconcile(t, env, opp.ID)
}
