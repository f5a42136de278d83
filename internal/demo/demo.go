// Package demo wires a complete stagecoach installation on one machine: the
// local Lever sandbox with its demo data, a stagecoach server, and the sample
// assessment provider, connected as an operator would connect them. The demo
// command runs it for people; the end-to-end tests run it for assertions.
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/sampleprovider"
	"stagecoach/internal/store"
	"stagecoach/internal/ui"
)

// Config configures a demo installation. Addresses may use port 0.
type Config struct {
	Addr          string // stagecoach; default 127.0.0.1:8080
	SandboxAddr   string // the Lever sandbox; default 127.0.0.1:8900
	SandboxAPIKey string // default "demo-lever-key"
	ProviderAddr  string // the sample provider; default 127.0.0.1:8950
	// VideoProviderAddr and ServiceProviderAddr are the sample video
	// interview and interview service providers; default 127.0.0.1:8951
	// and 127.0.0.1:8952.
	VideoProviderAddr   string
	ServiceProviderAddr string
	// SourcingAddr is the sample sourcing provider's address (default
	// 127.0.0.1:8953, or a free port when ProviderAddr's port is 0);
	// SourcingDelay the wait between its steps, zero leaving it idle (no
	// candidates of its own exported).
	SourcingAddr  string
	SourcingDelay time.Duration
	ProviderDelay time.Duration
	DataDir       string // default: a new temporary folder, removed on Close
	Database      string // postgres:// URL; empty for SQLite in DataDir
	// Sandbox is applied to the sandbox's config (tests shorten delays).
	Sandbox func(*leversandbox.Config)
	// App is applied to stagecoach's config (tests shorten leases).
	App func(*app.Config)
	// Bare leaves the connection, its webhooks and the integrations to the
	// operator, who makes them in the web UI; the sample providers are still
	// registered (the sample marketplace, which needs an integration to
	// export into, does not run).
	Bare   bool
	Logger *slog.Logger
}

// Env is a running demo installation.
type Env struct {
	Sandbox        *leversandbox.Sandbox
	SandboxURL     string
	SandboxAPIKey  string
	App            *app.App
	Provider       *sampleprovider.Provider
	ProviderAPIKey string
	Integration    *domain.Integration
	// The video interview flow ("Jobma" stage) and the interview service
	// flow ("JobTwine" stage, postings tagged "JobTwine").
	VideoProvider         *sampleprovider.Provider
	VideoProviderAPIKey   string
	VideoIntegration      *domain.Integration
	ServiceProvider       *sampleprovider.Provider
	ServiceProviderAPIKey string
	ServiceIntegration    *domain.Integration
	// The sourcing side: the sample marketplace and its integration.
	Sourcer             *sampleprovider.Sourcer
	SourcingIntegration *domain.Integration
	SourcingAPIKey      string
	// Lever drives the sandbox as a recruiter's own tooling would: through
	// the Data API with LeverAPIKey, a key of its own with every permission,
	// so that its calls do not spend stagecoach's rate limit.
	Lever       *lever.Client
	LeverAPIKey string
	DataDir     string
	Database    string // the postgres:// URL, or empty for SQLite in DataDir
	// UIURL is the web UI; OAuthClientID names the OAuth app registered in
	// the sandbox for the UI's redirect URI.
	UIURL         string
	OAuthClientID string

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	sandbox *http.Server
	tmp     string
}

// ConnectionID is the demo's connection.
const ConnectionID = "demo"

// ProviderID is the demo's assessment provider.
const ProviderID = "demo-assessments"

// The demo's video interview and interview service providers, and the
// stages and tag their integrations use (the seeded pipeline has them).
const (
	VideoProviderID   = "demo-video"
	ServiceProviderID = "demo-interviews"
	VideoStage        = "Jobma"
	ServiceStage      = "JobTwine"
	JobSyncTag        = "JobTwine"
)

// UIClientID is the OAuth client the demo registers in the sandbox for the
// web UI.
const UIClientID = "stagecoach-ui"

