package lever

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// ScopeOfflineAccess is the scope that makes Lever issue a refresh token.
const ScopeOfflineAccess = "offline_access"

// OAuthConfig describes a registered Lever OAuth app in one environment.
type OAuthConfig struct {
	Environment  Environment
	ClientID     string
	ClientSecret string
	RedirectURL  string   // must equal the registered callback exactly
	Scopes       []string // e.g. "opportunities:write:admin"; offline_access is always added
}

func (c OAuthConfig) oauth2() *oauth2.Config {
	scopes := slices.Clone(c.Scopes)
	if !slices.Contains(scopes, ScopeOfflineAccess) {
		scopes = append([]string{ScopeOfflineAccess}, scopes...)
	}
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  c.RedirectURL,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:  c.Environment.AuthorizeURL,
			TokenURL: c.Environment.TokenURL,
			// Lever reads client_id and client_secret from the form body.
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// audience returns the environment's audience with the trailing slash Lever
// expects.
func (c OAuthConfig) audience() string {
	a := c.Environment.Audience
	if a != "" && !strings.HasSuffix(a, "/") {
		a += "/"
	}
	return a
}

// AuthCodeURL returns the URL of Lever's consent page. state is the
// anti-CSRF value Lever echoes back to the redirect URL; check it there.
func (c OAuthConfig) AuthCodeURL(state string) string {
	return c.oauth2().AuthCodeURL(state, oauth2.SetAuthURLParam("audience", c.audience()))
}

// Exchange trades the one-time authorization code for a token pair.
func (c OAuthConfig) Exchange(ctx context.Context, code string) (*oauth2.Token, error) {
	tok, err := c.oauth2().Exchange(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("lever: oauth exchange: %w", err)
	}
	return tok, nil
}

// TokenSaver stores a token pair. NewTokenSource calls it after every
// refresh, before the new access token is used, because Lever's refresh
// tokens are single-use: a pair that is not stored is lost.
type TokenSaver func(ctx context.Context, tok *oauth2.Token) error

const (
	// refreshEarly is how long before expiry a token is refreshed, so a call
	// never starts with a token about to die in flight.
	refreshEarly = time.Minute
	// refreshTimeout bounds one refresh (and save) round trip.
	refreshTimeout = 30 * time.Second
)

// NewTokenSource returns a TokenSource that hands out tok's access token and
// refreshes it shortly before it expires. At most one refresh runs at a time:
// concurrent callers wait for it and share its result, since Lever rotates
// the refresh token and a second refresh with the old one would be refused.
// save (if not nil) is called with the new pair before the new access token
// is returned; when it fails, Token returns the error and the next call tries
// to save the same pair again before anything else. A refresh Lever refuses
// (invalid_grant and other 4xx answers: revoked, expired or reused refresh
// token) gives an error matching ErrConnectionBroken.
//
// The returned source serialises refreshes within one process only; for
// replicas sharing a connection, see NewSharedTokenSource.
func NewTokenSource(cfg OAuthConfig, tok *oauth2.Token, save TokenSaver) oauth2.TokenSource {
	return NewSharedTokenSource(cfg, tok, save, nil)
}

// TokenLoader reads the token pair stored for a connection.
type TokenLoader func(ctx context.Context) (*oauth2.Token, error)

// NewSharedTokenSource is NewTokenSource for a pair that other processes
// (replicas on one database) refresh too. When Lever refuses the refresh
// token, load (if not nil) reads the stored pair: if another process has
// rotated it meanwhile, the source adopts that pair (refreshing with it if
// its access token is due) instead of reporting the connection broken.
func NewSharedTokenSource(cfg OAuthConfig, tok *oauth2.Token, save TokenSaver, load TokenLoader) oauth2.TokenSource {
	return &tokenSource{
		conf:    cfg.oauth2(),
		save:    save,
		load:    load,
		tok:     tok,
		nowFunc: time.Now,
		early:   refreshEarly,
	}
}

type tokenSource struct {
	conf    *oauth2.Config
	save    TokenSaver
	load    TokenLoader
	nowFunc func() time.Time

	// mu is held for a whole refresh, which makes refreshes single-flight:
	// waiters find the new token when they get the lock.
	mu      sync.Mutex
	tok     *oauth2.Token
	pending *oauth2.Token // refreshed but not yet saved
	early   time.Duration // refresh this long before expiry
}

// Token returns a valid access token, refreshing it when needed.
func (s *tokenSource) Token() (*oauth2.Token, error) {
	return s.token(context.Background(), false)
}

// token returns a valid access token, refreshing it when needed or (force)
// in any case.
func (s *tokenSource) token(ctx context.Context, force bool) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()

	if s.pending != nil {
		if err := s.store(ctx, s.pending); err != nil {
			return nil, err
		}
	}
	if !force && s.fresh(s.tok) {
		return copyToken(s.tok), nil
	}
	if s.tok == nil || s.tok.RefreshToken == "" {
		return nil, fmt.Errorf("lever: refresh token: no refresh token stored: %w", ErrConnectionBroken)
	}
	next, err := s.refresh(ctx, s.tok.RefreshToken)
	if errors.Is(err, ErrConnectionBroken) && s.load != nil {
		// Another process may have rotated the pair since this one was
		// read: the refusal is then about a spent token, not the grant.
		stored, lerr := s.load(ctx)
		if lerr != nil || stored == nil || stored.RefreshToken == "" || stored.RefreshToken == s.tok.RefreshToken {
			return nil, err
		}
		s.tok = stored
		if s.fresh(stored) {
			return copyToken(s.tok), nil
		}
		next, err = s.refresh(ctx, stored.RefreshToken)
	}
	if err != nil {
		return nil, err
	}
	// A token that lives less than a few minutes (a test server) would
	// otherwise always look due; refresh it in its last quarter instead.
	s.early = refreshEarly
	if life := next.Expiry.Sub(s.nowFunc()); !next.Expiry.IsZero() && life < 4*refreshEarly {
		s.early = max(life/4, 0)
	}
	s.pending = next
	if err := s.store(ctx, next); err != nil {
		return nil, err
	}
	return copyToken(s.tok), nil
}

