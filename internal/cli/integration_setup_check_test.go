package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

func runCLI(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = Run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func integrations(t *testing.T, e *engine.Engine, ctx context.Context) []*domain.Integration {
	t.Helper()
	var ins []*domain.Integration
	if err := e.DB().InTx(ctx, func(tx *store.Tx) (err error) { ins, err = tx.IntegrationList(ctx, store.IntegrationFilter{}); return }); err != nil {
		t.Fatal(err)
	}
	return ins
}

// `integration create` and `update` run the setup check Activate runs and
// refuse, in its words, what it refuses; --force keeps a disabled draft. A
// clean create is active and names the candidates already in the trigger
// stage, leaving them alone until `integration activate
// --include-existing` orders them.
func TestIntegrationCreateAndUpdateRunTheSetupCheck(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	ctx := context.Background()
	err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "bare", Environment: "custom", BaseURL: leverURL, APIKey: "k"}); err != nil {
			return err
		}
		if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: leverURL, APIKey: "k", SigningToken: "tok"}); err != nil {
			return err
		}
		_, _, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "imocha", Name: "iMocha", Kind: domain.KindAssessment, WebhookURL: "https://tool.example/hooks"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// Refused: a misspelt stage, and no webhooks on the connection.
	_, _, err = runCLI(ctx, "integration", "create", "--connection", "bare", "--provider", "imocha", "--settings", `{"triggerStage":"Assesment"}`)
	if err == nil || !strings.Contains(err.Error(), `triggerStage: The trigger stage "Assesment" is not a stage of this Lever account`) || !strings.Contains(err.Error(), "candidateStageChange is not set up") {
		t.Fatalf("create with a misspelt stage and no webhooks: %v, want the setup check's words", err)
	}
	_ = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		if ins := integrations(t, e, ctx); len(ins) != 0 {
			t.Errorf("a refused create left %d integrations", len(ins))
		}
		return nil
	})

	// --force keeps it, disabled.
	out, _, err := runCLI(ctx, "integration", "create", "--connection", "bare", "--provider", "imocha", "--settings", `{"triggerStage":"Assesment"}`, "--force")
	if err != nil || !strings.Contains(out, "disabled draft") {
		t.Fatalf("create --force: %v\n%s", err, out)
	}
	_ = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		ins := integrations(t, e, ctx)
		if len(ins) != 1 || ins[0].Enabled || !ins[0].ActivatedAt.IsZero() {
			t.Fatalf("after create --force: %+v, want one disabled, never activated integration", ins)
		}
		return nil
	})

	// A clean create is active, lists who already sits in Assessment
	// (the seed's Ines Alvarez) and sends nothing for them.
	out, errOut, err := runCLI(ctx, "integration", "create", "--connection", "acme", "--provider", "imocha", "--settings", `{"triggerStage":"Assessment"}`)
	if err != nil {
		t.Fatalf("clean create: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{"already in the trigger stage Assessment", "Ines Alvarez", "left alone", "created and active"} {
		if !strings.Contains(out, want) {
			t.Errorf("clean create printed no %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "database: SQLite at ") && !strings.Contains(errOut, "database: PostgreSQL at ") {
		t.Errorf("clean create did not name its database: %s", errOut)
	}
	var id string
	var events int
	_ = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		for _, in := range integrations(t, e, ctx) {
			if in.ConnectionID == "acme" {
				id = in.ID
				if !in.Enabled || in.ActivatedAt.IsZero() {
					t.Errorf("clean create: enabled %v, activated at %v", in.Enabled, in.ActivatedAt)
				}
			}
		}
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{ConnectionIDs: []string{"acme"}})
			events = len(evs)
			return err
		})
	})
	if events != 0 {
		t.Fatalf("a clean create stored %d Lever events for candidates already in the stage", events)
	}

	// Update: refused in the check's words, or saved disabled with --force.
	_, _, err = runCLI(ctx, "integration", "update", "--id", id, "--settings", `{"triggerStage":"Nowhere"}`)
	if err == nil || !strings.Contains(err.Error(), `The trigger stage "Nowhere" is not a stage`) {
		t.Fatalf("update to a missing stage: %v", err)
	}
	out, _, err = runCLI(ctx, "integration", "update", "--id", id, "--settings", `{"triggerStage":"Nowhere"}`, "--force")
	if err != nil || !strings.Contains(out, "disabled draft") {
		t.Fatalf("update --force: %v\n%s", err, out)
	}
	_ = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		for _, in := range integrations(t, e, ctx) {
			if in.ID == id && (in.Enabled || !strings.Contains(string(in.Settings), "Nowhere")) {
				t.Errorf("after update --force: enabled %v, settings %s", in.Enabled, in.Settings)
			}
		}
		return nil
	})
	if _, _, err := runCLI(ctx, "integration", "activate", "--id", id); err == nil || !strings.Contains(err.Error(), "Nowhere") {
		t.Fatalf("activate with a missing stage: %v", err)
	}

	// Fixed, and activated with the candidates already there, confirmed.
	if out, _, err := runCLI(ctx, "integration", "update", "--id", id, "--settings", `{"triggerStage":"Assessment"}`); err != nil {
		t.Fatalf("update back to Assessment: %v\n%s", err, out)
	}
	if out, _, err := runCLI(ctx, "integration", "activate", "--id", id); err != nil || !strings.Contains(out, "left alone") {
		t.Fatalf("activate: %v\n%s", err, out)
	}
	// Moving the trigger stage of the active integration names who already
	// sits in the new stage, and sends nothing for them.
	if out, _, err := runCLI(ctx, "integration", "update", "--id", id, "--settings", `{"triggerStage":"Assessment Complete"}`); err != nil {
		t.Fatalf("update to Assessment Complete: %v\n%s", err, out)
	}
	out, _, err = runCLI(ctx, "integration", "update", "--id", id, "--settings", `{"triggerStage":"Assessment"}`)
	if err != nil || !strings.Contains(out, "already in the new trigger stage Assessment") || !strings.Contains(out, "Ines Alvarez") {
		t.Fatalf("update to a stage with a candidate in it: %v\n%s", err, out)
	}
	out, _, err = runCLI(ctx, "integration", "activate", "--id", id, "--include-existing", "--yes")
	if err != nil || !strings.Contains(out, "Ines Alvarez") || !strings.Contains(out, "1 of the 1 candidates already in the stage were sent") {
		t.Fatalf("activate --include-existing --yes: %v\n%s", err, out)
	}
	_ = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{ConnectionIDs: []string{"acme"}})
			if len(evs) != 1 || evs[0].Source != engine.SourceReconcile {
				t.Errorf("after including the candidates already there: %d events, want the one for Ines Alvarez", len(evs))
			}
			return err
		})
	})
}

