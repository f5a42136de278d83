package ats

import (
	"context"
	"log/slog"
	"time"

	"stagecoach/internal/domain"
)

// Opener opens the driver of one connection's ATS account. The wiring
// (internal/app, the CLI) gives the engine one; the engine caches what it
// opens per version of the connection's credentials, so an Opener builds a
// fresh driver each time it is called.
type Opener func(c *domain.Connection, lent Lent) (Driver, error)

// Lent is what stagecoach lends a driver it opens: the pacing shared by
// every process using the account, the store of refreshed OAuth tokens, and
// how a call is bounded, logged and measured. A driver keeps its ATS's own
// matters (environments, authentication, its client) to itself.
type Lent struct {
	// Limiter paces every call to the account; nil leaves pacing to the
	// driver's client.
	Limiter Limiter
	// Tokens stores the token pair an OAuth connection refreshes, so that
	// every process sharing the database uses the newest one; nil for none.
	Tokens TokenStore
	// Timeout bounds one call; zero leaves the driver's default.
	Timeout time.Duration
	Logger  *slog.Logger
	// Observe, when set, is called after each HTTP attempt with its method,
	// route template, status (0 for a transport error) and duration.
	Observe func(method, route string, status int, d time.Duration)
}

// Limiter paces calls to one account.
type Limiter interface {
	// Wait blocks until one call may be made, or returns ctx's error.
	Wait(ctx context.Context) error
}

// Token is an OAuth token pair.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
}

// TokenStore keeps a connection's OAuth token pair where every process
// reads it.
type TokenStore interface {
	// SaveToken stores a pair the driver refreshed.
	SaveToken(ctx context.Context, connectionID string, t Token) error
	// LoadToken reads the stored pair (another process may have refreshed
	// it).
	LoadToken(ctx context.Context, connectionID string) (Token, error)
}

// TokenRefresher is implemented by a driver whose credentials are an OAuth
// token pair that must be renewed before the ATS lets it lapse. An error
// matching ErrUnauthorized means the ATS refused the pair: the account must
// be connected again.
type TokenRefresher interface {
	RefreshToken(ctx context.Context) error
}

// ConfigChecker is implemented by a driver that can tell, before asking the
// ATS anything, that its connection is configured in a way that cannot work
// (Lever: an OAuth token issued for another environment). Each string is a
// problem, for the setup check; credentials are not sent anywhere to find
// them.
type ConfigChecker interface {
	CheckConfig() []string
}
