package lever_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/lever"
)

// TestSandboxThrottleOneCredential drains one connection's rate limit at the
// sandbox (every call with its API key answered 429 for a while, as when
// another process shares the key): a flow step on that connection (a note,
// then reading the opportunity back) waits and completes once the throttle
// lifts, while a second connection with its own key is not slowed at all.
// The throttle is short here; TestRateLimitBudget shows the client keeps
// retrying for at least a minute.
func TestSandboxThrottleOneCredential(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	var second struct {
		Data struct {
			Key string `json:"key"`
		} `json:"data"`
	}
	admin(t, srv, "POST", "/_sandbox/api-keys", map[string]any{
		"name":        "second-connection",
		"permissions": []string{"Find all opportunities", "Create an opportunity note", "Find all stages"},
	}, &second)
	if second.Data.Key == "" {
		t.Fatal("no key for the second connection")
	}

	for _, headers := range []string{"retry-after", "ratelimit-reset", "none"} {
		t.Run(headers, func(t *testing.T) {
			var throttledCalls, otherCalls callCounter
			throttled := sandboxClient(t, srv, lever.Unlimited(), &throttledCalls)
			other, err := lever.New(lever.Config{
				Environment: lever.Custom(srv.URL), APIKey: second.Data.Key, Limiter: lever.Unlimited(),
				HTTPClient: srv.Client(), ObserveFunc: otherCalls.observe,
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var oppID string
			for o, err := range other.ListOpportunities(ctx, lever.ListOpportunitiesParams{Limit: 1}) {
				if err != nil {
					t.Fatal(err)
				}
				oppID = o.ID
				break
			}

			const throttle = 1500 * time.Millisecond
			admin(t, srv, "POST", "/_sandbox/throttle", map[string]any{
				"credential": "default", "seconds": throttle.Seconds(), "headers": headers,
			}, nil)
			start := time.Now()

			// The other connection works on, unthrottled.
			if _, err := other.ListStages(ctx); err != nil {
				t.Fatalf("other connection: %v", err)
			}
			if _, err := other.CreateNote(ctx, oppID, lever.NoteInput{Value: "from the other connection"}, ""); err != nil {
				t.Fatalf("other connection: %v", err)
			}
			if d := time.Since(start); d > throttle/2 {
				t.Fatalf("the other connection took %v", d)
			}
			if n := otherCalls.statusCount(http.StatusTooManyRequests); n != 0 {
				t.Fatalf("the other connection got %d 429s", n)
			}

			// The throttled connection's step completes after the throttle.
			text := "written once the rate limit lifted (" + headers + ")"
			if _, err := throttled.CreateNote(ctx, oppID, lever.NoteInput{Value: text}, ""); err != nil {
				t.Fatalf("throttled connection: %v", err)
			}
			if d := time.Since(start); d < throttle-100*time.Millisecond {
				t.Fatalf("the throttled step completed after %v, inside the %v throttle", d, throttle)
			}
			if n := throttledCalls.statusCount(http.StatusTooManyRequests); n == 0 {
				t.Fatal("the throttled connection never saw a 429")
			}
			notes := 0
			for n, err := range throttled.ListNotes(ctx, oppID) {
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range n.Fields {
					if strings.Contains(f.Value, text) {
						notes++
					}
				}
			}
			if notes != 1 {
				t.Fatalf("the recruiter sees the note %d times, want once", notes)
			}
			admin(t, srv, "DELETE", "/_sandbox/throttle", nil, nil)
		})
	}
}

// TestSandboxThrottleBadInput names what is wrong with a throttle request.
func TestSandboxThrottleBadInput(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	for body, want := range map[string]string{
		`{"seconds":5}`:                                      "credential is required",
		`{"credential":"default","seconds":0}`:               "seconds must be",
		`{"credential":"default","seconds":1,"headers":"x"}`: "headers must be",
	} {
		resp, err := srv.Client().Post(srv.URL+"/_sandbox/throttle", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Message string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(e.Message, want) {
			t.Errorf("%s: %d %q, want 400 %q", body, resp.StatusCode, e.Message, want)
		}
	}
}
