package leverats

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/oauth2"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
)

// Environment returns the Lever environment of a connection: a named
// deployment (production, eu, sandbox) or a custom base URL.
func Environment(c *domain.Connection) (lever.Environment, error) {
	switch c.Environment {
	case "production", "eu", "sandbox":
		return lever.Environments[c.Environment], nil
	case "custom":
		if c.BaseURL == "" {
			return lever.Environment{}, domain.Errorf(domain.EInvalid, "connection %s: a custom environment needs a base URL", c.ID)
		}
		return lever.Custom(strings.TrimRight(c.BaseURL, "/")), nil
	}
	return lever.Environment{}, domain.Errorf(domain.EInvalid, "connection %s: unknown environment %q (want production, eu, sandbox or custom)", c.ID, c.Environment)
}

// OAuthConfig returns the OAuth settings for connecting a Lever account in
// the environment of c (only its Environment and BaseURL are read) with a
// registered Lever app.
func OAuthConfig(c *domain.Connection, clientID, clientSecret, redirectURL string, scopes []string) (lever.OAuthConfig, error) {
	env, err := Environment(c)
	if err != nil {
		return lever.OAuthConfig{}, err
	}
	return lever.OAuthConfig{Environment: env, ClientID: clientID, ClientSecret: clientSecret, RedirectURL: redirectURL, Scopes: scopes}, nil
}

// Opener opens the Lever driver of a connection; it is the ats.Opener the
// wiring gives the engine.
func Opener(c *domain.Connection, lent ats.Lent) (ats.Driver, error) {
	d, err := Open(c, lent)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Open builds the Lever client of a connection (its environment, its API
// key or OAuth token pair, paced by lent.Limiter) and returns its driver,
// writing as the connection's perform-as user by default. An OAuth
// connection's client shares its token pair through lent.Tokens: a pair it
// refreshes is stored, and one another process stored is read before
// refreshing again.
func Open(c *domain.Connection, lent ats.Lent) (*Driver, error) {
	env, err := Environment(c)
	if err != nil {
		return nil, err
	}
	cfg := lever.Config{Environment: env, Timeout: lent.Timeout, Logger: lent.Logger, ObserveFunc: lent.Observe}
	if lent.Limiter != nil {
		cfg.Limiter = lent.Limiter
	}
	switch c.AuthKind {
	case "api_key":
		cfg.APIKey = c.Credentials.APIKey
	case "oauth":
		if lent.Tokens == nil {
			return nil, errors.New("leverats: an OAuth connection needs a token store")
		}
		oc := lever.OAuthConfig{Environment: env, ClientID: c.Credentials.ClientID, ClientSecret: c.Credentials.ClientSecret}
		tok := &oauth2.Token{AccessToken: c.Credentials.AccessToken, RefreshToken: c.Credentials.RefreshToken, Expiry: c.Credentials.Expiry, TokenType: "Bearer"}
		id, tokens := c.ID, lent.Tokens
		cfg.TokenSource = lever.NewSharedTokenSource(oc, tok, func(ctx context.Context, t *oauth2.Token) error {
			return tokens.SaveToken(ctx, id, ats.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry})
		}, func(ctx context.Context) (*oauth2.Token, error) {
			t, err := tokens.LoadToken(ctx, id)
			return &oauth2.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, TokenType: "Bearer"}, err
		})
	default:
		return nil, domain.Errorf(domain.EInvalid, "connection %s: unknown auth kind %q", c.ID, c.AuthKind)
	}
	client, err := lever.New(cfg)
	if err != nil {
		return nil, err
	}
	d, err := New(Config{Client: client, PerformAs: c.PerformAs})
	if err != nil {
		return nil, err
	}
	d.configProblems = CheckEnvironment(c)
	return d, nil
}

// RefreshToken renews an OAuth connection's token pair now (and stores it
// through the token store); nothing for an API key. Lever's refusal of the
// refresh token matches ats.ErrUnauthorized; any other failure
// ats.ErrUnavailable.
func (d *Driver) RefreshToken(ctx context.Context) error {
	err := d.c.RefreshToken(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, lever.ErrConnectionBroken):
		return &ats.Error{Kind: ats.ErrUnauthorized, Op: "lever: refresh token", Cause: err}
	case errors.Is(err, context.Canceled):
		return err
	}
	return &ats.Error{Kind: ats.ErrUnavailable, Op: "lever: refresh token", Cause: err}
}

// Client returns the driver's Lever client, for the Lever-specific parts of
// the wiring (the operator console's user list, the demo).
func (d *Driver) Client() *lever.Client { return d.c }

var _ ats.TokenRefresher = (*Driver)(nil)
