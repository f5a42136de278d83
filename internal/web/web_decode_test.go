package web_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/web"
)

type decodeTarget struct {
	Type   string   `json:"type"`
	Score  *float64 `json:"score"`
	Report *struct {
		Filename string `json:"filename"`
	} `json:"report"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		max       int64
		code      string
		field     string // the field the error names, if any
		msgSubstr string
	}{
		{name: "valid", body: `{"type":"completed","score":3}`, max: 1024},
		{name: "trailing whitespace", body: "{\"type\":\"started\"}\n", max: 1024},
		{name: "syntax error", body: `{"type":"x",}`, max: 1024, code: domain.EInvalid, msgSubstr: "syntax error at offset 13"},
		{name: "truncated", body: `{"type":"x"`, max: 1024, code: domain.EInvalid, msgSubstr: "ends too early"},
		{name: "empty", body: ``, max: 1024, code: domain.EInvalid, msgSubstr: "empty"},
		{name: "unknown field", body: `{"type":"x","bogus":1}`, max: 1024, code: domain.EInvalid, field: "bogus", msgSubstr: `unknown field "bogus"`},
		{name: "wrong type", body: `{"score":"high"}`, max: 1024, code: domain.EInvalid, field: "score", msgSubstr: `wrong type for field "score"`},
		{name: "wrong nested type", body: `{"report":{"filename":3}}`, max: 1024, code: domain.EInvalid, field: "report.filename", msgSubstr: "want a string"},
		{name: "not an object", body: `[1,2]`, max: 1024, code: domain.EInvalid, msgSubstr: "array"},
		{name: "two values", body: `{"type":"a"}{"type":"b"}`, max: 1024, code: domain.EInvalid, msgSubstr: "single JSON value"},
		{name: "too large", body: `{"type":"` + strings.Repeat("x", 100) + `"}`, max: 50, code: domain.ETooLarge},
		{name: "too large after first value", body: `{"type":"a"}` + strings.Repeat(" ", 100), max: 50, code: domain.ETooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			var v decodeTarget
			err := web.DecodeJSON(r, &v, tt.max)
			if got, want := domain.ErrorCode(err), tt.code; got != want {
				t.Fatalf("code=%q, want %q (err: %v)", got, want, err)
			}
			if err == nil {
				return
			}
			if !strings.Contains(err.Error(), tt.msgSubstr) {
				t.Fatalf("error %q does not contain %q", err, tt.msgSubstr)
			}
			if tt.field != "" {
				var de *domain.Error
				if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Field != tt.field {
					t.Fatalf("fields=%+v, want one naming %q", de.Fields, tt.field)
				}
			}
		})
	}
}
