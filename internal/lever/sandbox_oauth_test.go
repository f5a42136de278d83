package lever_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"stagecoach/internal/lever"
)

// TestSandboxOAuth runs the authorization-code flow against the sandbox,
// then refreshes, reuses a spent refresh token and revokes the grant.
func TestSandboxOAuth(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	ctx := context.Background()
	admin(t, srv, http.MethodPost, "/_sandbox/oauth/clients", map[string]any{
		"clientId": "client-test", "clientSecret": "client-test-secret", "redirectUris": []string{"https://sc.example/oauth/callback"},
	}, nil)
	cfg := lever.OAuthConfig{
		Environment: lever.Custom(srv.URL), ClientID: "client-test", ClientSecret: "client-test-secret",
		RedirectURL: "https://sc.example/oauth/callback", Scopes: []string{"stages:read:admin", "users:read:admin"},
	}

	// The consent page accepts the URL, and approving it redirects back
	// with a code and the state.
	authURL, err := url.Parse(cfg.AuthCodeURL("state-42"))
	if err != nil {
		t.Fatal(err)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(authURL.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: %d", resp.StatusCode)
	}
	form := authURL.Query()
	form.Set("decision", "accept")
	resp, err = noRedirect.PostForm(srv.URL+"/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || back.Query().Get("state") != "state-42" || back.Query().Get("code") == "" {
		t.Fatalf("approval answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	tok, err := cfg.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token lacks parts: refresh=%t expiry=%v", tok.RefreshToken != "", tok.Expiry)
	}

	// Pretend the access token has expired: the first call refreshes, the
	// new pair is saved, and the refresh token rotates.
	var mu sync.Mutex
	var saved []*oauth2.Token
	save := func(_ context.Context, t *oauth2.Token) error {
		mu.Lock()
		defer mu.Unlock()
		saved = append(saved, t)
		return nil
	}
	stale := *tok
	stale.Expiry = time.Now().Add(-time.Minute)
	c, err := lever.New(lever.Config{Environment: cfg.Environment, TokenSource: lever.NewTokenSource(cfg, &stale, save), Limiter: lever.Unlimited()})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.ListStages(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	if len(saved) != 1 || saved[0].RefreshToken == tok.RefreshToken || saved[0].AccessToken == tok.AccessToken {
		t.Fatalf("saved %d tokens; want one new pair", len(saved))
	}
	latest := *saved[0]
	mu.Unlock()

	// The grant carries only the scopes asked for.
	if _, err := c.GetPosting(ctx, "any"); !errors.Is(err, lever.ErrForbidden) {
		t.Fatalf("call outside the scopes: %v, want ErrForbidden", err)
	}

	// The original refresh token is spent.
	if _, err := lever.NewTokenSource(cfg, &stale, nil).Token(); !errors.Is(err, lever.ErrConnectionBroken) {
		t.Fatalf("reused refresh token: %v, want ErrConnectionBroken", err)
	}

	// Revocation: the access token stops working and so does the refresh.
	admin(t, srv, http.MethodPost, "/_sandbox/oauth/revoke", map[string]string{"clientId": "client-test"}, nil)
	if _, err := c.ListStages(ctx); !errors.Is(err, lever.ErrConnectionBroken) || !errors.Is(err, lever.ErrUnauthorized) {
		t.Fatalf("after revoke: %v, want ErrConnectionBroken and ErrUnauthorized", err)
	}
	latest.Expiry = time.Now().Add(-time.Minute)
	_, err = lever.NewTokenSource(cfg, &latest, nil).Token()
	if !errors.Is(err, lever.ErrConnectionBroken) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after revoke: %v, want ErrConnectionBroken (invalid_grant)", err)
	}
}

// RefreshToken renews a pair whose access token is still fresh (a
// connection making no calls keeps its refresh token in use), and reports a
// refused refresh as ErrConnectionBroken.
func TestSandboxOAuthRefreshTokenOnDemand(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	ctx := context.Background()
	admin(t, srv, http.MethodPost, "/_sandbox/oauth/clients", map[string]any{
		"clientId": "client-test", "clientSecret": "client-test-secret", "redirectUris": []string{"https://sc.example/oauth/callback"},
	}, nil)
	cfg := lever.OAuthConfig{
		Environment: lever.Custom(srv.URL), ClientID: "client-test", ClientSecret: "client-test-secret",
		RedirectURL: "https://sc.example/oauth/callback", Scopes: []string{"stages:read:admin"},
	}
	authURL, err := url.Parse(cfg.AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	form := authURL.Query()
	form.Set("decision", "accept")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(srv.URL+"/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	var saved []*oauth2.Token
	c, err := lever.New(lever.Config{Environment: cfg.Environment, Limiter: lever.Unlimited(),
		TokenSource: lever.NewTokenSource(cfg, tok, func(_ context.Context, t *oauth2.Token) error { saved = append(saved, t); return nil })})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RefreshToken(ctx); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0].RefreshToken == tok.RefreshToken || saved[0].AccessToken == tok.AccessToken {
		t.Fatalf("saved %d tokens; want one new pair", len(saved))
	}
	if _, err := c.ListStages(ctx); err != nil {
		t.Fatalf("a call after the refresh: %v", err)
	}
	admin(t, srv, http.MethodPost, "/_sandbox/oauth/revoke", map[string]string{"clientId": "client-test"}, nil)
	if err := c.RefreshToken(ctx); !errors.Is(err, lever.ErrConnectionBroken) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after revoke: %v, want ErrConnectionBroken (invalid_grant)", err)
	}
	apiKey, err := lever.New(lever.Config{Environment: cfg.Environment, APIKey: "k", Limiter: lever.Unlimited()})
	if err != nil {
		t.Fatal(err)
	}
	if err := apiKey.RefreshToken(ctx); err != nil {
		t.Fatalf("an API-key client: %v", err)
	}
}

// Two processes share a connection's pair: one rotates it; the other, still
// holding the spent refresh token when its access token runs out, is
// refused by Lever. Reading the stored pair back, it carries on with the
// rotated one instead of reporting the connection broken.
func TestSandboxOAuthSharedPairRotatedByAnotherProcess(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	ctx := context.Background()
	admin(t, srv, http.MethodPost, "/_sandbox/oauth/clients", map[string]any{
		"clientId": "client-test", "clientSecret": "client-test-secret", "redirectUris": []string{"https://sc.example/oauth/callback"},
	}, nil)
	cfg := lever.OAuthConfig{
		Environment: lever.Custom(srv.URL), ClientID: "client-test", ClientSecret: "client-test-secret",
		RedirectURL: "https://sc.example/oauth/callback", Scopes: []string{"stages:read:admin"},
	}
	authURL, err := url.Parse(cfg.AuthCodeURL("s"))
	if err != nil {
		t.Fatal(err)
	}
	form := authURL.Query()
	form.Set("decision", "accept")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(srv.URL+"/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	tok, err := cfg.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}

	// The store both processes share.
	var mu sync.Mutex
	stored := *tok
	save := func(_ context.Context, t *oauth2.Token) error { mu.Lock(); defer mu.Unlock(); stored = *t; return nil }
	load := func(context.Context) (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		cp := stored
		return &cp, nil
	}

	first, err := lever.New(lever.Config{Environment: cfg.Environment, Limiter: lever.Unlimited(), TokenSource: lever.NewSharedTokenSource(cfg, tok, save, load)})
	if err != nil {
		t.Fatal(err)
	}
	old := *tok
	old.Expiry = time.Now().Add(-time.Minute) // its access token has run out
	second, err := lever.New(lever.Config{Environment: cfg.Environment, Limiter: lever.Unlimited(), TokenSource: lever.NewSharedTokenSource(cfg, &old, save, load)})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.RefreshToken(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := second.ListStages(ctx); err != nil {
		t.Fatalf("the second process after the first rotated the pair: %v", err)
	}
	// Without the stored pair to go back to, the refusal stands.
	if _, err := lever.NewTokenSource(cfg, &old, nil).Token(); !errors.Is(err, lever.ErrConnectionBroken) {
		t.Fatalf("a spent refresh token without a store: %v, want ErrConnectionBroken", err)
	}
}
