// Package web holds what stagecoach's HTTP surfaces share: writing JSON,
// rendering errors as RFC 9457 problem details, and strict JSON decoding of
// request bodies.
package web

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Content types.
const (
	ContentTypeJSON    = "application/json"
	ContentTypeProblem = "application/problem+json"
)

// WriteJSON writes v as a JSON answer with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	writeJSON(w, status, ContentTypeJSON, v)
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	// Encoding into a buffer first means a value that cannot be encoded is
	// reported as a 500 rather than as a 200 with half a body.
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		http.Error(w, "internal error: cannot encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
