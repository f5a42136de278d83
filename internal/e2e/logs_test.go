package e2e

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/demo"
	"stagecoach/internal/store"
)

// lockedBuffer is a bytes.Buffer that several goroutines may write.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Everything the installation logs at debug level while a candidate goes
// through the flow, a forged webhook is refused and a wrong API key is
// tried: the lines name the connection, opportunity and order, and no key,
// token or secret appears in them.
func TestLogsCarryIdsAndNoSecrets(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	env := startDemoWith(t, 100*time.Millisecond, func(c *demo.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := context.Background()
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: SQL Basics")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the move to Assessment Complete", func() bool {
		return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
	})
	// A forged webhook and a wrong provider key.
	resp, err := http.Post(env.App.URL()+"/hooks/lever/"+demo.ConnectionID, "application/json",
		strings.NewReader(`{"event":"candidateStageChange","triggeredAt":`+time.Now().Format("20060102")+`,"token":"forged","signature":"00","data":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, env.App.URL()+"/v1/orders", nil)
	req.Header.Set("Authorization", "Bearer sc_not-a-key")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	secrets := map[string]string{"the Lever API key": env.SandboxAPIKey, "the assessment provider's API key": env.ProviderAPIKey,
		"the video provider's API key": env.VideoProviderAPIKey, "the interview service's API key": env.ServiceProviderAPIKey}
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		ps, err := tx.ProviderList(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			secrets["the webhook secret of "+p.ID] = p.WebhookSecret
		}
		hooks, err := tx.ConnectionWebhookList(ctx, demo.ConnectionID)
		for _, h := range hooks {
			secrets["the signing token of "+h.Event] = h.SigningToken
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if key, err := os.ReadFile(filepath.Join(env.DataDir, "secret.key")); err == nil {
		secrets["the secret key"] = strings.TrimSpace(string(key))
	}
	out := logs.String()
	for what, s := range secrets {
		if s == "" {
			t.Fatalf("%s is empty: the test would prove nothing", what)
		}
		if strings.Contains(out, s) {
			t.Errorf("the logs hold %s", what)
		}
	}
	for _, want := range []string{"connection_id=" + demo.ConnectionID, "opportunity_id=" + opp.ID, "order_id=ord_"} {
		if !strings.Contains(out, want) {
			t.Errorf("no log line carries %s", want)
		}
	}
	if t.Failed() {
		t.Logf("logs:\n%s", out)
	}
}
