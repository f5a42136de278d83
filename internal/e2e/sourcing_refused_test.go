package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/store"
	"stagecoach/provider"
)

// When Lever refuses the create for good (here: the mapped posting is gone
// since the integration was set up), the export fails with Lever's reason
// and the provider is told; no job is left retrying.
func TestSourcingLeverRefusalFailsTheExport(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: sourcer})
		if err != nil || len(ins) != 1 {
			t.Fatalf("integrations: %v %d", err, len(ins))
		}
		var s map[string]any
		_ = json.Unmarshal(ins[0].Settings, &s)
		s["rolePostings"] = map[string]string{"role-backend": "0badf00d-0000-4000-8000-000000000000"}
		ins[0].Settings, _ = json.Marshal(s)
		return tx.IntegrationUpdate(ctx, ins[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	got := exportThatFails(t, tp, newSourcedPerson("max").export(provider.OutcomeSuccessful, "Offer"))
	if got.Status != provider.ExportFailed || !strings.Contains(got.LastError, "Lever refused") || !strings.Contains(got.LastError, "0badf00d") {
		t.Errorf("export = %s %q, want failed with Lever's reason", got.Status, got.LastError)
	}
}

// An integration switched off passes nothing on, but a deletion in Lever
// still purges its exports' personal data.
func TestSourcingDeletePurgesWhenTheIntegrationIsOff(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	ned := newSourcedPerson("ned")
	x, _, err := tp.Client.ExportCandidate(ctx, ned.export(provider.OutcomeSuccessful, "Offer"))
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, tp, x.ID)
	err = env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		in, err := tx.IntegrationGet(ctx, x.IntegrationID)
		if err != nil {
			return err
		}
		in.Enabled = false
		return tx.IntegrationUpdate(ctx, in)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Delete(ctx, x.Opportunity.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the export to be purged", func() bool {
		got, err := tp.Client.GetExport(ctx, x.ID)
		return err == nil && got.Status == provider.ExportDeleted
	})
	assertNoPersonalData(t, env, ned)
	if n := len(messagesFor(t, tp, provider.WebhookExportDeleted, x.ID)); n != 0 {
		t.Errorf("%d deletion webhooks from a disabled integration", n)
	}
}
