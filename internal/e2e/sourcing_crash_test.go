package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/provider"
)

// The server is killed with SIGKILL at random moments while 60 candidates
// (half of them pseudonymous) are exported, and restarted each time: every
// export ends with its opportunity, and Lever holds exactly one opportunity
// per candidate.
func TestSourcingCrashRecoveryUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server many times")
	}
	const candidates = 60
	ctx := context.Background()
	bin := buildBinary(t)
	rig := newCrashRig(t, 300*time.Millisecond, time.Second, 2*time.Second)
	sbURL, lc, addr, db, adm := rig.sandboxURL, rig.lever, rig.addr, rig.db, rig.adm
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(hooks.Close)

	p, apiKey, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "hackajob", Name: sourcer, Kind: domain.KindSourcing, WebhookURL: hooks.URL})
	if err != nil {
		t.Fatal(err)
	}
	settings := `{"stageMap":{"Offer":"Offer"},"exportPolicy":"all","performAs":"alex.morgan@example.com"}`
	if _, err := adm.CreateIntegration(ctx, "crash", p.ID, json.RawMessage(settings)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	srv := rig.serve(t, bin, "--job-lease", "2s", "--lever-rate", "1000", "--lever-burst", "1000", "--lever-timeout", "5s", "--log-level", "info")
	// Slow Lever down, so that kills land while creates are on the wire.
	if err := postJSON(sbURL+"/_sandbox/faults", map[string]any{"latencyMs": 120}); err != nil {
		t.Fatal(err)
	}

	// The provider exports every candidate, retrying while the server is
	// down (every retry is the same export).
	client := provider.NewClient("http://"+addr, apiKey, provider.WithTimeout(3*time.Second))
	people := make([]sourcedPerson, candidates)
	ids := make([]string, candidates)
	exported := make(chan struct{})
	go func() {
		defer close(exported)
		for i := range people {
			people[i] = newSourcedPerson(fmt.Sprintf("crash%03d", i))
			outcome := provider.OutcomeSuccessful
			if i%2 == 1 {
				outcome = provider.OutcomeUnsuccessful
			}
			in := people[i].export(outcome, "Offer")
			in.RoleID = ""
			for deadline := time.Now().Add(time.Minute); ; {
				x, _, err := client.ExportCandidate(ctx, in)
				if err == nil {
					ids[i] = x.ID
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("export %d: %v", i, err)
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	allExported := func() bool {
		select {
		case <-exported:
		default:
			return false
		}
		for _, id := range ids {
			x, err := client.GetExport(ctx, id)
			if err != nil || x.Status != provider.ExportExported {
				return false
			}
		}
		return true
	}
	kills := srv.killUntil(allExported, "every export to have its opportunity", 10, 200*time.Millisecond, 800*time.Millisecond, 5*time.Minute)
	t.Logf("%d candidates exported across %d SIGKILLs", candidates, kills)

	// Exactly one opportunity per candidate, and it is the linked one.
	byName := map[string][]string{}
	for o, err := range lc.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{sourcer}}) {
		if err != nil {
			t.Fatal(err)
		}
		byName[o.Name] = append(byName[o.Name], o.ID)
	}
	total := 0
	for _, v := range byName {
		total += len(v)
	}
	if total != candidates {
		t.Errorf("%d opportunities in Lever for %d exported candidates", total, candidates)
	}
	for i, id := range ids {
		x, err := client.GetExport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		name := people[i].name
		if x.Pseudonym != "" {
			name = x.Pseudonym
		}
		if opps := byName[name]; len(opps) != 1 || x.Opportunity == nil || opps[0] != x.Opportunity.ID {
			t.Errorf("candidate %d (%s): opportunities %v, export linked to %+v", i, name, opps, x.Opportunity)
		}
	}
	logText, _ := os.ReadFile(srv.log.Name())
	retried := 0
	for _, line := range strings.Split(string(logText), "\n") {
		if strings.Contains(line, "an earlier attempt landed") && strings.Contains(line, "effect=create_opportunity") {
			retried++
		}
	}
	t.Logf("%d creates were cut off by a kill and looked up in Lever before a retry", retried)
}

func postJSON(url string, body any) error {
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("POST %s: %s", url, resp.Status)
	}
	return nil
}
