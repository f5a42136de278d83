package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
)

// turnOff disables the demo's assessment integration, as an operator
// pressing Disable would.
func turnOff(t *testing.T, env *demo.Env) {
	t.Helper()
	if _, err := env.App.Admin.SaveIntegration(context.Background(), env.Integration.ID, env.Integration.Settings, false); err != nil {
		t.Fatal(err)
	}
}

func occupantIDs(occ []engine.StageOccupant) map[string]string {
	out := map[string]string{}
	for _, o := range occ {
		out[o.OpportunityID] = o.Name
	}
	return out
}

// Candidates already in the trigger stage when an integration is turned on
// (one seeded there long ago, one moved there while it was off) are listed
// by name, and neither Activate nor the sweep orders them; a candidate who
// enters the stage afterwards, whose webhook Lever drops, is ordered by the
// sweep.
func TestSweepLeavesCandidatesAlreadyInTheStageAlone(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	eng, adm := env.App.Engine, env.App.Admin
	seeded := findCandidate(t, env.Lever, "Assessment", "Demo: SQL Basics")
	turnOff(t, env)
	// Moved while the integration is off; its webhook is lost too, so that
	// only the sweep (or the operator) could order them.
	before := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	dropStageChange(t, env, before.ID, "Assessment")

	stage, occ, err := eng.StageOccupants(ctx, env.Integration.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := occupantIDs(occ)
	if stage != "Assessment" || names[seeded.ID] != seeded.Name || names[before.ID] != before.Name {
		t.Fatalf("Activate lists %v in %q, want %s and %s in Assessment", names, stage, seeded.Name, before.Name)
	}
	if _, routed, err := adm.ActivateIntegration(ctx, env.Integration.ID, nil, nil); err != nil || len(routed) != 0 {
		t.Fatalf("activate for new entries only: routed %v, %v", routed, err)
	}

	after := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding", before.ID)
	dropStageChange(t, env, after.ID, "Assessment")
	if err := eng.Reconcile(ctx, demo.ConnectionID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the sweep's order for the candidate who entered after activation", func() bool { return len(ordersOf(t, env, after.ID)) > 0 })
	eventually(t, 20*time.Second, "the sweep done", func() bool { return sweepsDone(t, env) == 1 })
	assertOrderedOnceByReconcile(t, env, after.ID)
	for _, o := range []struct{ what, id string }{{"seeded in the stage", seeded.ID}, {"moved there before activation", before.ID}} {
		if n := len(ordersOf(t, env, o.id)); n != 0 {
			t.Errorf("the candidate %s has %d orders, want none", o.what, n)
		}
		for _, ev := range eventsOf(t, env, o.id) {
			if ev.Source == engine.SourceReconcile {
				t.Errorf("the sweep took up the candidate %s (event %s)", o.what, ev.ID)
			}
		}
	}
	// Lever sees no invitation for them either.
	if v := view(t, env.Lever, before.ID); v.hasTag("Demo Assessments Assessment Invited") || v.notesContaining("Demo Assessments") > 0 {
		t.Errorf("the candidate moved before activation was invited in Lever: %+v", v)
	}
}

// The operator includes the candidates already in the stage when
// activating: exactly the listed ones are ordered.
func TestActivateIncludingCandidatesAlreadyInTheStageOrdersThem(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	eng, adm := env.App.Engine, env.App.Admin
	seeded := findCandidate(t, env.Lever, "Assessment", "Demo: SQL Basics")
	turnOff(t, env)
	// Moved while the integration is off; its webhook is lost too, so that
	// only the sweep (or the operator) could order them.
	before := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	dropStageChange(t, env, before.ID, "Assessment")
	_, occ, err := eng.StageOccupants(ctx, env.Integration.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, o := range occ {
		listed = append(listed, o.OpportunityID)
	}
	_, routed, err := adm.ActivateIntegration(ctx, env.Integration.ID, nil, listed)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(routed, seeded.ID) || !contains(routed, before.ID) {
		t.Fatalf("routed %v, want %s and %s", routed, seeded.ID, before.ID)
	}
	for _, id := range []string{seeded.ID, before.ID} {
		eventually(t, 20*time.Second, "an order for a candidate the operator included", func() bool { return len(ordersOf(t, env, id)) > 0 })
		ordered := 0
		for _, d := range decisions(t, env, id) {
			if d.Decision == domain.DecisionOrdered && d.IntegrationID == env.Integration.ID {
				ordered++
			}
		}
		if n := len(ordersOf(t, env, id)); n != 1 || ordered != 1 {
			t.Errorf("opportunity %s: %d orders, %d ordered decisions, want 1 each", id, n, ordered)
		}
	}
	if o := ordersOf(t, env, before.ID)[0]; o.PackageName != "Go Coding" {
		t.Errorf("order for %s: package %q, want Go Coding", before.Name, o.PackageName)
	}
}

// Lever delivers late the webhook of a move made while the integration was
// off: routed after activation, it orders nothing, since the candidate was
// among those Activate listed as already in the stage.
func TestLateWebhookOfAMoveBeforeActivationOrdersNothing(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	turnOff(t, env)
	before := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	dropStageChange(t, env, before.ID, "Assessment")
	late := droppedDelivery(t, env, before.ID)
	if err := env.SetFaults(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	// stagecoach allows Lever's clock a second behind its own.
	var sent struct {
		TriggeredAt int64 `json:"triggeredAt"`
	}
	if err := json.Unmarshal(late, &sent); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(time.UnixMilli(sent.TriggeredAt).Add(1100 * time.Millisecond)))
	if _, _, err := env.App.Admin.ActivateIntegration(ctx, env.Integration.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	if status, body := postHook(t, env.App.URL()+"/hooks/lever/"+demo.ConnectionID, late); status != http.StatusOK {
		t.Fatalf("the late delivery answered %d: %s", status, body)
	}
	var reason string
	eventually(t, 20*time.Second, "the late stage change routed", func() bool {
		for _, d := range decisions(t, env, before.ID) {
			if d.IntegrationID == env.Integration.ID {
				reason = d.Reason
				return d.Decision == domain.DecisionIgnored
			}
		}
		return false
	})
	if !strings.Contains(reason, "before the integration was activated") {
		t.Errorf("decision reason %q does not say the move came before activation", reason)
	}
	if n := len(ordersOf(t, env, before.ID)); n != 0 {
		t.Errorf("%d orders for a candidate moved before activation, want none", n)
	}
}

// droppedDelivery is the request of the stage-change delivery for oppID the
// sandbox dropped: the webhook as Lever would send it again later.
func droppedDelivery(t *testing.T, env *demo.Env, oppID string) []byte {
	t.Helper()
	var v struct {
		Data []struct {
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
		if json.Unmarshal(d.Request, &body) == nil && body.Data.OpportunityID == oppID && d.Dropped {
			return d.Request
		}
	}
	t.Fatalf("no dropped delivery for %s", oppID)
	return nil
}

// Activate lists a confidential candidate already in the trigger stage too
// (the credentials may see confidential data), so the operator can include
// them, as the sweep would have seen them.
func TestActivateListsConfidentialCandidatesAlreadyInTheStage(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/postings", map[string]any{"text": "Stealth Staff Engineer", "confidential": true}, &created)
	var applied struct {
		Opportunity struct {
			ID string `json:"id"`
		} `json:"opportunity"`
	}
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/postings/"+created.Data.ID+"/apply", map[string]any{"name": "Quinn Hidden", "email": "quinn.hidden@example.org"}, &applied)
	turnOff(t, env)
	dropStageChange(t, env, applied.Opportunity.ID, "Assessment")
	_, occ, err := env.App.Engine.StageOccupants(ctx, env.Integration.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if names := occupantIDs(occ); names[applied.Opportunity.ID] != "Quinn Hidden" {
		t.Fatalf("Activate lists %v, want the confidential candidate Quinn Hidden too", names)
	}
}
