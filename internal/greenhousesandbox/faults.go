package greenhousesandbox

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// faultSettings is the body of POST /_sandbox/faults. Rates are 0..1.
type faultSettings struct {
	// LatencyMs delays every /v3 call.
	LatencyMs int `json:"latencyMs"`
	// Rate429 and Rate5xx answer /v3 calls with 429 (with Retry-After) or
	// with 500/503, before anything is applied.
	Rate429 float64 `json:"rate429"`
	Rate5xx float64 `json:"rate5xx"`
	// TimeoutAfterWriteRate applies a /v3 write and then never answers: the
	// request hangs until the client gives up and the connection is closed.
	TimeoutAfterWriteRate float64 `json:"timeoutAfterWriteRate"`
	// DelayedWriteRate accepts a create (201 with its body) whose record
	// then stays out of every read, and is "not found" to writes naming
	// it, for VisibleAfterMs: Greenhouse documents creates answered before
	// the record exists.
	DelayedWriteRate float64 `json:"delayedWriteRate"`
	VisibleAfterMs   int     `json:"visibleAfterMs"`
	// DropWebhookRate silently skips a delivery attempt; it counts as a
	// failure and is retried.
	DropWebhookRate float64 `json:"dropWebhookRate"`
	// Paths, when set, limits the /v3 faults to paths starting with one of
	// these prefixes (e.g. "/v3/notes").
	Paths []string `json:"paths,omitempty"`
	// Seed makes the random choices repeatable.
	Seed *uint64 `json:"seed,omitempty"`
}

func (f faultSettings) validate() *apiError {
	if f.LatencyMs < 0 || f.LatencyMs > 600_000 {
		return errField(http.StatusUnprocessableEntity, "latencyMs", "latencyMs must be 0..600000")
	}
	if f.VisibleAfterMs < 0 || f.VisibleAfterMs > 600_000 {
		return errField(http.StatusUnprocessableEntity, "visibleAfterMs", "visibleAfterMs must be 0..600000")
	}
	for name, r := range map[string]float64{"rate429": f.Rate429, "rate5xx": f.Rate5xx, "timeoutAfterWriteRate": f.TimeoutAfterWriteRate,
		"delayedWriteRate": f.DelayedWriteRate, "dropWebhookRate": f.DropWebhookRate} {
		if r < 0 || r > 1 {
			return errField(http.StatusUnprocessableEntity, name, "%s must be between 0 and 1, got %v", name, r)
		}
	}
	if f.DelayedWriteRate > 0 && f.VisibleAfterMs == 0 {
		return errField(http.StatusUnprocessableEntity, "visibleAfterMs", "delayedWriteRate needs visibleAfterMs")
	}
	return nil
}

type faults struct {
	mu  sync.Mutex
	set faultSettings
	rng *rand.Rand
}

func newFaults() *faults { return &faults{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))} }

func (f *faults) get() faultSettings {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.set
}

func (f *faults) configure(set faultSettings) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.set = set
	if set.Seed != nil {
		f.rng = rand.New(rand.NewPCG(*set.Seed, *set.Seed^0x9e3779b97f4a7c15))
	}
}

func (f *faults) chance(pick func(faultSettings) float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := pick(f.set)
	return p > 0 && f.rng.Float64() < p
}

func (f *faults) applies(path string) bool {
	set := f.get()
	if len(set.Paths) == 0 {
		return true
	}
	for _, p := range set.Paths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// faultsBefore runs the faults that act before a /v3 call is handled. It
// reports whether it already answered.
func (s *Sandbox) faultsBefore(w http.ResponseWriter, r *http.Request) bool {
	if !s.faults.applies(r.URL.Path) {
		return false
	}
	if ms := s.faults.get().LatencyMs; ms > 0 {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		case <-s.done:
			t.Stop()
		}
	}
	if s.faults.chance(func(f faultSettings) float64 { return f.Rate429 }) {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("X-RateLimit-Limit", "50")
		w.Header().Set("X-RateLimit-Remaining", "0")
		writeError(w, errStatus(http.StatusTooManyRequests, "Rate limit exceeded (injected fault)"))
		return true
	}
	if s.faults.chance(func(f faultSettings) float64 { return f.Rate5xx }) {
		status := http.StatusInternalServerError
		if s.faults.chance(func(faultSettings) float64 { return 0.5 }) {
			status = http.StatusServiceUnavailable
		}
		writeError(w, errStatus(status, "Greenhouse is unavailable (injected fault)"))
		return true
	}
	return false
}

// delayedWrite is how long a record this write creates stays hidden.
func (s *Sandbox) delayedWrite(r *http.Request) time.Duration {
	if r.Method != http.MethodPost || !s.faults.applies(r.URL.Path) ||
		!s.faults.chance(func(f faultSettings) float64 { return f.DelayedWriteRate }) {
		return 0
	}
	return time.Duration(s.faults.get().VisibleAfterMs) * time.Millisecond
}

func (s *Sandbox) timeoutAfterWrite(r *http.Request) bool {
	return r.Method != http.MethodGet && s.faults.applies(r.URL.Path) &&
		s.faults.chance(func(f faultSettings) float64 { return f.TimeoutAfterWriteRate })
}

// hangUp waits until the client gives up (or a minute passes, or the
// sandbox closes) and then drops the connection without an answer.
func (s *Sandbox) hangUp(ctx context.Context, w http.ResponseWriter) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-s.done:
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}
