package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
)

// postStage moves an opportunity through the sandbox's admin endpoint, as a
// recruiter would in Lever's app.
func postStage(sandboxURL, oppID, stage string) error {
	b, _ := json.Marshal(map[string]string{"stage": stage})
	resp, err := http.Post(sandboxURL+"/_sandbox/opportunities/"+oppID+"/stage", "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("move %s to %s: %s", oppID, stage, resp.Status)
	}
	return nil
}
