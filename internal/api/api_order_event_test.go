package api_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"stagecoach/internal/domain"
)

// pdfBase64 returns a base64 PDF of about n bytes.
func pdfBase64(n int) string {
	b := []byte("%PDF-1.4\n")
	b = append(b, strings.Repeat("x", max(n-len(b), 0))...)
	return base64.StdEncoding.EncodeToString(b)
}

func TestOrderEventValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "acme"})
	path := "/v1/orders/" + o.ID + "/events"
	tests := []struct {
		name  string
		body  string
		field string
	}{
		{"unknown type", `{"type":"finished"}`, "type"},
		{"invited without URL", `{"type":"invited"}`, "candidateUrl"},
		{"invited with a bad URL", `{"type":"invited","candidateUrl":"ftp://tool.example/x"}`, "candidateUrl"},
		{"invited with a relative URL", `{"type":"invited","candidateUrl":"/invite/1"}`, "candidateUrl"},
		{"score above maxScore", `{"type":"completed","score":120,"maxScore":100}`, "score"},
		{"negative score", `{"type":"completed","score":-1,"maxScore":100}`, "score"},
		{"no score", `{"type":"completed","maxScore":100}`, "score"},
		{"bad result URL", `{"type":"completed","score":1,"maxScore":2,"resultUrl":"nope"}`, "resultUrl"},
		{"bad base64", `{"type":"completed","score":1,"maxScore":2,"report":{"filename":"r.pdf","contentBase64":"%%%not base64"}}`, "report.contentBase64"},
		{"not a PDF", `{"type":"completed","score":1,"maxScore":2,"report":{"filename":"r.pdf","contentBase64":"` + base64.StdEncoding.EncodeToString([]byte("hello, world")) + `"}}`, "report.contentBase64"},
		{"report with both", `{"type":"completed","score":1,"maxScore":2,"report":{"filename":"r.pdf","contentBase64":"` + pdfBase64(20) + `","url":"https://x.example/r.pdf"}}`, "report"},
		{"bad report URL", `{"type":"completed","score":1,"maxScore":2,"report":{"filename":"r.pdf","url":"file:///etc/passwd"}}`, "report.url"},
		{"bad attribute", `{"type":"completed","score":1,"maxScore":2,"attributes":{"Correctness":{"a":1}}}`, "attributes.Correctness"},
		{"wrong type", `{"type":"completed","score":"high","maxScore":100}`, "score"},
		{"unknown field", `{"type":"started","colour":"red"}`, "colour"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.call(t, "POST", path, keyIMocha, tt.body).problem(t, http.StatusBadRequest)
			if p.Type != "https://stagecoach.dev/problems/invalid" {
				t.Fatalf("type=%q", p.Type)
			}
			if got := fieldsOf(p); !slices.Contains(got, tt.field) {
				t.Fatalf("fields=%v, want %s (detail %q)", got, tt.field, p.Detail)
			}
		})
	}
	t.Run("malformed JSON", func(t *testing.T) {
		p := b.call(t, "POST", path, keyIMocha, `{"type":`).problem(t, http.StatusBadRequest)
		if !strings.Contains(p.Detail, "JSON") {
			t.Fatalf("detail=%q", p.Detail)
		}
	})
	if n := b.count(t, `SELECT COUNT(*) FROM order_events WHERE order_id = ?`, o.ID); n != 0 {
		t.Fatalf("refused events were recorded: %d", n)
	}
}

func TestOrderEventFlow(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "acme"})
	path := "/v1/orders/" + o.ID + "/events"

	var v orderView
	b.call(t, "POST", path, keyIMocha, `{"type":"invited","candidateUrl":"https://tool.example/invite/1"}`).decode(t, &v)
	if v.Status != "invited" || v.CandidateURL == nil || *v.CandidateURL != "https://tool.example/invite/1" {
		t.Fatalf("after invited: %+v", v)
	}
	b.call(t, "POST", path, keyIMocha, `{"type":"started"}`).decode(t, &v)

	// A report of a few MiB is over the default body cap but within the
	// events route's.
	completed := map[string]any{
		"type": "completed", "score": 82, "maxScore": 100, "result": "pass",
		"attributes": map[string]any{"Correctness": "9/10", "Speed": 7},
		"report":     map[string]string{"filename": "report.pdf", "contentBase64": pdfBase64(3 << 20)},
	}
	b.call(t, "POST", path, keyIMocha, completed).decode(t, &v)
	if v.Status != "completed" || v.Result["score"] != float64(82) || v.Result["result"] != "pass" {
		t.Fatalf("after completed: %+v", v)
	}

	t.Run("a transition the status does not allow is a conflict", func(t *testing.T) {
		p := b.call(t, "POST", path, keyIMocha, `{"type":"invited","candidateUrl":"https://tool.example/invite/2"}`).problem(t, http.StatusConflict)
		if p.Type != "https://stagecoach.dev/problems/conflict" {
			t.Fatalf("type=%q", p.Type)
		}
		b.call(t, "POST", path, keyIMocha, `{"type":"cancelled"}`).problem(t, http.StatusConflict)
		var got orderView
		b.call(t, "GET", "/v1/orders/"+o.ID, keyIMocha, nil).decode(t, &got)
		if got.Status != "completed" || *got.CandidateURL != "https://tool.example/invite/1" {
			t.Fatalf("a refused event changed the order: %+v", got)
		}
	})
	t.Run("another provider's order is not found", func(t *testing.T) {
		b.call(t, "POST", path, keyHireVue, `{"type":"started"}`).problem(t, http.StatusNotFound)
		b.call(t, "POST", "/v1/orders/ord_missing/events", keyIMocha, `{"type":"started"}`).problem(t, http.StatusNotFound)
	})
	t.Run("a body over 15 MiB is too large", func(t *testing.T) {
		big, _ := json.Marshal(map[string]any{"type": "completed", "score": 1, "maxScore": 2,
			"report": map[string]string{"filename": "r.pdf", "contentBase64": strings.Repeat("A", 15<<20)}})
		p := b.call(t, "POST", path, keyIMocha, big).problem(t, http.StatusRequestEntityTooLarge)
		if p.Type != "https://stagecoach.dev/problems/too_large" {
			t.Fatalf("type=%q", p.Type)
		}
	})
	if n := b.count(t, `SELECT COUNT(*) FROM order_events WHERE order_id = ?`, o.ID); n != 3 {
		t.Fatalf("order events=%d, want 3", n)
	}
}
