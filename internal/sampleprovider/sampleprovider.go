// Package sampleprovider is a demo hiring tool built on the public provider
// client: `stagecoach sample-provider`. It publishes its packages, receives
// stagecoach's signed webhooks and, for every order, plays the candidate,
// each step after a delay. As an assessment tool (the default) it reports
// invited, started, then completed with a deterministic score and a PDF
// report; as a video interview tool, invited then completed with an
// evaluation link; as an interview service it keeps the jobs stagecoach
// syncs and reports a scheduling link, the schedule, a reschedule, then the
// round's feedback (interview.go). The demo and the end-to-end tests use it
// as the provider side.
package sampleprovider

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"stagecoach/provider"
)

// Defaults of Config.
const (
	DefaultAddr  = "127.0.0.1:8950"
	DefaultDelay = 2 * time.Second
	DefaultName  = "Demo Assessments"
)

// DefaultPackages are published when Config.Packages is empty.
func DefaultPackages() []provider.Package {
	return []provider.Package{
		{ID: "go-coding", Name: "Go Coding", Kind: provider.PackageAssessment, LeverTag: "Demo: Go Coding"},
		{ID: "sql-basics", Name: "SQL Basics", Kind: provider.PackageAssessment, LeverTag: "Demo: SQL Basics"},
	}
}

// Config configures a Provider.
type Config struct {
	// StagecoachURL is the root of the stagecoach server, e.g.
	// http://127.0.0.1:8080. Required.
	StagecoachURL string
	// APIKey is the provider's API key for stagecoach. Required.
	APIKey string
	// WebhookSecret ("whsec_…") verifies the webhooks stagecoach sends.
	// Required.
	WebhookSecret string
	// Addr is where the provider listens for webhooks and serves its
	// pages (default 127.0.0.1:8950; port 0 picks a free one).
	Addr string
	// PublicURL is the base of the links given to candidates and
	// recruiters. Empty means http:// and the address it listens on (with
	// 127.0.0.1 for an unspecified host).
	PublicURL string
	// Delay is the wait before each step of an order (invited, started,
	// completed). Zero means 2s.
	Delay time.Duration
	// Kind is the tool the provider plays: assessment (the default),
	// video_interview or interview_service (interview.go).
	Kind string
	// Name is the provider's display name (default "Demo Assessments",
	// "Demo Video" or "Demo Interviews" by kind).
	Name string
	// Packages are published on start. Empty means DefaultPackagesFor the
	// kind. Orders for packages not listed here, or not of the kind's
	// package kind, are ignored.
	Packages []provider.Package
	// Logger receives the provider's logs; nil discards them.
	Logger *slog.Logger
}

