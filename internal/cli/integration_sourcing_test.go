package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// `integration update` checks a sourcing integration's settings against
// Lever and names the setting that is wrong; a valid update is stored;
// `exports` lists the exports.
func TestIntegrationUpdateChecksSettingsAgainstLever(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	ctx := context.Background()
	var integID string
	err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		// A signing token for every event: the setup check that
		// `integration update` runs wants the flow's webhooks set up.
		if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: leverURL, APIKey: "k", SigningToken: "tok"}); err != nil {
			return err
		}
		if _, _, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "hackajob", Name: "hackajob", Kind: domain.KindSourcing}); err != nil {
			return err
		}
		in, err := adm.CreateIntegration(ctx, "acme", "hackajob", nil)
		integID = in.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Run(ctx, append([]string{"integration", "update", "--id", integID}, args...), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if _, err := run("--settings", `{"performAs":"nobody@example.com"}`); err == nil || !strings.Contains(err.Error(), "performAs") || !strings.Contains(err.Error(), "nobody@example.com") {
		t.Errorf("unknown perform-as user: %v, want an error naming performAs", err)
	}
	if _, err := run("--settings", `{"exportPolicy":"some"}`); err == nil || !strings.Contains(err.Error(), "exportPolicy") {
		t.Errorf("unknown policy: %v, want an error naming exportPolicy", err)
	}
	out, err := run("--settings", `{"performAs":"rkhan@example.com","exportPolicy":"all","stageMap":{"Onsite":"On-site"},"defaultStage":"New lead"}`)
	if err != nil || !strings.Contains(out, `"exportPolicy":"all"`) {
		t.Fatalf("valid update: %v: %s", err, out)
	}
	// Merged: a later update keeps the other settings, and a bad stage in
	// it is refused, naming stageMap.
	if _, err := run("--settings", `{"stageMap":{"Onsite":"Nowhere"}}`); err == nil || !strings.Contains(err.Error(), "stageMap") {
		t.Errorf("unknown Lever stage: %v, want an error naming stageMap", err)
	}

	// `exports` lists what was exported.
	var exportID string
	err = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		p, err := providerOf(ctx, e, "hackajob")
		if err != nil {
			return err
		}
		x, _, err := e.Export(ctx, p, engine.ExportInput{ProviderCandidateID: "hj-7", Outcome: domain.OutcomeUnsuccessful})
		if x != nil {
			exportID = x.ID
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var out2, errOut bytes.Buffer
	if err := Run(ctx, []string{"exports", "--provider", "hackajob"}, &out2, &errOut); err != nil {
		t.Fatalf("exports: %v: %s", err, errOut.String())
	}
	if !strings.Contains(out2.String(), exportID) || !strings.Contains(out2.String(), "hj-7 (Candidate ") || !strings.Contains(out2.String(), "pending") {
		t.Errorf("exports printed:\n%s", out2.String())
	}
}

func providerOf(ctx context.Context, e *engine.Engine, id string) (*domain.Provider, error) {
	var p *domain.Provider
	err := e.DB().InTx(ctx, func(tx *store.Tx) (err error) { p, err = tx.ProviderGet(ctx, id); return })
	return p, err
}
