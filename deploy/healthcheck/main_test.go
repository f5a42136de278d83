package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
)

// The check passes on the real server's /readyz, and fails when the
// database is behind (503) or nothing answers.
func TestCheckAsksReadyz(t *testing.T) {
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("the server did not stop")
		}
	})
	var stderr bytes.Buffer
	if code := check(nil, a.URL()+"/readyz", &stderr); code != 0 {
		t.Errorf("check of a ready server = %d, want 0: %s", code, stderr.String())
	}

	behind := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database schema not up to date", http.StatusServiceUnavailable)
	}))
	defer behind.Close()
	stderr.Reset()
	if code := check([]string{behind.URL + "/readyz"}, a.URL()+"/readyz", &stderr); code != 1 || !strings.Contains(stderr.String(), "schema not up to date") {
		t.Errorf("check of a server that is not ready = %d (%s), want 1 naming why", code, stderr.String())
	}
	behind.Close()
	stderr.Reset()
	if code := check([]string{behind.URL + "/readyz"}, "", &stderr); code != 1 {
		t.Errorf("check of nothing = %d, want 1", code)
	}
}