// WithDefaults returns c with its zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.Delay == 0 {
		c.Delay = DefaultDelay
	}
	if c.Kind == "" {
		c.Kind = provider.KindAssessment
	}
	if c.Name == "" {
		switch c.Kind {
		case provider.KindVideoInterview:
			c.Name = DefaultVideoName
		case provider.KindInterviewService:
			c.Name = DefaultServiceName
		default:
			c.Name = DefaultName
		}
	}
	if len(c.Packages) == 0 {
		c.Packages = DefaultPackagesFor(c.Kind)
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	u, err := url.Parse(c.StagecoachURL)
	if c.StagecoachURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("stagecoach URL %q is not an http(s) URL", c.StagecoachURL)
	}
	if c.APIKey == "" {
		return errors.New("the API key is empty")
	}
	if c.WebhookSecret == "" {
		return errors.New("the webhook secret is empty")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("public URL %q is not an http(s) URL", c.PublicURL)
		}
	}
	switch c.Kind {
	case provider.KindAssessment, provider.KindVideoInterview, provider.KindInterviewService:
	default:
		return fmt.Errorf("kind %q is not assessment, video_interview or interview_service", c.Kind)
	}
	if c.Delay < 0 {
		return fmt.Errorf("delay %v is negative", c.Delay)
	}
	seen := map[string]bool{}
	for _, p := range c.Packages {
		if p.ID == "" || p.Name == "" || p.Kind == "" {
			return fmt.Errorf("package %q needs an id, a name and a kind", p.ID)
		}
		if seen[p.ID] {
			return fmt.Errorf("package %q is listed twice", p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// Provider is the sample hiring tool. Build it with New and start it with
// Run.
type Provider struct {
	cfg      Config
	log      *slog.Logger
	client   *provider.Client
	verifier *provider.WebhookVerifier
	pages    *template.Template

	started atomic.Bool
	ready   chan struct{}
	addr    atomic.Value // string: the listen address, once listening

	// base is the parent of every order's context; Run cancels it on the
	// way out.
	base       context.Context
	baseCancel context.CancelFunc
	wg         sync.WaitGroup

	mu       sync.Mutex
	seen     map[string]bool          // webhook ids handled
	orders   map[string]*orderRun     // by order id
	received map[string]int           // webhooks by type
	reported map[string]int           // events reported by type
	dupes    int                      // redelivered webhooks dropped
	jobs     map[string]*provider.Job // synced jobs by posting id (interview service)

	// afterFunc waits before a step; tests replace it to drive the steps.
	afterFunc func(time.Duration) <-chan time.Time
	// orderDoneFunc, when set, is called as an order's worker ends.
	orderDoneFunc func(orderID string)
}

// orderRun is one order the provider works on.
type orderRun struct {
	order     provider.Order
	pkg       provider.Package
	status    string // the last status reported
	cancel    context.CancelFunc
	cancelled bool
}

// New checks cfg and returns a provider; it does no I/O.
func New(cfg Config) (*Provider, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("sample provider: %w", err)
	}
	v, err := provider.NewWebhookVerifier(cfg.WebhookSecret)
	if err != nil {
		return nil, fmt.Errorf("sample provider: %w", err)
	}
	pages, err := template.New("").Parse(pageTemplates)
	if err != nil {
		return nil, fmt.Errorf("sample provider: parse pages: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	p := &Provider{
		cfg:        cfg,
		log:        cfg.Logger.With("component", "sampleprovider"),
		client:     provider.NewClient(cfg.StagecoachURL, cfg.APIKey),
		verifier:   v,
		pages:      pages,
		ready:      make(chan struct{}),
		base:       base,
		baseCancel: cancel,
		seen:       map[string]bool{},
		orders:     map[string]*orderRun{},
		received:   map[string]int{},
		reported:   map[string]int{},
		jobs:       map[string]*provider.Job{},
		afterFunc:  time.After,
	}
	return p, nil
}

// Ready is closed once Run listens, before the packages are published:
// the provider's webhook URL can be given to stagecoach then.
func (p *Provider) Ready() <-chan struct{} { return p.ready }

// Addr returns the address the provider listens on once Run has started
// listening (see Ready), and the configured address before that.
func (p *Provider) Addr() string {
	if a, ok := p.addr.Load().(string); ok {
		return a
	}
	return p.cfg.Addr
}

// URL returns the base of the links the provider hands out (Config.PublicURL,
// or http:// and the listen address), e.g. http://127.0.0.1:8950. Its
// webhook URL is URL() + "/webhooks".
func (p *Provider) URL() string { return p.publicURL() }

// publicURL is the base of the links the provider hands out.
func (p *Provider) publicURL() string {
	if p.cfg.PublicURL != "" {
		return strings.TrimRight(p.cfg.PublicURL, "/")
	}
	host, port, err := net.SplitHostPort(p.Addr())
	if err != nil {
		return "http://" + p.Addr()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Run listens on Config.Addr (Ready is closed then), publishes the
// packages (waiting for stagecoach to come up), resumes the orders
// stagecoach still has open for them (after a restart), and serves webhooks
// and pages until ctx is done. It returns nil then, or the error that
// stopped it early: the address is taken, or stagecoach refused the
// packages.
func (p *Provider) Run(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return errors.New("sample provider: Run called twice")
	}
	defer p.baseCancel()
	ln, err := net.Listen("tcp", p.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sample provider: listen: %w", err)
	}
	p.addr.Store(ln.Addr().String())
	srv := &http.Server{
		Handler:           p.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(p.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		p.baseCancel()
		p.wg.Wait()
	}()
	p.log.Info("sample provider listening", slog.String("addr", p.Addr()), slog.String("public_url", p.publicURL()))
	close(p.ready)

	// Publishing waits for stagecoach, which may start after the provider
	// (it needs the provider's webhook URL).
	published := make(chan error, 1)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		err := p.publish(p.base)
		if err == nil {
			p.resume(p.base)
		}
		published <- err
	}()

	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-served:
			return fmt.Errorf("sample provider: serve: %w", err)
		case err := <-published:
			if err != nil && p.base.Err() == nil {
				return fmt.Errorf("sample provider: %w", err)
			}
			published = nil
		}
	}
}

// publish publishes the packages, waiting for stagecoach to come up.
func (p *Provider) publish(ctx context.Context) error {
	for n := 1; ; n++ {
		pkgs, err := p.client.PublishPackages(ctx, p.cfg.Packages)
		if err == nil {
			p.log.Info("published packages", slog.Int("count", len(pkgs)))
			return nil
		}
		if permanent(err) {
			return fmt.Errorf("publish packages: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p.log.Warn("cannot publish packages yet; retrying", slog.Any("error", err))
		if !p.sleep(ctx, retryWait(n)) {
			return ctx.Err()
		}
	}
}

// resume restarts the orders stagecoach still has open for this provider's
// packages, so an order survives a restart of the provider. Reports carry
// stable idempotency keys, and a step already past answers 409, which counts
// as done: nothing is reported twice.
func (p *Provider) resume(ctx context.Context) {
	open := []string{provider.StatusCreated, provider.StatusInvited, provider.StatusStarted}
	if p.cfg.Kind == provider.KindInterviewService {
		open = append(open, provider.StatusScheduled)
	}
	for _, status := range open {
		for o, err := range p.client.ListOrders(ctx, provider.ListOrdersParams{Status: status}) {
			if err != nil {
				if ctx.Err() == nil {
					p.log.Warn("cannot list open orders to resume them", slog.String("status", status), slog.Any("error", err))
				}
				break
			}
			if p.startOrder(o) {
				p.log.Info("resuming order", slog.String("order_id", o.ID), slog.String("status", o.Status))
			}
		}
	}
}

// permanent reports whether err is an answer no retry can change.
func permanent(err error) bool {
	var pr *provider.Problem
	if !errors.As(err, &pr) {
		return false
	}
	switch pr.Status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge:
		return true
	}
	return false
}

// retryWait is the wait before retry n: 500ms doubling up to 5s, short
// enough for a demo to carry on soon after stagecoach is back.
func retryWait(n int) time.Duration {
	return min(500*time.Millisecond<<min(n-1, 4), 5*time.Second)
}

// sleep waits d or until ctx is done, and reports whether ctx is still
// live.
func (p *Provider) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
