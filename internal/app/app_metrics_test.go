package app_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"stagecoach/internal/app"
	"stagecoach/internal/store/storetest"
)

// startApp runs a stagecoach on a free port with a fresh database.
func startApp(t *testing.T, change func(*app.Config)) *app.App {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Migrate: true, SecretKey: base64.StdEncoding.EncodeToString(make([]byte, 32))}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.Engine.ReconcileInterval, cfg.Engine.PostingSyncInterval = -1, -1
	change(&cfg)
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return a
}

func getMetrics(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// /metrics can require a bearer token, and can move to a listener of its
// own (so that it need not be reachable where the UI and webhooks are).
func TestMetricsTokenAndSeparateAddress(t *testing.T) {
	t.Run("bearer token", func(t *testing.T) {
		a := startApp(t, func(c *app.Config) { c.MetricsToken = "s3cret-metrics" })
		if code, _ := getMetrics(t, a.URL()+"/metrics", ""); code != http.StatusUnauthorized {
			t.Errorf("no token: %d, want 401", code)
		}
		if code, _ := getMetrics(t, a.URL()+"/metrics", "wrong"); code != http.StatusUnauthorized {
			t.Errorf("a wrong token: %d, want 401", code)
		}
		if code, body := getMetrics(t, a.URL()+"/metrics", "s3cret-metrics"); code != http.StatusOK || !strings.Contains(body, "# TYPE") {
			t.Errorf("the token: %d, want the metrics", code)
		}
	})
	t.Run("separate address", func(t *testing.T) {
		a := startApp(t, func(c *app.Config) { c.MetricsAddr = "127.0.0.1:0" })
		if code, _ := getMetrics(t, a.URL()+"/metrics", ""); code != http.StatusNotFound {
			t.Errorf("/metrics on the main address: %d, want 404", code)
		}
		if code, body := getMetrics(t, a.MetricsURL()+"/metrics", ""); code != http.StatusOK || !strings.Contains(body, "# TYPE") {
			t.Errorf("/metrics on --metrics-addr: %d", code)
		}
	})
	t.Run("a bad public URL stops the start", func(t *testing.T) {
		_, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), PublicURL: "sc.example"})
		if err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("err=%v, want one naming --public-url", err)
		}
	})
}
