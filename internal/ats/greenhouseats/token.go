package greenhouseats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Token is an OAuth token pair from Greenhouse's auth server. Access
// tokens live an hour; refresh tokens (authorization-code grant only) live
// 24 hours and each refreshes once.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
}

// tokenSource hands out a valid access token, getting a new one when the
// current one is within a minute of expiry: with the client-credentials
// grant it asks for a new token, with the authorization-code grant it
// refreshes and stores the new pair through save before anyone uses it.
// One mutex serializes the refresh: two goroutines never refresh at once,
// which would burn the single-use refresh token. Across processes the
// caller must hold a lease (see Config.SaveTokenFunc).
type tokenSource struct {
	authURL      string
	clientID     string
	clientSecret string
	sub          string // client credentials: the acting user; "" for the credential's default
	partner      bool
	http         *http.Client
	timeout      time.Duration // bounds each token request
	save         func(context.Context, Token) error
	now          func() time.Time

	mu      sync.Mutex
	tok     Token
	unsaved bool // the pair in tok is not yet stored
}

// token returns an access token valid for at least a minute.
func (ts *tokenSource) token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok.AccessToken != "" && ts.now().Add(time.Minute).Before(ts.tok.Expiry) && !ts.unsaved {
		return ts.tok.AccessToken, nil
	}
	if err := ts.renew(ctx); err != nil {
		return "", err
	}
	return ts.tok.AccessToken, nil
}

// refresh renews the token now, whatever its expiry (the keep-alive of a
// partner connection: a refresh token unused for 24 hours is lost).
func (ts *tokenSource) refresh(ctx context.Context) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.renew(ctx)
}

// invalidate drops tok after Greenhouse refused it, unless another
// goroutine has already replaced it.
func (ts *tokenSource) invalidate(tok string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.tok.AccessToken == tok {
		ts.tok.Expiry = time.Time{}
	}
}

// renew gets a new token. The caller holds ts.mu.
func (ts *tokenSource) renew(ctx context.Context) error {
	if ts.unsaved {
		// A pair obtained earlier could not be stored: store it before use.
		if err := ts.save(ctx, ts.tok); err != nil {
			return &tokenError{op: "store the refreshed token pair", err: err}
		}
		ts.unsaved = false
		if ts.now().Add(time.Minute).Before(ts.tok.Expiry) {
			return nil
		}
	}
	form := url.Values{}
	if ts.partner {
		if ts.tok.RefreshToken == "" {
			return &tokenError{op: "refresh", err: errors.New("no refresh token: the account must be connected again"), unauthorized: true}
		}
		form.Set("grant_type", "refresh_token")
		form.Set("refresh_token", ts.tok.RefreshToken)
	} else {
		form.Set("grant_type", "client_credentials")
		if ts.sub != "" {
			form.Set("sub", ts.sub)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, ts.timeout)
	defer cancel()
	tok, err := requestToken(rctx, ts.http, ts.authURL, ts.clientID, ts.clientSecret, form, ts.now)
	if err != nil {
		return err
	}
	if ts.partner && tok.RefreshToken == "" {
		tok.RefreshToken = ts.tok.RefreshToken
	}
	ts.tok = tok
	if ts.partner && ts.save != nil {
		// The old refresh token is spent: the new pair must be stored
		// before it is used, or a crash would lose the connection.
		if err := ts.save(ctx, tok); err != nil {
			ts.unsaved = true
			return &tokenError{op: "store the refreshed token pair", err: err}
		}
	}
	return nil
}

// tokenError is a failure to get a token; unauthorized marks one that
// needs the account connected again.
type tokenError struct {
	op           string
	err          error
	unauthorized bool
}

func (e *tokenError) Error() string { return "greenhouse: " + e.op + ": " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// requestToken posts a grant to Greenhouse's /token with HTTP Basic client
// authentication and a form body, and reads expires_at (Greenhouse's
// field; expires_in is read when present instead, an hour assumed when
// neither is).
func requestToken(ctx context.Context, hc *http.Client, authURL, id, secret string, form url.Values, now func() time.Time) (Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(authURL, "/")+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		return Token{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(id, secret)
	grantType := form.Get("grant_type")
	resp, err := hc.Do(req)
	if err != nil {
		return Token{}, &tokenError{op: grantType, err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		ae := parseError(http.MethodPost, "/token", resp)
		// A refused grant or client needs the account connected again; a
		// 5xx or 429 is passing.
		return Token{}, &tokenError{op: grantType, err: ae, unauthorized: resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized}
	}
	var body struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		RefreshToken string `json:"refresh_token"`
		ExpiresAt    string `json:"expires_at"`
		ExpiresIn    int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		return Token{}, &tokenError{op: grantType, err: fmt.Errorf("the token answer has no access_token (%v)", err)}
	}
	if !strings.EqualFold(body.TokenType, "bearer") {
		return Token{}, &tokenError{op: grantType, err: fmt.Errorf("token_type %q is not Bearer", body.TokenType)}
	}
	t := Token{AccessToken: body.AccessToken, RefreshToken: body.RefreshToken, Expiry: now().Add(time.Hour)}
	switch {
	case body.ExpiresAt != "":
		exp, err := time.Parse(time.RFC3339, body.ExpiresAt)
		if err != nil {
			return Token{}, &tokenError{op: grantType, err: fmt.Errorf("expires_at %q is not an ISO 8601 time", body.ExpiresAt)}
		}
		t.Expiry = exp
	case body.ExpiresIn > 0:
		t.Expiry = now().Add(time.Duration(body.ExpiresIn) * time.Second)
	}
	return t, nil
}

// ExchangeCode trades the authorization code Greenhouse sent to
// redirectURI for a token pair (partner OAuth). The code lives a minute
// and is good once.
func ExchangeCode(ctx context.Context, cfg Config, code, redirectURI string) (Token, error) {
	cfg = cfg.withDefaults()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}}
	if redirectURI != "" {
		form.Set("redirect_uri", redirectURI)
	}
	return requestToken(ctx, cfg.HTTPClient, cfg.AuthURL, cfg.ClientID, cfg.ClientSecret, form, cfg.NowFunc)
}

// AuthorizeURL is where a partner sends a Greenhouse user to consent.
func AuthorizeURL(cfg Config, redirectURI, state string, scopes []string) string {
	cfg = cfg.withDefaults()
	q := url.Values{"response_type": {"code"}, "client_id": {cfg.ClientID}, "redirect_uri": {redirectURI}, "state": {state}}
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, " "))
	}
	return strings.TrimRight(cfg.AuthURL, "/") + "/authorize?" + q.Encode()
}
