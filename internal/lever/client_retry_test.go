package lever

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadRetries(t *testing.T) {
	t.Parallel()

	t.Run("RetriesServerErrorsThenSucceeds", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		var observed []int
		var mu sync.Mutex
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			switch n.Add(1) {
			case 1:
				leverError(w, 503, "Maintenance", "later")
			case 2:
				leverError(w, 500, "InternalError", "oops")
			default:
				writeRaw(w, 200, `{"data":{"id":"s1","text":"New lead"}}`)
			}
		}, func(cfg *Config) {
			cfg.ObserveFunc = func(method, route string, status int, d time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				if method != "GET" || route != "/stages/:id" {
					t.Errorf("observe %s %s", method, route)
				}
				observed = append(observed, status)
			}
		})
		s, err := c.GetStage(context.Background(), "s1")
		if err != nil {
			t.Fatal(err)
		}
		if s.Text != "New lead" || n.Load() != 3 {
			t.Fatalf("stage=%+v after %d calls", s, n.Load())
		}
		mu.Lock()
		defer mu.Unlock()
		if got, want := observed, []int{503, 500, 200}; !slices.Equal(got, want) {
			t.Fatalf("observed=%v, want %v", got, want)
		}
	})

	t.Run("RetriesBrokenConnection", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				hijackClose(w)
				return
			}
			writeRaw(w, 200, `{"data":{"id":"u1"}}`)
		})
		if _, err := c.GetUser(context.Background(), "u1"); err != nil {
			t.Fatal(err)
		}
		if n.Load() < 2 {
			t.Fatalf("calls=%d, want a retry", n.Load())
		}
	})

	t.Run("GivesUpAfterMaxRetries", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			leverError(w, 502, "", "bad gateway")
		}, func(cfg *Config) { cfg.MaxRetries = 2 })
		_, err := c.GetUser(context.Background(), "u1")
		if !errors.Is(err, ErrServer) || n.Load() != 3 {
			t.Fatalf("err=%v after %d calls, want ErrServer after 3", err, n.Load())
		}
	})

	t.Run("DoesNotRetryClientErrors", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			leverError(w, 404, "ResourceNotFound", "no")
		})
		if _, err := c.GetUser(context.Background(), "u1"); !errors.Is(err, ErrNotFound) || n.Load() != 1 {
			t.Fatalf("err=%v after %d calls", err, n.Load())
		}
	})
}

func TestRateLimitedRetries(t *testing.T) {
	t.Parallel()

	t.Run("HonoursRetryAfter", func(t *testing.T) {
		t.Parallel()
		var mu sync.Mutex
		var times []time.Time
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			times = append(times, time.Now())
			first := len(times) == 1
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				leverError(w, 429, "TooManyRequests", "slow down")
				return
			}
			writeRaw(w, 200, `{"data":[{"text":"Acme","count":"3"}]}`)
		})
		tags, err := c.ListTags(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(tags) != 1 || tags[0].Count != 3 {
			t.Fatalf("tags=%+v", tags)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(times) != 2 {
			t.Fatalf("calls=%d, want 2", len(times))
		}
		// The test backoff is milliseconds, so a wait near a second can only
		// come from Retry-After.
		if gap := times[1].Sub(times[0]); gap < 900*time.Millisecond {
			t.Fatalf("retried after %v, want ≥ 1s (Retry-After)", gap)
		}
	})

	t.Run("WriteRetriedOn429", func(t *testing.T) {
		t.Parallel()
		var n, applied atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				leverError(w, 429, "TooManyRequests", "slow down")
				return
			}
			applied.Add(1)
			writeRaw(w, 201, `{"data":{"noteId":"n1"}}`)
		})
		id, err := c.CreateNote(context.Background(), "o1", NoteInput{Value: "x"}, "")
		if err != nil || id != "n1" {
			t.Fatalf("id=%q err=%v", id, err)
		}
		if applied.Load() != 1 {
			t.Fatalf("applied=%d, want 1", applied.Load())
		}
	})

	t.Run("WriteRateLimitedIsDefinite", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			leverError(w, 429, "TooManyRequests", "slow down")
		}, func(cfg *Config) { cfg.MaxRetries = 1; cfg.RateLimitBudget = -1 })
		err := c.AddTags(context.Background(), "o1", []string{"a"}, "")
		if !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUncertain) || n.Load() != 2 {
			t.Fatalf("err=%v after %d calls, want ErrRateLimited (not uncertain) after 2", err, n.Load())
		}
	})

	t.Run("ContextEndsDuringRetryAfter", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			leverError(w, 429, "TooManyRequests", "slow down")
		})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := c.AddTags(ctx, "o1", []string{"a"}, "")
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrRateLimited) || errors.Is(err, ErrUncertain) {
			t.Fatalf("err=%v", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("waited past the context deadline")
		}
	})
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"2":                             2 * time.Second,
		"0.5":                           500 * time.Millisecond,
		"-1":                            0,
		"soon":                          0,
		"3600":                          maxRetryAfter,
		"Tue, 02 Jan 2024 03:04:08 GMT": 3 * time.Second,
		"Tue, 02 Jan 2024 03:04:00 GMT": 0,
	} {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q)=%v, want %v", in, got, want)
		}
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	c := &Client{retryBase: 100 * time.Millisecond, retryMax: time.Second}
	for attempt, limit := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		limit *= time.Millisecond
		if attempt >= 4 {
			limit = time.Second
		}
		for range 50 {
			d := c.backoff(attempt)
			if d < limit/2 || d > limit {
				t.Fatalf("backoff(%d)=%v, want in [%v, %v]", attempt, d, limit/2, limit)
			}
		}
	}
	if d := c.backoff(100); d > time.Second {
		t.Fatalf("backoff(100)=%v exceeds the cap", d)
	}
}

