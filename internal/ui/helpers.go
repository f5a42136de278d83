package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"stagecoach/internal/lever"
)

func engineEvents() []string { return lever.Events }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// sandboxVerify asks a Lever look-alike that has the local sandbox's admin
// endpoint to send a webhook's test delivery; it reports whether it did.
func sandboxVerify(ctx context.Context, baseURL, webhookID string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(baseURL, "/")+"/_sandbox/webhooks/"+webhookID+"/verify", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
