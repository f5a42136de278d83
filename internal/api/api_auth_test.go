package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/api"
	"stagecoach/internal/engine"
	"stagecoach/internal/queue"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name   string
		header string // the Authorization header; "" sends none
	}{
		{"no header", ""},
		{"unknown key", "Bearer sc_not_a_key"},
		{"empty bearer", "Bearer "},
		{"other scheme", "Basic " + keyIMocha},
		{"key without scheme", keyIMocha},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp response
			if tt.header == "" {
				resp = b.call(t, "GET", "/v1/me", "", nil)
			} else {
				resp = b.call(t, "GET", "/v1/me", "", nil, "Authorization", tt.header)
			}
			p := resp.problem(t, http.StatusUnauthorized)
			if got, want := p.Type, "https://stagecoach.dev/problems/unauthorized"; got != want {
				t.Fatalf("type=%q, want %q", got, want)
			}
			if got := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Fatalf("WWW-Authenticate=%q, want Bearer…", got)
			}
		})
	}
	t.Run("every route but the OpenAPI document needs a key", func(t *testing.T) {
		for _, rt := range b.api.Routes() {
			method, path, _ := strings.Cut(rt, " ")
			if path == "/v1/openapi.json" {
				continue
			}
			path = strings.ReplaceAll(path, "{id}", "x")
			if got := b.call(t, method, path, "", nil).status; got != http.StatusUnauthorized {
				t.Errorf("%s without a key: status=%d, want 401", rt, got)
			}
		}
	})
	t.Run("me", func(t *testing.T) {
		var me map[string]string
		b.call(t, "GET", "/v1/me", keyIMocha, nil).decode(t, &me)
		if me["id"] != "imocha" || me["name"] != "iMocha" || me["kind"] != "assessment" || len(me) != 3 {
			t.Fatalf("me=%v", me)
		}
		b.call(t, "GET", "/v1/me", "", nil, "Authorization", "bearer "+keyHireVue).decode(t, &me)
		if me["id"] != "hirevue" {
			t.Fatalf("me=%v", me)
		}
	})
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	eng := engine.New(b.db, queue.New(b.db, queue.Config{}), engine.Config{})
	srv := httptest.NewServer(api.New(eng, admin.New(b.db, eng, nil), b.db, api.Config{Logger: log}).Handler())
	defer srv.Close()

	req, _ := http.NewRequest("PUT", srv.URL+"/v1/packages", strings.NewReader(`{"packages":[{"id":"secret-body","name":"N","kind":"interview_kit"}]}`))
	req.Header.Set("Authorization", "Bearer "+keyIMocha)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status=%d", resp.StatusCode)
	}
	if strings.Contains(buf.String(), keyIMocha) || strings.Contains(buf.String(), "secret-body") {
		t.Fatalf("the log carries the key or the body: %s", buf.String())
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &line); err != nil {
		t.Fatalf("log: %v (%s)", err, buf.String())
	}
	for k, want := range map[string]any{"component": "api", "method": "PUT", "path": "/v1/packages", "status": float64(200), "provider_id": "imocha"} {
		if line[k] != want {
			t.Errorf("log %s=%v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Errorf("log has no duration: %v", line)
	}
}
