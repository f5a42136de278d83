package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/web"
)

func TestWriteProblemMapsCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code   string
		status int
	}{
		{domain.EInvalid, 400},
		{domain.EUnauthorized, 401},
		{domain.EForbidden, 403},
		{domain.ENotFound, 404},
		{domain.EConflict, 409},
		{domain.ETooLarge, 413},
		{domain.EInternal, 500},
		{"no_such_code", 500},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/v1/x", nil)
			web.WriteProblem(w, r, domain.Errorf(tt.code, "what went wrong"), slog.New(slog.DiscardHandler))
			if got, want := w.Code, tt.status; got != want {
				t.Fatalf("status=%d, want %d", got, want)
			}
			if got, want := w.Header().Get("Content-Type"), "application/problem+json"; got != want {
				t.Fatalf("Content-Type=%q, want %q", got, want)
			}
			var p web.Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			wantCode := tt.code
			if tt.status == 500 {
				wantCode = domain.EInternal
			}
			if got, want := p.Type, "https://stagecoach.dev/problems/"+wantCode; got != want {
				t.Fatalf("type=%q, want %q", got, want)
			}
			if p.Status != tt.status || p.Title == "" {
				t.Fatalf("problem=%+v", p)
			}
		})
	}
}

func TestWriteProblemFields(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	err := &domain.Error{Code: domain.EInvalid, Message: "completed: score must be between 0 and maxScore",
		Fields: []domain.FieldError{{Field: "score", Message: "must be between 0 and maxScore"}}}
	web.WriteProblem(w, httptest.NewRequest("POST", "/", nil), fmt.Errorf("report: %w", err), nil)
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if got, want := body["detail"], "completed: score must be between 0 and maxScore"; got != want {
		t.Fatalf("detail=%v, want %v", got, want)
	}
	errs, _ := body["errors"].([]any)
	if len(errs) != 1 || errs[0].(map[string]any)["field"] != "score" {
		t.Fatalf("errors=%v", body["errors"])
	}
}

func TestWriteProblemInternalHidesAndLogs(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := httptest.NewRecorder()
	web.WriteProblem(w, httptest.NewRequest("GET", "/v1/orders", nil), errors.New("pq: password=hunter2 connection refused"), log)
	var p web.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Fatalf("the answer leaks the internal error: %s", w.Body.String())
	}
	if p.Instance == "" || !strings.Contains(p.Detail, p.Instance) {
		t.Fatalf("the error id is not shown: %+v", p)
	}
	var rec map[string]any
	if err := json.Unmarshal(logBuf.Bytes(), &rec); err != nil {
		t.Fatalf("log line: %v (%s)", err, logBuf.String())
	}
	if rec["level"] != "ERROR" || rec["error_id"] != p.Instance || !strings.Contains(fmt.Sprint(rec["error"]), "connection refused") {
		t.Fatalf("log line=%v", rec)
	}
}

func TestWriteProblemClientErrorIsNotLoggedAsError(t *testing.T) {
	t.Parallel()
	var logBuf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	web.WriteProblem(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), domain.Errorf(domain.ENotFound, "order %q not found", "x"), log)
	if logBuf.Len() != 0 {
		t.Fatalf("logged at info or above: %s", logBuf.String())
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	web.WriteJSON(w, http.StatusCreated, map[string]int{"a": 1})
	if w.Code != 201 || w.Header().Get("Content-Type") != "application/json" || strings.TrimSpace(w.Body.String()) != `{"a":1}` {
		t.Fatalf("got %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	w = httptest.NewRecorder()
	web.WriteJSON(w, http.StatusOK, map[string]any{"f": func() {}})
	if w.Code != 500 {
		t.Fatalf("unencodable value: status=%d, want 500", w.Code)
	}
}
