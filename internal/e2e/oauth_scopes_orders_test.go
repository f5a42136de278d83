package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// heldHooks stands between Lever and stagecoach for the webhooks registered
// on its URL: it answers Lever 200 and keeps each delivery until the test
// passes it on, the way a delivery Lever retries later arrives after the
// events fired with it.
type heldHooks struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []heldDelivery
}

type heldDelivery struct {
	path string
	body []byte
	opp  string
}

func newHeldHooks(t *testing.T) *heldHooks {
	t.Helper()
	h := &heldHooks{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var d struct {
			Data struct {
				OpportunityID string `json:"opportunityId"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &d)
		h.mu.Lock()
		h.got = append(h.got, heldDelivery{path: r.URL.Path, body: body, opp: d.Data.OpportunityID})
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// release waits for a delivery about the opportunity and passes it on to
// stagecoach at base, unchanged.
func (h *heldHooks) release(t *testing.T, base, oppID string) {
	t.Helper()
	var d heldDelivery
	eventually(t, 20*time.Second, "the held webhook about "+oppID, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		for i, g := range h.got {
			if g.opp == oppID {
				d = g
				h.got = append(h.got[:i], h.got[i+1:]...)
				return true
			}
		}
		return false
	})
	if status, body := postHook(t, base+d.path, d.body); status != http.StatusOK {
		t.Fatalf("passing the held webhook on: %d %s", status, body)
	}
}

// leverEventsOf returns the Lever events stagecoach stored about an
// opportunity.
func leverEventsOf(t *testing.T, env *demo.Env, oppID string) []*domain.LeverEvent {
	t.Helper()
	ctx := context.Background()
	var evs []*domain.LeverEvent
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		evs, err = tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: oppID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return evs
}

// waitHandled waits until stagecoach has stored the Lever event about the
// opportunity and run the work it queued.
func waitHandled(t *testing.T, env *demo.Env, oppID, event string) {
	t.Helper()
	eventually(t, 20*time.Second, event+" of "+oppID+" to reach stagecoach", func() bool {
		for _, ev := range leverEventsOf(t, env, oppID) {
			if ev.Event == event {
				return true
			}
		}
		return false
	})
	waitIdle(t, env)
}

// An assessment integration on a grant of exactly the assessment scopes,
// in an account that also sends stagecoach candidateHired and the interview
// events: an interview is scheduled for a candidate with an open order, the
// candidate is archived; another is hired, and Lever's candidateHired
// arrives before the archive change sent with it (as when the archive
// change's first delivery fails). The interview and the hire are nothing to
// an order, so stagecoach reads no interview and no archive reason (scopes
// the assessment kind does not hold); each archive change cancels its order
// and the tool is told why; Lever refuses no call.
func TestOAuthScopesAssessmentOrdersArchivedAndHired(t *testing.T) {
	t.Parallel()
	kind := domain.KindAssessment
	se := startScopedDemo(t, time.Hour, engine.LeverScopes(kind), kind)
	ctx := context.Background()
	adm := se.App.Admin
	held := newHeldHooks(t)
	if _, err := adm.RegisterWebhooks(ctx, demo.ConnectionID, held.srv.URL, []string{lever.EventCandidateArchiveChange}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.RegisterWebhooks(ctx, demo.ConnectionID, se.App.URL(), []string{lever.EventCandidateHired, lever.EventInterviewCreated}); err != nil {
		t.Fatal(err)
	}
	tp := addTestProvider(t, se.Env, "scoped-assess", "Scoped Assess", kind,
		[]provider.Package{{ID: "go", Name: "Go", Kind: "assessment", LeverTag: "Scoped: Go"}}, `{}`)
	archived := findCandidate(t, se.Lever, "New applicant", "")
	hired := findCandidate(t, se.Lever, "New applicant", "", archived.ID)
	for _, opp := range []*lever.Opportunity{archived, hired} {
		if err := se.Lever.AddTags(ctx, opp.ID, []string{"Scoped: Go"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := se.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "both orders at the tool", func() bool { return len(tp.messages(provider.WebhookOrderCreated)) == 2 })
	defer func() {
		if t.Failed() {
			for _, r := range se.reqs.requests(func(r loggedRequest) bool { return r.Credential == se.client }) {
				t.Logf("%s %s %d (%s)", r.Method, r.Path, r.Status, r.Route)
			}
		}
	}()

	// An interview in Lever for a candidate whose order is open.
	tom, err := se.Lever.FindUserByEmail(ctx, "tom.becker@example.com")
	if err != nil {
		t.Fatal(err)
	}
	leverAPICall(t, se.Env, "POST", "/v1/opportunities/"+archived.ID+"/panels?perform_as="+tom.ID, map[string]any{
		"timezone": "Europe/London",
		"interviews": []map[string]any{{"subject": "Phone screen", "interviewers": []map[string]any{{"id": tom.ID}},
			"date": time.Now().Add(48 * time.Hour).UnixMilli(), "duration": 30}},
	})
	waitHandled(t, se.Env, archived.ID, lever.EventInterviewCreated)

	// Archived as rejected.
	if err := se.Archive(ctx, archived.ID, "Underqualified"); err != nil {
		t.Fatal(err)
	}
	held.release(t, se.App.URL(), archived.ID)

	// Hired: candidateHired first, while the order is still open.
	if err := se.Archive(ctx, hired.ID, "Hired"); err != nil {
		t.Fatal(err)
	}
	waitHandled(t, se.Env, hired.ID, lever.EventCandidateHired)
	if got := ordersOf(t, se.Env, hired.ID); len(got) != 1 || got[0].Status == domain.OrderCancelled {
		t.Fatalf("orders of the hired candidate before the archive change: %+v, want one still open", got)
	}
	held.release(t, se.App.URL(), hired.ID)

	eventually(t, 20*time.Second, "order.cancelled for both candidates", func() bool { return len(tp.messages(provider.WebhookOrderCancelled)) == 2 })
	for _, m := range tp.messages(provider.WebhookOrderCancelled) {
		if o := orderOf(t, m); o.Status != "cancelled" || o.Reason != "opportunity_archived" {
			t.Errorf("order.cancelled = status %q reason %q, want cancelled, opportunity_archived", o.Status, o.Reason)
		}
	}
	for _, opp := range []*lever.Opportunity{archived, hired} {
		if got := ordersOf(t, se.Env, opp.ID); len(got) != 1 || got[0].Status != domain.OrderCancelled {
			t.Errorf("orders of %s: %+v, want one cancelled", opp.ID, got)
		}
		for _, d := range decisions(t, se.Env, opp.ID) {
			if strings.Contains(d.Reason, "does not confirm") {
				t.Errorf("decision on %s: %s", opp.ID, d.Reason)
			}
		}
	}
	se.assertCallsWithin(t, kind)
}
