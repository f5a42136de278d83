package lever

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serverBucket is Lever's rate limit as the reference describes it: a token
// bucket of rate tokens per second holding at most burst, charged when a
// request arrives.
type serverBucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newServerBucket(rate float64, burst int) *serverBucket {
	return &serverBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

func (b *serverBucket) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// TestRateLimitBurst fires 60 concurrent calls through a client with the
// default limiter at a server enforcing Lever's 10/s, burst 20: the client
// must pace itself so that the server never rejects one.
func TestRateLimitBurst(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes about 4s")
	}
	bucket := newServerBucket(10, 20)
	var served, rejected atomic.Int32
	c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if !bucket.allow() {
			rejected.Add(1)
			leverError(w, 429, "TooManyRequests", "rate limit exceeded")
			return
		}
		served.Add(1)
		writeRaw(w, 200, `{"data":{"id":"o1"}}`)
	}, func(cfg *Config) {
		cfg.Limiter = nil // the default, NewTokenBucket(10, 20)
		cfg.MaxRetries = -1
	})

	const calls = 60
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			if _, err := c.GetOpportunity(context.Background(), "o1"); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if errors.Is(err, ErrRateLimited) {
			continue // counted below
		}
		t.Errorf("call failed: %v", err)
	}
	elapsed := time.Since(start)
	if got := rejected.Load(); got != 0 {
		t.Fatalf("server rejected %d of %d calls with 429", got, calls)
	}
	if got := served.Load(); got != calls {
		t.Fatalf("served=%d, want %d", got, calls)
	}
	// 60 calls at 10/s after a burst of at most 20 cannot finish in under 4s.
	if elapsed < 3900*time.Millisecond {
		t.Fatalf("60 calls took %v; the limiter did not pace them", elapsed)
	}
	t.Logf("60 calls in %v, 0 rejected", elapsed)
}

func TestTokenBucketDefaults(t *testing.T) {
	t.Parallel()
	l := NewTokenBucket(0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n := 0
	for l.Wait(ctx) == nil {
		n++
	}
	// burst 20 minus the reserve token, plus perhaps none refilled in 50ms
	// (refill is 1 per 100ms).
	if n < 19 || n > 20 {
		t.Fatalf("immediate calls=%d, want 19 (20 with a refill)", n)
	}
}
