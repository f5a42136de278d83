package ui

import (
	"encoding/json"
	"net/http"

	"stagecoach/internal/lever"
)

func engineEvents() []string { return lever.Events }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