// refresh trades a refresh token for a new pair. Passing only the refresh
// token forces the refresh; oauth2 keeps the old refresh token if the
// answer carries none.
func (s *tokenSource) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	next, err := s.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, refreshError(err)
	}
	return next, nil
}

// RefreshToken renews the client's OAuth token pair now, even while the
// access token is fresh, and saves it like any refresh. Lever's refresh
// tokens expire after 90 days unused, so a connection that makes no calls
// must still refresh them. A refusal (expired, revoked or reused refresh
// token) gives an error matching ErrConnectionBroken. A client with an API
// key has nothing to refresh: RefreshToken returns nil.
func (c *Client) RefreshToken(ctx context.Context) error {
	if c.tokens == nil {
		return nil
	}
	ts, ok := c.tokens.(*tokenSource)
	if !ok {
		return errors.New("lever: refresh token: the client's token source does not come from NewTokenSource")
	}
	_, err := ts.token(ctx, true)
	return err
}

// store saves tok and makes it current.
func (s *tokenSource) store(ctx context.Context, tok *oauth2.Token) error {
	if s.save != nil {
		if err := s.save(ctx, copyToken(tok)); err != nil {
			return fmt.Errorf("lever: save refreshed token: %w", err)
		}
	}
	s.tok, s.pending = tok, nil
	return nil
}

// fresh reports whether tok can be used without refreshing. A token without
// expiry never expires (oauth2's convention).
func (s *tokenSource) fresh(tok *oauth2.Token) bool {
	if tok == nil || tok.AccessToken == "" {
		return false
	}
	return tok.Expiry.IsZero() || s.nowFunc().Add(s.early).Before(tok.Expiry)
}

// refreshError classifies a failed refresh. A 4xx answer from the token
// endpoint means the grant is gone; anything else (network, 5xx) may pass.
func refreshError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil &&
		re.Response.StatusCode >= 400 && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
		code := re.ErrorCode
		if code == "" {
			code = re.Response.Status
		}
		return fmt.Errorf("lever: refresh token refused (%s): %w: %w", code, ErrConnectionBroken, err)
	}
	return fmt.Errorf("lever: refresh token: %w", err)
}

func copyToken(t *oauth2.Token) *oauth2.Token {
	if t == nil {
		return nil
	}
	cp := *t
	return &cp
}

var _ oauth2.TokenSource = (*tokenSource)(nil)