// `connection create` asks Lever whether it accepts the API key and names
// the file it came from when Lever refuses it; --no-check saves anyway.
func TestConnectionCreateChecksTheAPIKeyWithLever(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	ctx := context.Background()
	if err := withEngine(ctx, cfg, func(*engine.Engine, *admin.Service) error { return nil }); err != nil { // migrate
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "lever.key")
	if err := os.WriteFile(bad, []byte("not-a-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.key")
	if err := os.WriteFile(good, []byte("k\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	create := func(id, keyFile string, extra ...string) (string, error) {
		out, errOut, err := runCLI(ctx, append([]string{"connection", "create", "--id", id, "--env", "custom", "--base-url", leverURL, "--api-key-file", keyFile}, extra...)...)
		return out + errOut, err
	}
	out, err := create("acme", bad)
	if err == nil || !strings.Contains(err.Error(), "the API key in "+bad+" was refused by Lever (401)") {
		t.Fatalf("a refused key: %v, want it named with Lever's 401", err)
	}
	if strings.Contains(out, "not-a-key") || strings.Contains(err.Error(), "not-a-key") {
		t.Error("the refused key was printed")
	}
	t.Setenv("STAGECOACH_LEVER_API_KEY", "not-a-key")
	if _, err := create("acme", ""); err == nil || !strings.Contains(err.Error(), "the API key in $STAGECOACH_LEVER_API_KEY was refused by Lever (401)") {
		t.Fatalf("a refused key from the environment: %v", err)
	}
	var n int
	_ = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		return e.DB().InTx(ctx, func(tx *store.Tx) error { cs, err := tx.ConnectionList(ctx); n = len(cs); return err })
	})
	if n != 0 {
		t.Fatalf("%d connections saved with a refused key", n)
	}
	if out, err := create("acme", good); err != nil || !strings.Contains(out, "connection acme created") {
		t.Fatalf("a good key: %v\n%s", err, out)
	}
	if out, err := create("offline", bad, "--no-check"); err != nil || !strings.Contains(out, "connection offline created") {
		t.Fatalf("--no-check: %v\n%s", err, out)
	}
}

// --database takes a PostgreSQL URL, a sqlite: URL or a file path, names
// what it opened, and refuses anything else without echoing a password.
func TestDatabaseFlagAcceptsOnlyKnownForms(t *testing.T) {
	newCLIEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "sc.db")
	out, _, err := runCLI(ctx, "migrate", "--database", "sqlite:"+path)
	if err != nil || !strings.Contains(out, "database: SQLite at "+path) {
		t.Fatalf("migrate --database sqlite:%s: %v\n%s", path, err, out)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the sqlite: URL did not open %s: %v", path, err)
	}
	other := filepath.Join(dir, "plain.db")
	if out, _, err := runCLI(ctx, "migrate", "--database", other); err != nil || !strings.Contains(out, "database: SQLite at "+other) {
		t.Fatalf("migrate --database %s: %v\n%s", other, err, out)
	}
	for _, dsn := range []string{"mysql://root:hunter2@db.example/stagecoach", "sqlite:", "postgres:db.example"} {
		_, errOut, err := runCLI(ctx, "migrate", "--database", dsn)
		if err == nil {
			t.Errorf("--database %s was accepted", dsn)
			continue
		}
		if strings.Contains(err.Error()+errOut, "hunter2") {
			t.Errorf("--database %s: the error shows the password: %v", dsn, err)
		}
	}
	_, _, err = runCLI(ctx, "connection", "create", "--id", "x", "--database", "mysql://root:hunter2@db.example/stagecoach", "--no-check", "--api-key-file", filepath.Join(dir, "none"))
	if err == nil {
		t.Fatal("connection create accepted a mysql:// database")
	}
	_, _, err = runCLI(ctx, "integration", "list", "--database", "mysql://root:hunter2@db.example/stagecoach")
	if err == nil || !strings.Contains(err.Error(), `"mysql:"`) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("integration list with a mysql:// database: %v, want the scheme named and no password", err)
	}
}
