package leversandbox

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// throttleInput is the body of POST /_sandbox/throttle: every /v1 call made
// with one credential is answered 429 for a while, as when another process
// sharing the key drains its bucket. Other credentials are not affected.
type throttleInput struct {
	// Credential names the credential: an API key's name or id, or an OAuth
	// client id (every grant of that client).
	Credential string `json:"credential"`
	// Seconds is how long the throttle lasts, 0 < Seconds ≤ 3600; fractions
	// shorten it in tests.
	Seconds float64 `json:"seconds"`
	// Headers chooses what the 429 carries: "retry-after" (the default),
	// "ratelimit-reset" (X-RateLimit-Reset in seconds, no Retry-After) or
	// "none". Lever documents neither header.
	Headers string `json:"headers,omitempty"`
}

type throttle struct {
	until   time.Time
	headers string
}

// throttles holds the active throttles by credential.
type throttles struct {
	mu sync.Mutex
	by map[string]throttle
}

func (t *throttles) set(cred string, th throttle) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.by == nil {
		t.by = map[string]throttle{}
	}
	t.by[cred] = th
}

func (t *throttles) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.by = nil
}

// active returns the throttle on c, if one is running.
func (t *throttles) active(c *credential, now time.Time) (throttle, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, name := range []string{c.name, c.limitKey, c.keyID, c.clientID} {
		if name == "" {
			continue
		}
		if th, ok := t.by[name]; ok {
			if now.Before(th.until) {
				return th, true
			}
			delete(t.by, name)
		}
	}
	return throttle{}, false
}

func (s *Sandbox) handleAdminThrottleSet(r *http.Request) (*reply, error) {
	var in throttleInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Credential == "" {
		return nil, errBadRequest("credential is required: an API key's name or id, or an OAuth client id")
	}
	if in.Seconds <= 0 || in.Seconds > 3600 {
		return nil, errBadRequest("seconds must be more than 0 and at most 3600, got %v", in.Seconds)
	}
	switch in.Headers {
	case "":
		in.Headers = "retry-after"
	case "retry-after", "ratelimit-reset", "none":
	default:
		return nil, errBadRequest(`headers must be "retry-after", "ratelimit-reset" or "none", got %q`, in.Headers)
	}
	until := time.Now().Add(time.Duration(in.Seconds * float64(time.Second)))
	s.throttles.set(in.Credential, throttle{until: until, headers: in.Headers})
	return ok(map[string]any{"credential": in.Credential, "until": until.UnixMilli(), "headers": in.Headers}), nil
}

func (s *Sandbox) handleAdminThrottleClear(*http.Request) (*reply, error) {
	s.throttles.clear()
	return noContent(), nil
}

// throttled answers r with 429 when c is throttled, and reports whether it
// did. The body is Lever's error shape; the message is the one Lever's 429
// carries.
func (s *Sandbox) throttled(w http.ResponseWriter, c *credential) bool {
	now := time.Now()
	th, on := s.throttles.active(c, now)
	if !on {
		return false
	}
	left := th.until.Sub(now)
	switch th.headers {
	case "retry-after":
		w.Header().Set("Retry-After", retryAfterSeconds(left))
	case "ratelimit-reset":
		w.Header().Set("X-RateLimit-Reset", strconv.FormatFloat(left.Seconds(), 'f', 3, 64))
	}
	writeError(w, &apiError{http.StatusTooManyRequests, "TooManyRequests", "You have exceeded your request rate of " + strconv.FormatFloat(s.limiter.rate, 'f', -1, 64) + " r/s."})
	return true
}
