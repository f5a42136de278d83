package e2e

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/cli"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// startTokenDemo runs the demo with the sandbox's refresh tokens refused
// after idle unused, and stagecoach renewing them every refreshEvery
// (negative: never).
func startTokenDemo(t *testing.T, idle, refreshEvery time.Duration) (*demo.Env, demo.Config) {
	t.Helper()
	return startDemoConfigWith(t, 200*time.Millisecond, func(cfg *demo.Config) {
		sandbox, base := cfg.Sandbox, cfg.App
		cfg.Sandbox = func(c *leversandbox.Config) {
			sandbox(c)
			c.RefreshTokenIdle = idle
		}
		cfg.App = func(c *app.Config) {
			base(c)
			c.Engine.TokenRefreshInterval = refreshEvery
		}
	})
}

// connectByOAuth has a Lever Super Admin authorize an OAuth app (registered
// in the sandbox under clientID) and gives the demo connection the new
// grant, as the web UI's callback does.
func connectByOAuth(t *testing.T, env *demo.Env, clientID string) *domain.Connection {
	t.Helper()
	ctx := context.Background()
	const redirect = "https://stagecoach.example/connections/oauth/callback"
	secret := clientID + "-secret"
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/oauth/clients", map[string]any{
		"clientId": clientID, "clientSecret": secret, "redirectUris": []string{redirect},
	}, nil)
	oc := lever.OAuthConfig{Environment: lever.Custom(env.SandboxURL), ClientID: clientID, ClientSecret: secret, RedirectURL: redirect, Scopes: engine.LeverScopes()}
	authURL, err := url.Parse(oc.AuthCodeURL("state"))
	if err != nil {
		t.Fatal(err)
	}
	form := authURL.Query()
	form.Set("decision", "accept")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(env.SandboxURL+"/oauth/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" {
		t.Fatalf("consent answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := oc.Exchange(ctx, back.Query().Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.App.Admin.ConnectOAuth(ctx, admin.ConnectionInput{ID: demo.ConnectionID, Name: "Demo Lever", Environment: "custom", BaseURL: env.SandboxURL}, clientID, secret, tok)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func demoConnection(t *testing.T, env *demo.Env) *domain.Connection {
	t.Helper()
	ctx := context.Background()
	var c *domain.Connection
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, demo.ConnectionID); return }); err != nil {
		t.Fatal(err)
	}
	return c
}

// A connection whose candidates do not move makes no Lever calls, so
// nothing refreshes its token on the way; Lever refuses a refresh token
// unused for 90 days. Renewed on schedule, the connection outlives that
// limit (here shortened to a second and a half).
func TestOAuthTokenRenewedOnScheduleOutlivesTheIdleLimit(t *testing.T) {
	t.Parallel()
	const idle = 1500 * time.Millisecond
	env, _ := startTokenDemo(t, idle, 250*time.Millisecond)
	ctx := context.Background()
	granted := connectByOAuth(t, env, "renewed-app")

	// Wait out twice the idle limit, watching the renewals.
	renewals := map[time.Time]bool{}
	eventually(t, 30*time.Second, "twice the idle limit, with the token renewed on schedule", func() bool {
		c := demoConnection(t, env)
		if c.Status != domain.ConnActive {
			t.Fatalf("the connection broke while renewed on schedule: %s", c.StatusReason)
		}
		renewals[c.Credentials.RefreshedAt] = true
		return time.Since(granted.Credentials.GrantedAt) > 2*idle
	})
	if len(renewals) < 3 {
		t.Fatalf("the token was renewed %d times in %s, want one per interval", len(renewals)-1, 2*idle)
	}

	// The refresh token is still good: a refresh now succeeds, and the
	// connection still writes to Lever.
	before := demoConnection(t, env).Credentials.RefreshedAt
	if err := env.App.Engine.RefreshToken(ctx, demo.ConnectionID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "one more renewal", func() bool {
		return demoConnection(t, env).Credentials.RefreshedAt.After(before)
	})
	if c := demoConnection(t, env); c.Status != domain.ConnActive {
		t.Fatalf("after the idle limit: %s (%s), want active", c.Status, c.StatusReason)
	}
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the invite note", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("Candidate link: http") == 1
	})
}

