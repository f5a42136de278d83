package lever

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestErrorTyping(t *testing.T) {
	t.Parallel()
	sentinels := []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrServer, ErrConnectionBroken}
	tests := []struct {
		status int
		want   []error // sentinels that must match; all others must not
	}{
		{400, []error{ErrBadRequest}},
		{401, []error{ErrUnauthorized, ErrConnectionBroken}},
		{403, []error{ErrForbidden}},
		{404, []error{ErrNotFound}},
		{409, []error{ErrBadRequest}},
		{422, []error{ErrBadRequest}},
		{429, []error{ErrRateLimited}},
		{500, []error{ErrServer}},
		{501, []error{ErrServer}},
		{503, []error{ErrServer}},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
				leverError(w, tt.status, "SomeCode", "stages 919d was not found")
			}, func(cfg *Config) { cfg.MaxRetries = -1 })
			_, err := c.GetStage(context.Background(), "919d")
			var apiErr *Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("err=%v (%T), want *Error", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Code != "SomeCode" || apiErr.Message != "stages 919d was not found" ||
				apiErr.Method != "GET" || apiErr.Path != "/stages/919d" {
				t.Fatalf("err=%+v", apiErr)
			}
			for _, s := range sentinels {
				want := false
				for _, w := range tt.want {
					want = want || w == s
				}
				if got := errors.Is(err, s); got != want {
					t.Errorf("errors.Is(err, %v)=%v, want %v", s, got, want)
				}
			}
			if errors.Is(err, ErrUncertain) {
				t.Errorf("a read is never uncertain")
			}
			if msg := err.Error(); !strings.Contains(msg, http.StatusText(tt.status)) || !strings.Contains(msg, "was not found") {
				t.Errorf("Error()=%q lacks status or message", msg)
			}
			if n := len(b.requests()); n != 1 {
				t.Errorf("requests=%d, want 1 (retries disabled)", n)
			}
		})
	}
}

func TestErrorNonJSONBody(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream exploded", http.StatusForbidden)
	})
	_, err := c.GetUser(context.Background(), "u1")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Message != "upstream exploded" || apiErr.Code != "" {
		t.Fatalf("err=%#v", err)
	}
}

func TestErrorsDoNotLeakCredentials(t *testing.T) {
	t.Parallel()
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		leverError(w, 401, "Unauthorized", "bad key")
	})
	_, err := c.GetUser(context.Background(), "u1")
	if err == nil || strings.Contains(err.Error(), "test-key") {
		t.Fatalf("err=%v", err)
	}
}
