package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// Two assessment providers cannot share a package tag on one connection:
// enabling or activating the second is refused and its setup check says
// why, so a tagged candidate is ordered from the first provider only.
func TestPackageTagCollisionBlocksEnabling(t *testing.T) {
	t.Parallel()
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	adm := env.App.Admin
	first := addTestProvider(t, env, "acme-assess", "Acme", domain.KindAssessment,
		[]provider.Package{{ID: "java", Name: "Java", Kind: "assessment", LeverTag: "Acme: Java"}}, `{}`)

	// The second provider is enabled first with no packages, then disabled,
	// then publishes a tag that differs only in case.
	second := addTestProvider(t, env, "rival-assess", "Rival", domain.KindAssessment, nil, `{}`)
	var ins []*domain.Integration
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		ins, err = tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: second.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var rivalInt *domain.Integration
	for _, in := range ins {
		if in.ProviderID == second.ID {
			rivalInt = in
		}
	}
	if rivalInt == nil {
		t.Fatal("no integration of the second provider")
	}
	_, err := second.Client.PublishPackages(ctx, []provider.Package{{ID: "java", Name: "Java", Kind: "assessment", LeverTag: "ACME: java"}})
	if problemStatus(err) != 409 || !strings.Contains(err.Error(), `"ACME: java"`) || strings.Contains(err.Error(), "Acme ") {
		t.Fatalf("publishing a tag of another enabled provider: %v, want a 409 naming the tag only", err)
	}
	if _, err := adm.SaveIntegration(ctx, rivalInt.ID, rivalInt.Settings, false); err != nil {
		t.Fatal(err)
	}
	if _, err := second.Client.PublishPackages(ctx, []provider.Package{{ID: "java", Name: "Java", Kind: "assessment", LeverTag: "ACME: java"}}); err != nil {
		t.Fatalf("publishing while enabled nowhere: %v", err)
	}

	// The setup check says so, and activating is refused.
	findings, err := adm.CheckIntegration(ctx, rivalInt.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range findings {
		if f.Severity == admin.SeverityError && strings.Contains(f.Message, `"ACME: java" is also a package tag of Acme`) {
			found = true
		}
	}
	if !found || findings.OK() {
		t.Fatalf("setup check = %+v, want an error about the shared tag", findings)
	}
	_, err = adm.SaveIntegration(ctx, rivalInt.ID, rivalInt.Settings, true)
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), `"ACME: java" is also a package tag of Acme`) {
		t.Fatalf("activating = %v, want a conflict naming the tag and the other provider", err)
	}
	// Enabling anew on the connection is refused the same way.
	if _, err := adm.CreateIntegration(ctx, demo.ConnectionID, second.ID, json.RawMessage(`{}`)); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("a second integration = %v, want a conflict", err)
	}

	// A recruiter's tagged candidate gets the first provider's order only.
	opp := findCandidate(t, env.Lever, "New applicant", "")
	if err := env.Lever.AddTags(ctx, opp.ID, []string{"Acme: Java"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "order.created", func() bool { return len(first.messages("order.created")) == 1 })
	if os := ordersOf(t, env, opp.ID); len(os) != 1 || os[0].ProviderID != first.ID {
		t.Errorf("orders of the candidate = %+v, want one, of %s", os, first.ID)
	}
}
