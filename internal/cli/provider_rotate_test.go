package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// `provider update` sets what registration left for later, `rotate-key`
// and `rotate-secret` print the new credential once and keep the old one
// for --grace, and each change is in the audit log under the system user.
func TestProviderUpdateRotateAndTheAuditLog(t *testing.T) {
	cfg, _ := newCLIEnv(t)
	ctx := context.Background()
	if err := withEngine(ctx, cfg, func(*engine.Engine, *admin.Service) error { return nil }); err != nil { // migrate
		t.Fatal(err)
	}
	out, errOut, err := runCLI(ctx, "provider", "create", "--id", "acme", "--name", "Acme")
	if err != nil {
		t.Fatalf("provider create: %v\n%s", err, errOut)
	}
	oldKey := regexp.MustCompile(`API key:\s+(sc_\S+)`).FindStringSubmatch(out)[1]

	if _, _, err := runCLI(ctx, "provider", "update", "--id", "acme", "--webhook-url", "ftp://tool.example"); err == nil || !strings.Contains(err.Error(), "webhookUrl must be an http(s) URL") {
		t.Fatalf("a bad webhook URL: %v", err)
	}
	if _, _, err := runCLI(ctx, "provider", "update", "--id", "acme"); err == nil || !strings.Contains(err.Error(), "give --name or --webhook-url") {
		t.Fatalf("update without a change: %v", err)
	}
	out, _, err = runCLI(ctx, "provider", "update", "--id", "acme", "--webhook-url", "https://tool.example/hooks")
	if err != nil || !strings.Contains(out, "webhook URL (none) → https://tool.example/hooks") {
		t.Fatalf("provider update: %v\n%s", err, out)
	}
	if _, _, err := runCLI(ctx, "provider", "rotate-key", "--id", "acme", "--grace", "200h"); err == nil || !strings.Contains(err.Error(), "grace must be between 0 and 168h") {
		t.Fatalf("a grace of 200h: %v", err)
	}
	out, _, err = runCLI(ctx, "provider", "rotate-key", "--id", "acme", "--grace", "2h")
	m := regexp.MustCompile(`API key: (sc_\S+)`).FindStringSubmatch(out)
	if err != nil || m == nil || !strings.Contains(out, "the old key works until") {
		t.Fatalf("provider rotate-key: %v\n%s", err, out)
	}
	newKey := m[1]
	out, _, err = runCLI(ctx, "provider", "rotate-secret", "--id", "acme", "--grace", "0")
	if err != nil || !regexp.MustCompile(`webhook secret: whsec_\S+`).MatchString(out) || !strings.Contains(out, "the old secret stopped working now") {
		t.Fatalf("provider rotate-secret: %v\n%s", err, out)
	}

	// The old key works for the two hours, on the store's clock, and not
	// after; the new one does.
	start := time.Now()
	err = withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		who := func(key string) error {
			return e.DB().InTx(ctx, func(tx *store.Tx) error { _, err := tx.ProviderByKeyHash(ctx, admin.HashAPIKey(key)); return err })
		}
		e.DB().NowFunc = func() time.Time { return start.Add(time.Hour) }
		if err := who(oldKey); err != nil {
			t.Errorf("the old key within its grace: %v", err)
		}
		e.DB().NowFunc = func() time.Time { return start.Add(2*time.Hour + time.Minute) }
		if err := who(oldKey); domain.ErrorCode(err) != domain.EUnauthorized {
			t.Errorf("the old key after its grace: %v, want unauthorized", err)
		}
		if err := who(newKey); err != nil {
			t.Errorf("the new key: %v", err)
		}
		var secrets []string
		err := e.DB().InTx(ctx, func(tx *store.Tx) (err error) { secrets, err = tx.ProviderPreviousSecrets(ctx, "acme"); return err })
		if err == nil && len(secrets) != 0 {
			t.Errorf("a secret replaced without grace still signs")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	out, _, err = runCLI(ctx, "provider", "delete", "--id", "acme")
	if err != nil || !strings.Contains(out, "provider acme deleted") {
		t.Fatalf("provider delete: %v\n%s", err, out)
	}
	out, _, err = runCLI(ctx, "audit", "--target", "provider:acme")
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	for _, want := range []string{"provider.create", "provider.update", "provider.rotate_key", "provider.rotate_secret", "provider.delete", "cli:" + systemUser(), "webhook URL (none) → https://tool.example/hooks"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, oldKey) || strings.Contains(out, newKey) || strings.Contains(out, "whsec_") {
		t.Errorf("the audit log shows a secret:\n%s", out)
	}
	// The refused rotation (200h) and updates are not in it.
	if n := strings.Count(out, "provider.rotate_key"); n != 1 {
		t.Errorf("%d key rotations in the audit log, want 1:\n%s", n, out)
	}
	if out, _, _ := runCLI(ctx, "audit", "--action", "provider.delete"); strings.Contains(out, "provider.update") || !strings.Contains(out, "provider.delete") {
		t.Errorf("audit --action provider.delete:\n%s", out)
	}
}
