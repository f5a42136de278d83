package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"stagecoach/internal/greenhousesandbox"
)

// `greenhouse-sandbox` serves Greenhouse's token endpoint and Harvest v3 on
// the address it prints, and stops when its context ends.
func TestGreenhouseSandboxServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, []string{"greenhouse-sandbox", "--addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatal("the command printed nothing")
	}
	first := lines.Text()
	go func() {
		for lines.Scan() {
		}
	}()
	_, rest, ok := strings.Cut(first, "Greenhouse sandbox on ")
	base, _, _ := strings.Cut(rest, " ")
	if !ok || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("first line %q names no URL", first)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ = http.NewRequest(http.MethodGet, base+"/v3/jobs", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []struct {
		Name string `json:"name"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&jobs)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(jobs) == 0 {
		t.Fatalf("GET /v3/jobs: %d %v, want the seeded jobs", resp.StatusCode, jobs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("after cancel: %v", err)
	}
}
