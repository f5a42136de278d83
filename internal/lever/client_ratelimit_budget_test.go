package lever

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestRateLimitBudget keeps a call retrying under sustained 429s without a
// wait header for at least a minute (the default budget is two), on a fake
// clock: a read, or the check after an uncertain write, does not give up
// after a few seconds while another process drains the shared bucket.
func TestRateLimitBudget(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"read", "write"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				leverError(w, 429, "TooManyRequests", "slow down")
			})
			c.rateLimitBase, c.rateLimitMax = defaultRateLimitBase, defaultRateLimitMax
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			var delays []time.Duration
			c.nowFunc = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			c.sleepFunc = func(_ context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				delays = append(delays, d)
				now = now.Add(d)
				return nil
			}
			var err error
			if method == "read" {
				_, err = c.GetOpportunity(context.Background(), "o1")
			} else {
				err = c.AddTags(context.Background(), "o1", []string{"a"}, "")
			}
			if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUncertain) {
				t.Fatalf("err=%v, want ErrRateLimited, not uncertain", err)
			}
			var total time.Duration
			for i, d := range delays {
				if d <= 0 || d > defaultRateLimitMax {
					t.Fatalf("delay %d = %v, want in (0, %v]", i, d, defaultRateLimitMax)
				}
				total += d
			}
			if total < time.Minute || total > defaultRateLimitBudget {
				t.Fatalf("retried for %v over %d calls, want between 1m and %v", total, calls.Load(), defaultRateLimitBudget)
			}
			if int(calls.Load()) != len(delays)+1 {
				t.Fatalf("calls=%d, delays=%d", calls.Load(), len(delays))
			}
			// Exponential, not a fixed beat: the first waits are short.
			if len(delays) < 3 || delays[0] > 2*defaultRateLimitBase {
				t.Fatalf("delays=%v", delays)
			}
		})
	}
}

// TestRateLimitResetHeader waits as long as X-RateLimit-Reset says when
// there is no Retry-After.
func TestRateLimitResetHeader(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var times []time.Time
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		first := len(times) == 1
		mu.Unlock()
		if first {
			w.Header().Set("X-RateLimit-Reset", "1")
			leverError(w, 429, "TooManyRequests", "slow down")
			return
		}
		writeRaw(w, 201, `{"data":{"noteId":"n1"}}`)
	})
	if _, err := c.CreateNote(context.Background(), "o1", NoteInput{Value: "x"}, ""); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("calls=%d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, want ≥ 1s (X-RateLimit-Reset)", gap)
	}
}

func TestRateLimitResetParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":    0,
		"x":   0,
		"-3":  0,
		"2":   2 * time.Second,
		"2.5": 2500 * time.Millisecond,
		"600": time.Minute, // capped
		strconv.FormatInt(now.Add(3*time.Second).Unix(), 10):      3 * time.Second,
		strconv.FormatInt(now.Add(4*time.Second).UnixMilli(), 10): 4 * time.Second,
		strconv.FormatInt(now.Add(-time.Second).Unix(), 10):       0,
	} {
		if got := rateLimitReset(in, now); got != want {
			t.Errorf("rateLimitReset(%q)=%v, want %v", in, got, want)
		}
	}
}
