package leversandbox

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
	// LatencyMs delays every /v1 call.
	LatencyMs int `json:"latencyMs"`
	// Rate429 and Rate5xx answer /v1 calls with 429 or with 500/503 before
	// they are applied.
	Rate429 float64 `json:"rate429"`
	Rate5xx float64 `json:"rate5xx"`
	// TimeoutAfterWriteRate applies a /v1 write and then never answers: the
	// request hangs until the client gives up (at most a minute) and the
	// connection is closed.
	TimeoutAfterWriteRate float64 `json:"timeoutAfterWriteRate"`
	// DropWebhookRate silently skips a delivery attempt; it counts as a
	// failure and is retried.
	DropWebhookRate float64 `json:"dropWebhookRate"`
	// DuplicateWebhookRate delivers an event twice.
	DuplicateWebhookRate float64 `json:"duplicateWebhookRate"`
	// IgnoreCreateFields names fields of POST /opportunities the sandbox
	// accepts but does not keep (emails, phones, links, sources, tags), as
	// Lever does with a field it does not read: the caller must look at what
	// it created to notice.
	IgnoreCreateFields []string `json:"ignoreCreateFields,omitempty"`
	// Paths, when set, limits the /v1 faults to requests whose path starts
	// with one of these prefixes (e.g. "/v1/opportunities").
	Paths []string `json:"paths,omitempty"`
	// Seed makes the random choices repeatable.
	Seed *uint64 `json:"seed,omitempty"`
}

func (f faultSettings) validate() error {
	if f.LatencyMs < 0 || f.LatencyMs > 600_000 {
		return errBadRequest("latencyMs must be 0..600000")
	}
	for name, r := range map[string]float64{
		"rate429": f.Rate429, "rate5xx": f.Rate5xx, "timeoutAfterWriteRate": f.TimeoutAfterWriteRate,
		"dropWebhookRate": f.DropWebhookRate, "duplicateWebhookRate": f.DuplicateWebhookRate,
	} {
		if r < 0 || r > 1 {
			return errBadRequest("%s must be between 0 and 1, got %v", name, r)
		}
	}
	for _, f := range f.IgnoreCreateFields {
		switch f {
		case "emails", "phones", "links", "sources", "tags":
		default:
			return errBadRequest("ignoreCreateFields: %q is not one of emails, phones, links, sources, tags", f)
		}
	}
	return nil
}

// faults holds the injected faults and the random source that fires them.
type faults struct {
	mu  sync.Mutex
	set faultSettings
	rng *rand.Rand
}

func newFaults() *faults {
	return &faults{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

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

// chance draws once against the rate picked by pick.
func (f *faults) chance(pick func(faultSettings) float64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := pick(f.set)
	return p > 0 && f.rng.Float64() < p
}

func (f *faults) coin() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(2) == 0
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

// before runs the faults that act before a /v1 call is handled: latency,
// then a forced 429 or 5xx. It reports whether it already answered.
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
		writeError(w, &apiError{http.StatusTooManyRequests, "TooManyRequests", "rate limit exceeded (injected fault)"})
		return true
	}
	if s.faults.chance(func(f faultSettings) float64 { return f.Rate5xx }) {
		if s.faults.coin() {
			writeError(w, &apiError{http.StatusServiceUnavailable, "ServiceUnavailable", "Lever is down for maintenance (injected fault)"})
		} else {
			writeError(w, &apiError{http.StatusInternalServerError, "InternalServerError", "internal error (injected fault)"})
		}
		return true
	}
	return false
}

// timeoutAfterWrite reports whether this write should be applied and then
// left unanswered.
func (s *Sandbox) timeoutAfterWrite(r *http.Request) bool {
	return isWrite(r.Method) && s.faults.applies(r.URL.Path) &&
		s.faults.chance(func(f faultSettings) float64 { return f.TimeoutAfterWriteRate })
}

// hangUp waits until the client gives up (or a minute passes, or the sandbox
// closes) and then drops the connection without an answer.
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
	// HTTP/2 or a recorder: net/http turns this panic into a reset stream.
	panic(http.ErrAbortHandler)
}

func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}
