package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// newCLIEnv starts a seeded Lever sandbox and points the CLI's store flags
// (through the environment) at a fresh database; it returns the config the
// commands will use and the sandbox's URL.
func newCLIEnv(t *testing.T) (app.Config, string) {
	t.Helper()
	sb, err := leversandbox.New(leversandbox.Config{APIKey: "k", Seed: "demo"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	dir := t.TempDir()
	t.Setenv("STAGECOACH_SECRET_KEY", base64.StdEncoding.EncodeToString(make([]byte, 32)))
	t.Setenv("STAGECOACH_DATA", dir)
	t.Setenv("STAGECOACH_DATABASE", "")
	if os.Getenv(storetest.EnvURL) != "" {
		t.Setenv("STAGECOACH_DATABASE", storetest.DSN(t))
	}
	return app.Config{DataDir: dir, Database: os.Getenv("STAGECOACH_DATABASE"), SecretKey: os.Getenv("STAGECOACH_SECRET_KEY"), Migrate: true}, srv.URL
}

// `connection register-webhooks` registers, by default, the events the
// connection's integrations need: the three every flow needs, and all seven
// once a sourcing integration is on it; --events overrides the default.
func TestConnectionRegisterWebhooksDefaultsToIntegrationsEvents(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	ctx := context.Background()
	err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		_, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: leverURL, APIKey: "k"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	register := func(args ...string) []string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := Run(ctx, append([]string{"connection", "register-webhooks", "--id", "acme", "--public-url", "https://sc.example"}, args...), &out, &errOut); err != nil {
			t.Fatalf("register-webhooks %v: %v: %s", args, err, errOut.String())
		}
		var printed []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if ev, ok := strings.CutPrefix(line, "registered "); ok {
				printed = append(printed, strings.Fields(ev)[0])
			}
		}
		var stored []string
		err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
			return e.DB().InTx(ctx, func(tx *store.Tx) error {
				hooks, err := tx.ConnectionWebhookList(ctx, "acme")
				for _, h := range hooks {
					if h.LeverWebhookID == "" || h.URL != "https://sc.example/hooks/lever/acme" {
						t.Errorf("stored webhook %+v: want a Lever webhook id and the connection's hook URL", h)
					}
					stored = append(stored, h.Event)
				}
				return err
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(printed)
		slices.Sort(stored)
		if !slices.Equal(printed, stored) {
			t.Errorf("printed %v, stored %v", printed, stored)
		}
		return printed
	}
	sorted := func(evs ...string) []string { evs = slices.Clone(evs); slices.Sort(evs); return evs }
	base := sorted(lever.EventCandidateStageChange, lever.EventCandidateArchiveChange, lever.EventCandidateDeleted)

	if got := register(); !slices.Equal(got, base) {
		t.Errorf("no integrations yet: registered %v, want %v", got, base)
	}

	err = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		if _, _, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "hackajob", Name: "hackajob", Kind: domain.KindSourcing}); err != nil {
			return err
		}
		_, err := adm.CreateIntegration(ctx, "acme", "hackajob", nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	all := sorted(lever.EventCandidateStageChange, lever.EventCandidateArchiveChange, lever.EventCandidateHired, lever.EventCandidateDeleted,
		lever.EventInterviewCreated, lever.EventInterviewUpdated, lever.EventInterviewDeleted)
	if got := register(); !slices.Equal(got, all) {
		t.Errorf("with a sourcing integration: registered %v, want %v", got, all)
	}

	var out, errOut bytes.Buffer
	if err := Run(ctx, []string{"connection", "register-webhooks", "--id", "acme", "--public-url", "https://sc.example", "--events", lever.EventCandidateHired}, &out, &errOut); err != nil {
		t.Fatalf("--events: %v: %s", err, errOut.String())
	}
	if got := strings.TrimSpace(out.String()); strings.Count(got, "registered ") != 1 || !strings.HasPrefix(got, "registered "+lever.EventCandidateHired+" ") {
		t.Errorf("--events %s printed:\n%s", lever.EventCandidateHired, got)
	}
	if err := Run(ctx, []string{"connection", "register-webhooks", "--id", "nowhere", "--public-url", "https://sc.example"}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("unknown connection: %v, want an error naming it", err)
	}
}

// `connection register-webhooks` needs stagecoach's public URL, and an https
// one for a production or Lever-sandbox connection (Lever delivers webhooks
// to https only): without it the command fails with an error naming the
// flag, and Lever is never asked to create a webhook.
func TestConnectionRegisterWebhooksNeedsAnHTTPSPublicURL(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	t.Setenv("STAGECOACH_PUBLIC_URL", "")
	ctx := context.Background()
	err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "local", Environment: "custom", BaseURL: leverURL, APIKey: "k"}); err != nil {
			return err
		}
		_, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Environment: "production", APIKey: "k"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no public URL", []string{"--id", "local"}, "--public-url is required"},
		{"not a URL", []string{"--id", "local", "--public-url", "sc.example"}, "--public-url"},
		{"http for production", []string{"--id", "acme", "--public-url", "http://sc.example"}, "--public-url"},
	} {
		var out, errOut bytes.Buffer
		err := Run(ctx, append([]string{"connection", "register-webhooks"}, tc.args...), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err=%v, want one naming %q", tc.name, err, tc.want)
		}
		if strings.Contains(out.String(), "registered") {
			t.Errorf("%s: printed %q", tc.name, out.String())
		}
	}
	sb, err := lever.New(lever.Config{Environment: lever.Custom(leverURL), APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := sb.ListWebhooks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 0 {
		t.Errorf("Lever has %d webhooks, want none created", len(hooks))
	}
	err = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			for _, id := range []string{"local", "acme"} {
				if hooks, err := tx.ConnectionWebhookList(ctx, id); err != nil || len(hooks) != 0 {
					t.Errorf("connection %s: stored %d webhooks (%v), want none", id, len(hooks), err)
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