// Lever refuses the refresh token (unused past the idle limit, the schedule
// off): the connection is marked broken with Lever's reason, which the
// operator sees, and each provider enabled on it gets connection.broken.
// Work arriving meanwhile waits; a new OAuth grant sends connection.restored
// and the waiting work resumes at once.
func TestOAuthRefusedRefreshBreaksTheConnectionUntilReconnected(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	env, cfg := startTokenDemo(t, idle, -1)
	ctx := context.Background()
	watcher := addTestProvider(t, env, "watcher", "Watcher", domain.KindInterviewService, nil, `{}`)
	off := addTestProvider(t, env, "switched-off", "Switched Off", domain.KindInterviewService, nil, `{}`)
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: off.ID})
		if err != nil || len(ins) != 1 {
			t.Fatalf("integrations of %s: %v %v", off.ID, ins, err)
		}
		ins[0].Enabled = false
		return tx.IntegrationUpdate(ctx, ins[0])
	}); err != nil {
		t.Fatal(err)
	}
	granted := connectByOAuth(t, env, "idle-app")
	eventually(t, 10*time.Second, "the idle limit to pass", func() bool {
		return time.Since(granted.Credentials.RefreshedAt) > idle+200*time.Millisecond
	})

	// The renewal is refused: broken, with Lever's reason.
	if err := env.App.Engine.RefreshToken(ctx, demo.ConnectionID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the connection to be marked broken", func() bool {
		return demoConnection(t, env).Status == domain.ConnBroken
	})
	c := demoConnection(t, env)
	if !strings.Contains(c.StatusReason, "invalid_grant") || !strings.Contains(c.StatusReason, "unused for longer than 1s") {
		t.Fatalf("status reason = %q, want Lever's invalid_grant and why", c.StatusReason)
	}
	var out, errb bytes.Buffer
	args := []string{"connection", "list", "--data", cfg.DataDir}
	if cfg.Database != "" {
		args = append(args, "--database", cfg.Database)
	}
	if err := cli.Run(ctx, args, &out, &errb); err != nil {
		t.Fatalf("connection list: %v\n%s", err, errb.String())
	}
	if line := lineWith(out.String(), demo.ConnectionID+" "); !strings.Contains(line, "broken") || !strings.Contains(line, "invalid_grant") {
		t.Fatalf("connection list does not show the broken connection and why:\n%s", out.String())
	}

	// The provider enabled on it is told, once; the switched-off one is not.
	eventually(t, 30*time.Second, "connection.broken at the provider", func() bool {
		return len(watcher.messages(provider.WebhookConnectionBroken)) > 0
	})
	msgs := watcher.messages(provider.WebhookConnectionBroken)
	broken, err := msgs[0].Connection()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || broken.ConnectionID != demo.ConnectionID || broken.Status != "broken" || broken.Reason != c.StatusReason || broken.IntegrationID == "" {
		t.Fatalf("connection.broken: %d messages, first %+v", len(msgs), broken)
	}

	// A candidate moved meanwhile is received but waits.
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the stage change to be received and held", func() bool {
		held := false
		_ = env.App.DB.InTx(ctx, func(tx *store.Tx) error {
			jobs, err := tx.JobList(ctx, store.JobFilter{Status: domain.JobAvailable, Kind: engine.JobLeverEvent})
			for _, j := range jobs {
				held = held || strings.Contains(j.LastError, "connection broken")
			}
			return err
		})
		return held
	})
	if n := view(t, env.Lever, opp.ID).notesContaining("Candidate link: http"); n != 0 {
		t.Fatalf("%d invite notes while the connection was broken", n)
	}

	// Reconnecting: restored, and the held stage change goes through now,
	// not at the end of its minute-long snooze.
	connectByOAuth(t, env, "idle-app-again")
	eventually(t, 30*time.Second, "connection.restored at the provider", func() bool {
		return len(watcher.messages(provider.WebhookConnectionRestored)) == 1
	})
	restored, err := watcher.messages(provider.WebhookConnectionRestored)[0].Connection()
	if err != nil {
		t.Fatal(err)
	}
	if restored.Status != "active" || restored.Reason != "" || restored.IntegrationID != broken.IntegrationID {
		t.Fatalf("connection.restored: %+v", restored)
	}
	// (Within 20 seconds: the snooze alone would hold it a minute.)
	eventually(t, 20*time.Second, "the invite note", func() bool {
		return view(t, env.Lever, opp.ID).notesContaining("Candidate link: http") == 1
	})
	if n := len(off.messages(provider.WebhookConnectionBroken)) + len(off.messages(provider.WebhookConnectionRestored)); n != 0 {
		t.Fatalf("the switched-off provider got %d connection webhooks, want none", n)
	}
}

// lineWith returns the first line of s that contains sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
