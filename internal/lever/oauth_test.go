package lever

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// tokenServer is a Lever-like OAuth token endpoint. Refresh tokens are
// single-use: each refresh spends the presented one and issues a new pair;
// a spent or unknown refresh token gets 400 invalid_grant.
type tokenServer struct {
	srv *httptest.Server

	mu        sync.Mutex
	refreshes int
	valid     map[string]bool // refresh tokens not yet used
	seq       int
	fail      int // answer refreshes with this status instead
	delay     time.Duration
	expiresIn int // seconds; 0 means 3600
}

func newTokenServer(t *testing.T, refreshTokens ...string) *tokenServer {
	ts := &tokenServer{valid: map[string]bool{}}
	for _, r := range refreshTokens {
		ts.valid[r] = true
	}
	ts.srv = httptest.NewServer(http.HandlerFunc(ts.handle))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *tokenServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != "cid" || r.PostForm.Get("client_secret") != "csecret" {
		writeJSON(w, 401, map[string]string{"error": "invalid_client"})
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		if r.PostForm.Get("code") != "code-1" || r.PostForm.Get("redirect_uri") != "https://sc.example/oauth/callback" {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant"})
			return
		}
	case "refresh_token":
		ts.refreshes++
		if ts.delay > 0 {
			time.Sleep(ts.delay) // widen the window for a racing second refresh
		}
		if ts.fail != 0 {
			writeJSON(w, ts.fail, map[string]string{"error": "server_error"})
			return
		}
		rt := r.PostForm.Get("refresh_token")
		if !ts.valid[rt] {
			writeJSON(w, 400, map[string]string{"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."})
			return
		}
		delete(ts.valid, rt)
	default:
		writeJSON(w, 400, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	ts.seq++
	next := fmt.Sprintf("rt-%d", ts.seq)
	expiresIn := ts.expiresIn
	if expiresIn == 0 {
		expiresIn = 3600
	}
	ts.valid[next] = true
	writeJSON(w, 200, map[string]any{
		"access_token": fmt.Sprintf("at-%d", ts.seq), "refresh_token": next, "token_type": "Bearer",
		"scope": "offline_access opportunities:write:admin", "expires_in": expiresIn,
	})
}

func (ts *tokenServer) refreshCount() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.refreshes
}

func (ts *tokenServer) config() OAuthConfig {
	return OAuthConfig{
		Environment: Custom(ts.srv.URL), ClientID: "cid", ClientSecret: "csecret",
		RedirectURL: "https://sc.example/oauth/callback", Scopes: []string{"opportunities:write:admin", "notes:write:admin"},
	}
}

// savedTokens records what the saver stored.
type savedTokens struct {
	mu   sync.Mutex
	toks []*oauth2.Token
	fail int // fail this many saves
}

func (s *savedTokens) save(_ context.Context, tok *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("database is locked")
	}
	s.toks = append(s.toks, tok)
	return nil
}

func (s *savedTokens) has(access string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.toks, func(t *oauth2.Token) bool { return t.AccessToken == access })
}

func (s *savedTokens) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.toks)
}

func expired(refresh string) *oauth2.Token {
	return &oauth2.Token{AccessToken: "at-old", RefreshToken: refresh, TokenType: "Bearer", Expiry: time.Now().Add(-time.Minute)}
}

func TestAuthCodeURL(t *testing.T) {
	t.Parallel()
	cfg := OAuthConfig{Environment: Production, ClientID: "cid", RedirectURL: "https://sc.example/cb", Scopes: []string{"opportunities:write:admin", "stages:read:admin"}}
	u, err := url.Parse(cfg.AuthCodeURL("st-123"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Scheme + "://" + u.Host + u.Path; got != Production.AuthorizeURL {
		t.Fatalf("URL=%s, want %s", got, Production.AuthorizeURL)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"client_id": "cid", "redirect_uri": "https://sc.example/cb", "response_type": "code", "state": "st-123",
		"audience": "https://api.lever.co/v1/", "scope": "offline_access opportunities:write:admin stages:read:admin",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	// An audience configured without the trailing slash still gets one, and
	// offline_access is not duplicated.
	cfg.Environment.Audience = "https://api.lever.co/v1"
	cfg.Scopes = []string{"offline_access", "notes:write:admin"}
	u, _ = url.Parse(cfg.AuthCodeURL("s"))
	if got := u.Query().Get("audience"); got != "https://api.lever.co/v1/" {
		t.Errorf("audience=%q", got)
	}
	if got := u.Query().Get("scope"); got != "offline_access notes:write:admin" {
		t.Errorf("scope=%q", got)
	}
}

func TestExchange(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	tok, err := ts.config().Exchange(context.Background(), "code-1")
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-1" || tok.RefreshToken != "rt-1" || time.Until(tok.Expiry) < 59*time.Minute {
		t.Fatalf("token=%+v", tok)
	}
	if _, err := ts.config().Exchange(context.Background(), "bogus"); err == nil {
		t.Fatal("exchange of a bad code succeeded")
	}
}

// TestTokenSourceSingleFlight: many goroutines find the token expired at the
// same time; exactly one refresh happens, and every caller gets its result.
// A second refresh would present the spent refresh token and fail.
func TestTokenSourceSingleFlight(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "rt-0")
	ts.delay = 50 * time.Millisecond
	saved := &savedTokens{}
	src := NewTokenSource(ts.config(), expired("rt-0"), saved.save)

	const callers = 64
	var wg sync.WaitGroup
	start := make(chan struct{})
	got := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			<-start
			tok, err := src.Token()
			errs[i] = err
			if err == nil {
				got[i] = tok.AccessToken
				if !saved.has(tok.AccessToken) {
					errs[i] = fmt.Errorf("token %s handed out before it was saved", tok.AccessToken)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
		if got[i] != "at-1" {
			t.Fatalf("caller %d got %q, want at-1", i, got[i])
		}
	}
	if n := ts.refreshCount(); n != 1 {
		t.Fatalf("refreshes=%d, want 1", n)
	}
	if saved.count() != 1 || saved.toks[0].RefreshToken != "rt-1" {
		t.Fatalf("saved=%d tokens, want the one new pair", saved.count())
	}
}

// TestTokenSourceSavesBeforeUse: the API never sees an access token that the
// saver has not stored.
func TestTokenSourceSavesBeforeUse(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "rt-0")
	saved := &savedTokens{}
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		access := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !saved.has(access) {
			t.Errorf("API called with unsaved token %q", access)
		}
		writeRaw(w, 200, `{"data":{"id":"u1"}}`)
	}, func(cfg *Config) {
		cfg.APIKey = ""
		cfg.TokenSource = NewTokenSource(ts.config(), expired("rt-0"), saved.save)
	})
	for range 3 {
		if _, err := c.GetUser(context.Background(), "u1"); err != nil {
			t.Fatal(err)
		}
	}
	if ts.refreshCount() != 1 || len(b.requests()) != 3 {
		t.Fatalf("refreshes=%d requests=%d, want 1 and 3", ts.refreshCount(), len(b.requests()))
	}
}