// TestUncertainWrites: a write that may have reached Lever is never retried
// and is reported as ErrUncertain with its cause.
func TestUncertainWrites(t *testing.T) {
	t.Parallel()

	t.Run("AppliedThenHangsPastTimeout", func(t *testing.T) {
		t.Parallel()
		var applied atomic.Int32
		release := make(chan struct{})
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			applied.Add(1)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}, func(cfg *Config) { cfg.Timeout = 150 * time.Millisecond })
		defer close(release)
		err := c.UpdateStage(context.Background(), "o1", "s2", "u1")
		if !errors.Is(err, ErrUncertain) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err=%v, want ErrUncertain wrapping DeadlineExceeded", err)
		}
		if applied.Load() != 1 {
			t.Fatalf("applied=%d, want 1 (no retry)", applied.Load())
		}
	})

	t.Run("ConnectionClosedAfterRequest", func(t *testing.T) {
		t.Parallel()
		var applied atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			applied.Add(1)
			hijackClose(w)
		})
		_, err := c.CreateNote(context.Background(), "o1", NoteInput{Value: "x"}, "")
		if !errors.Is(err, ErrUncertain) {
			t.Fatalf("err=%v, want ErrUncertain", err)
		}
		if applied.Load() != 1 {
			t.Fatalf("applied=%d, want 1 (no retry)", applied.Load())
		}
	})

	t.Run("BadGatewayOnWrite", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int32
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			leverError(w, 502, "", "bad gateway")
		})
		err := c.DeleteWebhook(context.Background(), "w1")
		var apiErr *Error
		if !errors.Is(err, ErrUncertain) || !errors.Is(err, ErrServer) || !errors.As(err, &apiErr) || apiErr.StatusCode != 502 {
			t.Fatalf("err=%v, want ErrUncertain wrapping a 502 *Error", err)
		}
		if n.Load() != 1 {
			t.Fatalf("calls=%d, want 1", n.Load())
		}
	})

	t.Run("UnreadableSuccess", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) { writeRaw(w, 201, `{"data":`) })
		_, err := c.CreateOpportunity(context.Background(), CreateOpportunityInput{Name: "x"}, "u1")
		if !errors.Is(err, ErrUncertain) {
			t.Fatalf("err=%v, want ErrUncertain", err)
		}
	})

	t.Run("ClientErrorIsDefinite", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) { leverError(w, 400, "BadRequest", "no such stage") })
		err := c.UpdateStage(context.Background(), "o1", "nope", "")
		if !errors.Is(err, ErrBadRequest) || errors.Is(err, ErrUncertain) {
			t.Fatalf("err=%v, want ErrBadRequest only", err)
		}
	})
}

// TestWriteRetriedAfterDialError: a write whose connection could not be made
// certainly did not reach Lever and is retried.
func TestWriteRetriedAfterDialError(t *testing.T) {
	t.Parallel()
	var dials atomic.Int32
	var applied atomic.Int32
	var logs bytes.Buffer
	var logMu sync.Mutex
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		applied.Add(1)
		writeRaw(w, 200, `{"data":{"id":"o1"}}`)
	}, func(cfg *Config) {
		tr := defaultTransport()
		d := &net.Dialer{}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) <= 2 {
				return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
			}
			return d.DialContext(ctx, network, addr)
		}
		cfg.HTTPClient = &http.Client{Transport: tr}
		cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	if err := c.UpdateStage(context.Background(), "o1", "s2", "u1"); err != nil {
		t.Fatalf("err=%v, want success after dial retries", err)
	}
	if applied.Load() != 1 || dials.Load() != 3 {
		t.Fatalf("applied=%d dials=%d, want 1 and 3", applied.Load(), dials.Load())
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "retried") || strings.Contains(logs.String(), "test-key") ||
		strings.Contains(logs.String(), "Basic ") {
		t.Fatalf("logs=%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// hijackClose drops the connection without answering.
func hijackClose(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}
