package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
)

// The list commands print aligned columns under a header, or with --json
// an array of objects keyed like the columns (never a secret), [] when
// there is nothing; every admin command names its database on stderr.
// `connection delete` and `provider delete` remove what the lists show.
func TestListCommandsPrintColumnsOrJSON(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	ctx := context.Background()
	var secret string
	err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Name: "Acme Corp", Environment: "custom", BaseURL: leverURL, APIKey: "k"}); err != nil {
			return err
		}
		p, key, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "imocha", Name: "iMocha", Kind: domain.KindAssessment, WebhookURL: "https://tool.example/hooks"})
		if err != nil {
			return err
		}
		secret = key + " " + p.WebhookSecret
		_, err = adm.CreateIntegration(ctx, "acme", "imocha", json.RawMessage(`{"triggerStage":"Assessment"}`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	out, errOut, err := runCLI(ctx, "connection", "list")
	if err != nil {
		t.Fatalf("connection list: %v\n%s", err, errOut)
	}
	if !strings.HasPrefix(errOut, "database: ") {
		t.Errorf("connection list did not name its database on stderr: %q", errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID    NAME       ENV     AUTH     STATUS  REASON") || !strings.HasPrefix(lines[1], "acme  Acme Corp  custom  api_key  active") {
		t.Errorf("connection list printed:\n%s", out)
	}

	var conns []map[string]any
	listJSON(t, &conns, "connection", "list", "--json")
	if len(conns) != 1 || conns[0]["id"] != "acme" || conns[0]["name"] != "Acme Corp" || conns[0]["env"] != "custom" || conns[0]["status"] != "active" {
		t.Errorf("connection list --json: %v", conns)
	}

	out, _, err = runCLI(ctx, "provider", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range strings.Fields(secret) {
		if strings.Contains(out, s) {
			t.Fatalf("provider list --json shows a secret:\n%s", out)
		}
	}
	var provs []map[string]any
	listJSON(t, &provs, "provider", "list", "--json")
	if len(provs) != 1 || provs[0]["webhookUrl"] != "https://tool.example/hooks" || provs[0]["kind"] != domain.KindAssessment {
		t.Errorf("provider list --json: %v", provs)
	}

	var ins []struct {
		ID       string         `json:"id"`
		Enabled  bool           `json:"enabled"`
		Settings map[string]any `json:"settings"`
	}
	listJSON(t, &ins, "integration", "list", "--json")
	if len(ins) != 1 || !ins[0].Enabled || ins[0].Settings["triggerStage"] != "Assessment" {
		t.Errorf("integration list --json: %+v", ins)
	}
	if out, _, err := runCLI(ctx, "integration", "list"); err != nil || !strings.Contains(out, ins[0].ID+"  acme        imocha    true     {\"triggerStage\":\"Assessment\"}") {
		t.Errorf("integration list: %v\n%s", err, out)
	}

	for _, args := range [][]string{{"jobs", "list", "--json"}, {"events", "--json"}, {"exports", "--json"}, {"interviews", "--connection", "acme", "--json"}, {"postings", "list", "--connection", "acme", "--json"}} {
		out, _, err := runCLI(ctx, args...)
		if err != nil || strings.TrimSpace(out) != "[]" {
			t.Errorf("%v with nothing to list: %v, printed %q, want []", args, err, out)
		}
	}

	if _, _, err := runCLI(ctx, "provider", "delete", "--id", "imocha"); err != nil {
		t.Fatal(err)
	}
	listJSON(t, &ins, "integration", "list", "--json")
	if len(ins) != 0 {
		t.Errorf("after provider delete: integrations %+v", ins)
	}
	if _, _, err := runCLI(ctx, "connection", "delete", "--id", "acme"); err != nil {
		t.Fatal(err)
	}
	listJSON(t, &conns, "connection", "list", "--json")
	if len(conns) != 0 {
		t.Errorf("after connection delete: %v", conns)
	}
	if _, _, err := runCLI(ctx, "connection", "delete", "--id", "acme"); err == nil || !strings.Contains(err.Error(), "acme") {
		t.Errorf("deleting a deleted connection: %v, want an error naming it", err)
	}
}

func listJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, errOut, err := runCLI(context.Background(), args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v printed no JSON: %v\n%s", args, err, out)
	}
}