func TestTokenSourceSaveFailure(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "rt-0")
	saved := &savedTokens{fail: 1}
	src := NewTokenSource(ts.config(), expired("rt-0"), saved.save)
	if _, err := src.Token(); err == nil || !strings.Contains(err.Error(), "database is locked") {
		t.Fatalf("err=%v, want the save error", err)
	}
	// The next call stores the same pair rather than refreshing with the
	// spent refresh token.
	tok, err := src.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-1" || ts.refreshCount() != 1 || !saved.has("at-1") {
		t.Fatalf("token=%s refreshes=%d", tok.AccessToken, ts.refreshCount())
	}
}

func TestTokenSourceRefusedRefresh(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t) // knows no refresh token: as after a revocation
	saved := &savedTokens{}
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) { writeRaw(w, 200, `{}`) }, func(cfg *Config) {
		cfg.APIKey = ""
		cfg.TokenSource = NewTokenSource(ts.config(), expired("rt-revoked"), saved.save)
	})
	_, err := c.GetUser(context.Background(), "u1")
	if !errors.Is(err, ErrConnectionBroken) || !strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("err=%v, want ErrConnectionBroken (invalid_grant)", err)
	}
	if len(b.requests()) != 0 || saved.count() != 0 || ts.refreshCount() != 1 {
		t.Fatalf("requests=%d saves=%d refreshes=%d", len(b.requests()), saved.count(), ts.refreshCount())
	}

	t.Run("TransientFailureIsNotBroken", func(t *testing.T) {
		ts := newTokenServer(t, "rt-0")
		ts.fail = 503
		_, err := NewTokenSource(ts.config(), expired("rt-0"), nil).Token()
		if err == nil || errors.Is(err, ErrConnectionBroken) {
			t.Fatalf("err=%v, want a transient error", err)
		}
	})
	t.Run("NoRefreshToken", func(t *testing.T) {
		_, err := NewTokenSource(ts.config(), &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(-time.Hour)}, nil).Token()
		if !errors.Is(err, ErrConnectionBroken) {
			t.Fatalf("err=%v, want ErrConnectionBroken", err)
		}
	})
}

func TestTokenSourceRefreshesEarly(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "rt-0")
	long := &oauth2.Token{AccessToken: "at-long", RefreshToken: "rt-0", Expiry: time.Now().Add(10 * time.Minute)}
	if tok, err := NewTokenSource(ts.config(), long, nil).Token(); err != nil || tok.AccessToken != "at-long" {
		t.Fatalf("token=%v err=%v, want the stored token", tok, err)
	}
	soon := &oauth2.Token{AccessToken: "at-soon", RefreshToken: "rt-0", Expiry: time.Now().Add(30 * time.Second)}
	if tok, err := NewTokenSource(ts.config(), soon, nil).Token(); err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("token=%v err=%v, want a refreshed token", tok, err)
	}
}

// TestTokenSourceShortLivedToken: a token living less than the early-refresh
// margin is still used until its last quarter, not refreshed on every call.
func TestTokenSourceShortLivedToken(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t, "rt-0")
	ts.expiresIn = 40
	src := NewTokenSource(ts.config(), expired("rt-0"), nil)
	for range 5 {
		if _, err := src.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.refreshCount(); n != 1 {
		t.Fatalf("refreshes=%d, want 1", n)
	}
	// 31s later, past three quarters of its 40s, it is due.
	src.(*tokenSource).nowFunc = func() time.Time { return time.Now().Add(31 * time.Second) }
	if tok, err := src.Token(); err != nil || tok.AccessToken != "at-2" {
		t.Fatalf("token=%v err=%v, want a second refresh", tok, err)
	}
}
