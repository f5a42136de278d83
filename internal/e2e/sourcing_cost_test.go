package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"stagecoach/provider"
)

// Twenty exports (half pseudonymous) cost at most three Lever calls each:
// create with the CV and read the new opportunity back, plus the
// perform-as user, looked up once a minute.
//
//	go test ./internal/e2e -run TestSourcingExportCost -v
func TestSourcingExportCost(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "all")
	time.Sleep(500 * time.Millisecond) // let the setup's own calls settle
	before := env.App.Metrics.LeverCalls()
	start := time.Now()
	var ids []string
	for i := range 20 {
		outcome := provider.OutcomeSuccessful
		if i%2 == 1 {
			outcome = provider.OutcomeUnsuccessful
		}
		x, _, err := tp.Client.ExportCandidate(ctx, newSourcedPerson(fmt.Sprintf("cost%02d", i)).export(outcome, "Offer"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, x.ID)
	}
	for _, id := range ids {
		waitExported(t, tp, id)
	}
	elapsed := time.Since(start)
	perExport := (env.App.Metrics.LeverCalls() - before) / 20
	t.Logf("20 exports: %.1f Lever calls each; all in Lever after %s", perExport, elapsed.Round(10*time.Millisecond))
	if perExport > 3 {
		t.Errorf("%.1f Lever calls per export, want at most 3", perExport)
	}
}