// Start builds and runs everything until Close.
func Start(ctx context.Context, cfg Config) (_ *Env, err error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.SandboxAddr == "" {
		cfg.SandboxAddr = "127.0.0.1:8900"
	}
	if cfg.SandboxAPIKey == "" {
		cfg.SandboxAPIKey = "demo-lever-key"
	}
	if cfg.ProviderAddr == "" {
		cfg.ProviderAddr = "127.0.0.1:8950"
	}
	if cfg.VideoProviderAddr == "" {
		cfg.VideoProviderAddr = "127.0.0.1:8951"
	}
	if cfg.ServiceProviderAddr == "" {
		cfg.ServiceProviderAddr = "127.0.0.1:8952"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	env := &Env{SandboxAPIKey: cfg.SandboxAPIKey}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	env.cancel = cancel
	defer func() {
		if err != nil {
			env.Close()
		}
	}()

	// The Lever sandbox.
	sln, err := net.Listen("tcp", cfg.SandboxAddr)
	if err != nil {
		return nil, fmt.Errorf("sandbox: listen on %s: %w", cfg.SandboxAddr, err)
	}
	env.SandboxURL = "http://" + sln.Addr().String()
	sc := leversandbox.Config{APIKey: cfg.SandboxAPIKey, Seed: "demo", BaseURL: env.SandboxURL, Logger: cfg.Logger}
	if cfg.Sandbox != nil {
		cfg.Sandbox(&sc)
	}
	if env.Sandbox, err = leversandbox.New(sc); err != nil {
		sln.Close()
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	env.sandbox = &http.Server{Handler: env.Sandbox, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = env.sandbox.Serve(sln) }()

	// stagecoach.
	env.DataDir, env.Database = cfg.DataDir, cfg.Database
	if env.DataDir == "" {
		if env.tmp, err = os.MkdirTemp("", "stagecoach-demo-"); err != nil {
			return nil, err
		}
		env.DataDir = env.tmp
	}
	ac := app.Config{Addr: cfg.Addr, DataDir: env.DataDir, Database: cfg.Database, Migrate: true, Logger: cfg.Logger}
	ac.Engine.ReconcileInterval = time.Minute
	ac.Engine.PostingSyncInterval = 30 * time.Second
	// The demo's providers live on loopback, next to stagecoach.
	ac.Engine.Fetch.AllowPrivate = true
	// The web UI connects Lever accounts through an OAuth app registered in
	// the sandbox (below, once the UI's address is known).
	ac.UI.OAuthClientID, ac.UI.OAuthClientSecret = UIClientID, domain.NewToken(24)
	ac.UI.DefaultBaseURL = env.SandboxURL
	if cfg.App != nil {
		cfg.App(&ac)
	}
	if env.App, err = app.New(ctx, ac); err != nil {
		return nil, fmt.Errorf("stagecoach: %w", err)
	}
	env.wg.Add(1)
	go func() { defer env.wg.Done(); _ = env.App.Run(runCtx) }()

	env.UIURL, env.OAuthClientID = env.App.URL(), UIClientID
	if err = env.admin(ctx, http.MethodPost, "/_sandbox/oauth/clients", map[string]any{
		"clientId": UIClientID, "clientSecret": ac.UI.OAuthClientSecret, "redirectUris": []string{env.App.URL() + ui.CallbackPath},
	}); err != nil {
		return nil, fmt.Errorf("register the web UI's OAuth client: %w", err)
	}

	// A new Lever account delivers no webhook until a Super Admin switches
	// the event groups on in Settings → Integrations and API → Webhooks;
	// the demo's Super Admin switches all of them on.
	groups := map[string]bool{}
	for _, ev := range lever.Events {
		groups[ev] = true
	}
	if err = env.admin(ctx, http.MethodPost, "/_sandbox/webhook-groups", groups); err != nil {
		return nil, fmt.Errorf("switch the webhook groups on: %w", err)
	}

	// The operator's setup: connection, webhooks, providers, integrations.
	// A bare demo leaves all but the providers to the web UI.
	eng, adm := env.App.Engine, env.App.Admin
	if !cfg.Bare {
		if _, err = adm.CreateConnection(ctx, admin.ConnectionInput{ID: ConnectionID, Name: "Demo Lever", Environment: "custom", BaseURL: env.SandboxURL, APIKey: cfg.SandboxAPIKey}); err != nil {
			return nil, fmt.Errorf("create connection: %w", err)
		}
		if _, err = adm.RegisterWebhooks(ctx, ConnectionID, env.App.URL(), webhookEvents()); err != nil {
			return nil, fmt.Errorf("register webhooks: %w", err)
		}
	}
	// The provider learns its key and secret from its creation; stagecoach
	// learns the provider's webhook URL once it listens.
	p, apiKey, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: ProviderID, Name: "Demo Assessments", Kind: domain.KindAssessment})
	if err != nil {
		return nil, fmt.Errorf("create provider: %w", err)
	}
	env.ProviderAPIKey = apiKey
	if !cfg.Bare {
		if env.Integration, err = adm.CreateIntegration(ctx, ConnectionID, ProviderID, json.RawMessage(`{"triggerStage":"Assessment","completionStage":"Assessment Complete"}`)); err != nil {
			return nil, fmt.Errorf("create integration: %w", err)
		}
	}
	if env.Provider, err = env.startProvider(ctx, runCtx, cfg, p, apiKey, domain.KindAssessment, cfg.ProviderAddr); err != nil {
		return nil, err
	}
	if env.LeverAPIKey, err = env.recruiterKey(ctx); err != nil {
		return nil, fmt.Errorf("generate the recruiter's API key: %w", err)
	}
	if env.Lever, err = lever.New(lever.Config{Environment: lever.Custom(env.SandboxURL), APIKey: env.LeverAPIKey}); err != nil {
		return nil, err
	}

	// The video interview tool: the Backend Engineer posting gets the
	// engineering kit, every other posting the general one.
	backend, err := env.postingID(ctx, "Backend Engineer")
	if err != nil {
		return nil, err
	}
	vp, vkey, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: VideoProviderID, Name: sampleprovider.DefaultVideoName, Kind: domain.KindVideoInterview})
	if err != nil {
		return nil, fmt.Errorf("create video provider: %w", err)
	}
	env.VideoProviderAPIKey = vkey
	vs := fmt.Sprintf(`{"triggerStage":%q,"defaultPackage":"general","postingPackages":{%q:"engineering"}}`, VideoStage, backend)
	if !cfg.Bare {
		if env.VideoIntegration, err = adm.CreateIntegration(ctx, ConnectionID, VideoProviderID, json.RawMessage(vs)); err != nil {
			return nil, fmt.Errorf("create video integration: %w", err)
		}
	}
	if env.VideoProvider, err = env.startProvider(ctx, runCtx, cfg, vp, vkey, domain.KindVideoInterview, cfg.VideoProviderAddr); err != nil {
		return nil, err
	}

	// The interview service: postings tagged "JobTwine" are its jobs.
	sp, skey, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: ServiceProviderID, Name: sampleprovider.DefaultServiceName, Kind: domain.KindInterviewService})
	if err != nil {
		return nil, fmt.Errorf("create interview service provider: %w", err)
	}
	env.ServiceProviderAPIKey = skey
	ss := fmt.Sprintf(`{"triggerStage":%q,"jobSyncTag":%q}`, ServiceStage, JobSyncTag)
	if !cfg.Bare {
		if env.ServiceIntegration, err = adm.CreateIntegration(ctx, ConnectionID, ServiceProviderID, json.RawMessage(ss)); err != nil {
			return nil, fmt.Errorf("create interview service integration: %w", err)
		}
	}
	if env.ServiceProvider, err = env.startProvider(ctx, runCtx, cfg, sp, skey, domain.KindInterviewService, cfg.ServiceProviderAddr); err != nil {
		return nil, err
	}
	if cfg.Bare {
		if _, env.SourcingAPIKey, err = adm.CreateProvider(ctx, admin.ProviderInput{ID: SourcingProviderID, Name: sampleprovider.DefaultSourcingName, Kind: domain.KindSourcing}); err != nil {
			return nil, fmt.Errorf("create sourcing provider: %w", err)
		}
		return env, nil
	}
	if _, err = eng.SyncPostings(ctx, ConnectionID); err != nil {
		return nil, fmt.Errorf("sync postings: %w", err)
	}
	if err = env.startSourcing(ctx, runCtx, cfg); err != nil {
		return nil, fmt.Errorf("sourcing: %w", err)
	}
	return env, nil
}

