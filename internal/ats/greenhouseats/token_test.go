package greenhouseats_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/greenhouseats"
	"stagecoach/internal/greenhousesandbox"
)

// clock is a test clock shared by the sandbox and the driver.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

// partnerAt connects a partner driver on clk whose SaveTokenFunc is save,
// and returns it with a job of the account.
func partnerAt(t *testing.T, clk *clock, save func(context.Context, greenhouseats.Token) error) (job string, d *greenhouseats.Driver) {
	t.Helper()
	s := startSandboxAt(t, clk.now)
	store := &tokenStore{}
	s.partner(t, store)
	tok, _ := store.get()
	cfg := s.config()
	cfg.ClientID, cfg.ClientSecret, cfg.UserID, cfg.NowFunc = greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret, s.actor, clk.now
	cfg.Token, cfg.SaveTokenFunc = &tok, save
	d, err := greenhouseats.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return scene{s}.NewJob(t, "Token Role", nil), d
}

// TestRefreshSingleFlight: when the access token has expired, concurrent
// calls refresh once (a second refresh with the same single-use refresh
// token would be refused) and the new pair is stored before use.
func TestRefreshSingleFlight(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var mu sync.Mutex
	var saved []greenhouseats.Token
	job, d := partnerAt(t, clk, func(_ context.Context, tok greenhouseats.Token) error {
		mu.Lock()
		defer mu.Unlock()
		saved = append(saved, tok)
		return nil
	})
	ctx := context.Background()
	if _, err := d.Stages(ctx, job); err != nil {
		t.Fatalf("Stages with the first token: %v", err)
	}
	clk.add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := d.Stages(ctx, job)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a call after the access token expired: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(saved) != 1 {
		t.Fatalf("%d pairs stored, want 1 refresh", len(saved))
	}
	if !saved[0].Expiry.Equal(clk.now().Add(time.Hour)) || saved[0].RefreshToken == "" {
		t.Errorf("stored pair = expiry %v refresh %q, want an hour from now and a refresh token", saved[0].Expiry, saved[0].RefreshToken)
	}
}

// TestRefreshStoredBeforeUse: a pair that cannot be stored is not used;
// the next call stores that same pair (the old refresh token is spent, so
// refreshing again would fail) and goes on.
func TestRefreshStoredBeforeUse(t *testing.T) {
	t.Parallel()
	clk := newClock()
	fail := true
	var saved []greenhouseats.Token
	job, d := partnerAt(t, clk, func(_ context.Context, tok greenhouseats.Token) error {
		if fail {
			return errors.New("database is down")
		}
		saved = append(saved, tok)
		return nil
	})
	ctx := context.Background()
	clk.add(time.Hour)
	_, err := d.Stages(ctx, job)
	if err == nil || errors.Is(err, ats.ErrUnauthorized) {
		t.Fatalf("a call whose refreshed pair could not be stored: error %v, want a passing failure", err)
	}
	fail = false
	if _, err := d.Stages(ctx, job); err != nil {
		t.Fatalf("after the store recovered: %v", err)
	}
	if len(saved) != 1 {
		t.Fatalf("%d pairs stored, want the one pair", len(saved))
	}
}

// TestRefreshKeepAlive: Refresh renews the pair now; a connection left
// more than 24 hours without one must be connected again.
func TestRefreshKeepAlive(t *testing.T) {
	t.Parallel()
	clk := newClock()
	n := 0
	job, d := partnerAt(t, clk, func(context.Context, greenhouseats.Token) error { n++; return nil })
	ctx := context.Background()
	clk.add(23 * time.Hour)
	if err := d.Refresh(ctx); err != nil || n != 1 {
		t.Fatalf("Refresh within 24 hours: %v (%d stored)", err, n)
	}
	clk.add(25 * time.Hour)
	if _, err := d.Stages(ctx, job); !errors.Is(err, ats.ErrUnauthorized) {
		t.Errorf("a call 25 hours after the last refresh: %v, want ats.ErrUnauthorized", err)
	}
}

// TestClientCredentialsRenewed: a customer's token is asked for again when
// it expires.
func TestClientCredentialsRenewed(t *testing.T) {
	t.Parallel()
	clk := newClock()
	s := startSandboxAt(t, clk.now)
	cfg := s.config()
	cfg.ClientID, cfg.ClientSecret, cfg.Sub, cfg.NowFunc = greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, s.actor, clk.now
	d, err := greenhouseats.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	job := scene{s}.NewJob(t, "Token Role", nil)
	ctx := context.Background()
	for range 3 {
		if _, err := d.Stages(ctx, job); err != nil {
			t.Fatalf("Stages: %v", err)
		}
		clk.add(61 * time.Minute)
	}
	cfg.ClientSecret = "wrong"
	bad, _ := greenhouseats.New(cfg)
	if _, err := bad.Stages(ctx, job); !errors.Is(err, ats.ErrUnauthorized) {
		t.Errorf("a wrong client secret: %v, want ats.ErrUnauthorized", err)
	}
}

// TestConfigRefused: a config missing what Greenhouse needs is refused,
// naming it.
func TestConfigRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  greenhouseats.Config
		want string
	}{
		{greenhouseats.Config{Sub: "1"}, "ClientID"},
		{greenhouseats.Config{ClientID: "a", ClientSecret: "b"}, "UserID"},
		{greenhouseats.Config{ClientID: "a", ClientSecret: "b", Sub: "x"}, "UserID"},
		{greenhouseats.Config{ClientID: "a", ClientSecret: "b", Sub: "1", Token: &greenhouseats.Token{RefreshToken: "r"}}, "SaveTokenFunc"},
		{greenhouseats.Config{ClientID: "a", ClientSecret: "b", Sub: "1", HarvestURL: "harvest"}, "HarvestURL"},
	} {
		if _, err := greenhouseats.New(tc.cfg); err == nil || !contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error = %v, want one naming %s", tc.cfg, err, tc.want)
		}
	}
}
