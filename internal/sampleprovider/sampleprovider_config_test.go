package sampleprovider

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/outbound"
	"stagecoach/provider"
)

func TestNewChecksTheConfig(t *testing.T) {
	t.Parallel()
	good := Config{StagecoachURL: "http://127.0.0.1:8080", APIKey: "k", WebhookSecret: outbound.NewSecret()}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string // part of the error; "" for none
	}{
		{"good", func(*Config) {}, ""},
		{"no URL", func(c *Config) { c.StagecoachURL = "" }, "stagecoach URL"},
		{"not http", func(c *Config) { c.StagecoachURL = "ftp://x" }, "stagecoach URL"},
		{"no API key", func(c *Config) { c.APIKey = "" }, "API key"},
		{"no secret", func(c *Config) { c.WebhookSecret = "" }, "webhook secret"},
		{"a bad secret", func(c *Config) { c.WebhookSecret = "whsec_!!" }, "webhook secret"},
		{"a negative delay", func(c *Config) { c.Delay = -time.Second }, "delay"},
		{"a bad public URL", func(c *Config) { c.PublicURL = "x" }, "public URL"},
		{"a package twice", func(c *Config) {
			c.Packages = []provider.Package{{ID: "a", Name: "A", Kind: "assessment"}, {ID: "a", Name: "A", Kind: "assessment"}}
		}, "twice"},
		{"a package without a kind", func(c *Config) { c.Packages = []provider.Package{{ID: "a", Name: "A"}} }, "kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tc.change(&cfg)
			_, err := New(cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err=%v, want one about %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), good.WebhookSecret) {
				t.Fatal("the error shows the secret")
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := Config{}.WithDefaults()
	if c.Addr != "127.0.0.1:8950" || c.Delay != 2*time.Second || c.Name != "Demo Assessments" || len(c.Packages) != 2 || c.Logger == nil {
		t.Fatalf("defaults %+v", c)
	}
	for _, p := range c.Packages {
		if p.Kind != provider.PackageAssessment || !strings.HasPrefix(p.LeverTag, "Demo: ") {
			t.Fatalf("default package %+v", p)
		}
	}
}

func TestPublicURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ addr, public, want string }{
		{"127.0.0.1:8950", "", "http://127.0.0.1:8950"},
		{"0.0.0.0:8950", "", "http://127.0.0.1:8950"},
		{"[::]:8950", "", "http://127.0.0.1:8950"},
		{":8950", "", "http://127.0.0.1:8950"},
		{"127.0.0.1:8950", "https://tool.example/", "https://tool.example"},
	} {
		p, err := New(Config{StagecoachURL: "http://x", APIKey: "k", WebhookSecret: outbound.NewSecret(), Addr: tc.addr, PublicURL: tc.public})
		if err != nil {
			t.Fatal(err)
		}
		if got := p.publicURL(); got != tc.want {
			t.Errorf("addr %q public %q: %q, want %q", tc.addr, tc.public, got, tc.want)
		}
	}
}

func TestRunFailsOnATakenAddress(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	p, err := New(Config{StagecoachURL: "http://x", APIKey: "k", WebhookSecret: outbound.NewSecret(), Addr: ln.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run=%v, want a listen error", err)
	}
	if err := p.Run(context.Background()); err == nil {
		t.Fatal("a second Run succeeded")
	}
}

func TestRunFailsWhenStagecoachRefusesTheKey(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusUnauthorized, "unauthorized", "wrong API key")
	}))
	defer srv.Close()
	p, err := New(Config{StagecoachURL: srv.URL, APIKey: "wrong", WebhookSecret: outbound.NewSecret(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("Run=%v, want the 401", err)
	}
}

func TestReadyBeforeStagecoachIsUp(t *testing.T) {
	t.Parallel()
	// The provider starts first (stagecoach needs its webhook URL): it is
	// ready at once, and publishes once stagecoach answers.
	var up atomic.Bool
	f := newFakeStagecoach(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			problem(w, http.StatusServiceUnavailable, "internal", "starting")
			return
		}
		f.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer srv.Close()
	p, err := New(Config{StagecoachURL: srv.URL, APIKey: testAPIKey, WebhookSecret: outbound.NewSecret(), Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	select {
	case <-p.Ready():
	case <-time.After(waitTimeout):
		t.Fatal("not ready")
	}
	up.Store(true)
	select {
	case <-f.published:
	case <-time.After(waitTimeout):
		t.Fatal("not published once stagecoach was up")
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
}