// startProvider runs a sample provider of kind for p and gives stagecoach
// its webhook URL once it listens.
func (env *Env) startProvider(ctx, runCtx context.Context, cfg Config, p *domain.Provider, apiKey, kind, addr string) (*sampleprovider.Provider, error) {
	sp, err := sampleprovider.New(sampleprovider.Config{StagecoachURL: env.App.URL(), APIKey: apiKey, WebhookSecret: p.WebhookSecret,
		Kind: kind, Name: p.Name, Addr: addr, Delay: cfg.ProviderDelay, Logger: cfg.Logger})
	if err != nil {
		return nil, fmt.Errorf("sample provider %s: %w", p.ID, err)
	}
	env.wg.Add(1)
	go func() { defer env.wg.Done(); _ = sp.Run(runCtx) }()
	select {
	case <-sp.Ready():
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("sample provider %s did not start", p.ID)
	}
	p.WebhookURL = sp.URL() + "/webhooks"
	if err := env.App.Engine.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) }); err != nil {
		return nil, err
	}
	// Orders name a published package: wait for the provider to publish.
	for deadline := time.Now().Add(10 * time.Second); ; {
		var pkgs []domain.Package
		err := env.App.Engine.DB().InTx(ctx, func(tx *store.Tx) (err error) { pkgs, err = tx.PackageList(ctx, p.ID); return })
		if err != nil {
			return nil, err
		}
		if len(pkgs) > 0 {
			return sp, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("sample provider %s did not publish its packages", p.ID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postingID finds a seeded posting by title.
func (env *Env) postingID(ctx context.Context, title string) (string, error) {
	for p, err := range env.Lever.ListPostings(ctx, lever.ListPostingsParams{}) {
		if err != nil {
			return "", err
		}
		if p.Text == title {
			return p.ID, nil
		}
	}
	return "", fmt.Errorf("the sandbox has no posting %q", title)
}

// TagPosting adds and removes tags of a posting in the sandbox, as a
// recruiter editing it in Lever's app.
func (env *Env) TagPosting(ctx context.Context, postingID string, add, remove []string) error {
	return env.admin(ctx, http.MethodPost, "/_sandbox/postings/"+postingID+"/tags", map[string]any{"add": nonNil(add), "remove": nonNil(remove)})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Close stops everything and removes the temporary data folder.
func (env *Env) Close() {
	if env.cancel != nil {
		env.cancel()
	}
	env.wg.Wait()
	if env.sandbox != nil {
		// Everything that calls the sandbox has stopped. Shutdown would wait
		// up to 5 s for a connection dialled but never used (net/http counts
		// it idle only then), so after a short grace the rest are closed.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		if env.sandbox.Shutdown(ctx) != nil {
			_ = env.sandbox.Close()
		}
		cancel()
	}
	if env.Sandbox != nil {
		_ = env.Sandbox.Close()
	}
	if env.tmp != "" {
		_ = os.RemoveAll(env.tmp)
	}
}

// MoveToStage moves an opportunity in the sandbox as a recruiter would in
// Lever's app, which fires candidateStageChange.
func (env *Env) MoveToStage(ctx context.Context, oppID, stage string) error {
	return env.admin(ctx, http.MethodPost, "/_sandbox/opportunities/"+oppID+"/stage", map[string]any{"stage": stage})
}

// Archive archives an opportunity in the sandbox (reason by id or text).
func (env *Env) Archive(ctx context.Context, oppID, reason string) error {
	return env.admin(ctx, http.MethodPost, "/_sandbox/opportunities/"+oppID+"/archive", map[string]any{"reason": reason})
}

// Delete deletes an opportunity in the sandbox.
func (env *Env) Delete(ctx context.Context, oppID string) error {
	return env.admin(ctx, http.MethodDelete, "/_sandbox/opportunities/"+oppID, nil)
}

// SetFaults sets the sandbox's fault injection (see docs/lever-sandbox.md).
func (env *Env) SetFaults(ctx context.Context, faults map[string]any) error {
	return env.admin(ctx, http.MethodPost, "/_sandbox/faults", faults)
}

// recruiterKey generates, in the sandbox's settings, an API key with every
// permission and access to confidential data, and returns it.
func (env *Env) recruiterKey(ctx context.Context) (string, error) {
	var perms struct {
		Data []struct {
			Name string `json:"name"`
		} `json:"data"`
	}
	if err := env.adminJSON(ctx, http.MethodGet, "/_sandbox/permissions", nil, &perms); err != nil {
		return "", err
	}
	var names []string
	for _, p := range perms.Data {
		names = append(names, p.Name)
	}
	var key struct {
		Data struct {
			Key string `json:"key"`
		} `json:"data"`
	}
	err := env.adminJSON(ctx, http.MethodPost, "/_sandbox/api-keys", map[string]any{
		"name": "demo recruiter " + domain.NewToken(6), "permissions": names, "confidential": true,
	}, &key)
	if err == nil && key.Data.Key == "" {
		err = errors.New("the sandbox answered no key")
	}
	return key.Data.Key, err
}

func (env *Env) admin(ctx context.Context, method, path string, body any) error {
	return env.adminJSON(ctx, method, path, body, nil)
}

// adminJSON calls the sandbox's admin endpoint and decodes its answer into
// out (unless nil).
func (env *Env) adminJSON(ctx context.Context, method, path string, body, out any) error {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, env.SandboxURL+path, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return fmt.Errorf("sandbox %s %s: %s: %s", method, path, resp.Status, b.String())
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
