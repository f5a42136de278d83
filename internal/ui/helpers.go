package ui

import (
	"encoding/json"
	"net/http"

	"stagecoach/internal/ats/leverats"
)

func engineEvents() []string { return leverats.Events.Names() }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
