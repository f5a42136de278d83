package lever

import (
	"context"

	"golang.org/x/time/rate"
)

// Limiter paces calls to Lever. The client calls Wait before every HTTP
// attempt, retries included. Lever's budget is per API key or grant, so every
// process using the same connection must share one Limiter (the engine passes
// a database-backed one).
type Limiter interface {
	// Wait blocks until one call may be made, or returns ctx's error.
	Wait(ctx context.Context) error
}

// NewTokenBucket returns an in-process token bucket refilled at perSecond
// tokens per second. Zero or negative arguments select Lever's documented
// budget: 10 per second, bursts of 20.
//
// The bucket holds one token fewer than burst (at least one). Lever's bucket
// counts a request when it arrives, this one when it leaves; without that
// reserve a request that happened to travel faster than the first one of a
// burst would find Lever's bucket a fraction of a token short and get a 429.
// One token is 1/perSecond of tolerance for that jitter (100ms at 10/s).
func NewTokenBucket(perSecond float64, burst int) Limiter {
	if perSecond <= 0 {
		perSecond = 10
	}
	if burst <= 0 {
		burst = 20
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(burst-1, 1))
}

// unlimited is a Limiter that never waits.
type unlimited struct{}

func (unlimited) Wait(ctx context.Context) error { return ctx.Err() }

// Unlimited returns a Limiter that never waits. It is meant for tests and
// benchmarks against a local server; never use it against Lever.
func Unlimited() Limiter { return unlimited{} }

var (
	_ Limiter = (*rate.Limiter)(nil)
	_ Limiter = unlimited{}
)
