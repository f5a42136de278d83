package e2e

import (
	"context"
	"strings"
	"testing"

	"stagecoach/internal/store"
	"stagecoach/provider"
)

// When Lever accepts the create but does not keep some of what was sent
// (the sandbox drops the phones and links, as Lever does with a field it
// does not read), the export still succeeds, and both the provider (on the
// export and in export.created) and the operator (the export's last error)
// learn which kinds of data are missing from the candidate in Lever. An
// export whose data all landed reports nothing.
func TestSourcingExportReportsWhatLeverDidNotKeep(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	if err := postJSON(env.SandboxURL+"/_sandbox/faults", map[string]any{"ignoreCreateFields": []string{"phones", "links"}}); err != nil {
		t.Fatal(err)
	}

	x, _, err := tp.Client.ExportCandidate(ctx, newSourcedPerson("lost").export(provider.OutcomeSuccessful, "Offer"))
	if err != nil {
		t.Fatal(err)
	}
	got := waitExported(t, tp, x.ID)
	for _, want := range []string{"Lever did not keep", "phones (1 of 1)", "links (2 of 2)"} {
		if !strings.Contains(got.LastError, want) {
			t.Errorf("the provider reads lastError %q, want it to say %q", got.LastError, want)
		}
	}
	if strings.Contains(got.LastError, "emails") || strings.Contains(got.LastError, "+44") {
		t.Errorf("lastError %q names what landed, or a value", got.LastError)
	}
	created := messagesFor(t, tp, provider.WebhookExportCreated, x.ID)
	if len(created) != 1 || created[0].Change["notKept"] == nil {
		t.Fatalf("export.created change=%v, want notKept", created[0].Change)
	}
	// The operator's export page shows the record's last error.
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		rec, err := tx.ExportGet(ctx, x.ID)
		if err == nil && rec.LastError != got.LastError {
			t.Errorf("the operator sees %q", rec.LastError)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// All landed: nothing to report.
	if err := postJSON(env.SandboxURL+"/_sandbox/faults", map[string]any{}); err != nil {
		t.Fatal(err)
	}
	y, _, err := tp.Client.ExportCandidate(ctx, newSourcedPerson("kept").export(provider.OutcomeSuccessful, "Offer"))
	if err != nil {
		t.Fatal(err)
	}
	if got := waitExported(t, tp, y.ID); got.LastError != "" {
		t.Fatalf("an export that fully landed reports %q", got.LastError)
	}
	if c := messagesFor(t, tp, provider.WebhookExportCreated, y.ID)[0].Change; c["notKept"] != nil {
		t.Fatalf("export.created change=%v", c)
	}
}
