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

	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/sampleprovider"
	"stagecoach/internal/store"
)

// Config configures a demo installation. Addresses may use port 0.
type Config struct {
	Addr          string // stagecoach; default 127.0.0.1:8080
	SandboxAddr   string // the Lever sandbox; default 127.0.0.1:8900
	SandboxAPIKey string // default "demo-lever-key"
	ProviderAddr  string // the sample provider; default 127.0.0.1:8950
	ProviderDelay time.Duration
	// SourcingAddr is the sample sourcing provider's address (default
	// 127.0.0.1:8951, or a free port when ProviderAddr's port is 0);
	// SourcingDelay the wait between its steps, zero
	// leaving it idle (no candidates of its own exported).
	SourcingAddr  string
	SourcingDelay time.Duration
	DataDir       string // default: a new temporary folder, removed on Close
	Database      string // postgres:// URL; empty for SQLite in DataDir
	// Sandbox is applied to the sandbox's config (tests shorten delays).
	Sandbox func(*leversandbox.Config)
	// App is applied to stagecoach's config (tests shorten leases).
	App    func(*app.Config)
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
	// The sourcing side: the sample marketplace and its integration.
	Sourcer             *sampleprovider.Sourcer
	SourcingIntegration *domain.Integration
	SourcingAPIKey      string
	Lever               *lever.Client // drives the sandbox with its API key, like any Lever
	DataDir             string

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	sandbox *http.Server
	tmp     string
}

// ConnectionID is the demo's connection.
const ConnectionID = "demo"

// ProviderID is the demo's assessment provider.
const ProviderID = "demo-assessments"

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
	env.DataDir = cfg.DataDir
	if env.DataDir == "" {
		if env.tmp, err = os.MkdirTemp("", "stagecoach-demo-"); err != nil {
			return nil, err
		}
		env.DataDir = env.tmp
	}
	ac := app.Config{Addr: cfg.Addr, DataDir: env.DataDir, Database: cfg.Database, Migrate: true, Logger: cfg.Logger}
	ac.Engine.ReconcileInterval = time.Minute
	if cfg.App != nil {
		cfg.App(&ac)
	}
	if env.App, err = app.New(ctx, ac); err != nil {
		return nil, fmt.Errorf("stagecoach: %w", err)
	}
	env.wg.Add(1)
	go func() { defer env.wg.Done(); _ = env.App.Run(runCtx) }()

	// The operator's setup: connection, webhooks, provider, integration.
	eng := env.App.Engine
	if _, err = eng.CreateConnection(ctx, engine.ConnectionInput{ID: ConnectionID, Name: "Demo Lever", Environment: "custom", BaseURL: env.SandboxURL, APIKey: cfg.SandboxAPIKey}); err != nil {
		return nil, fmt.Errorf("create connection: %w", err)
	}
	if _, err = eng.RegisterWebhooks(ctx, ConnectionID, env.App.URL(), webhookEvents()); err != nil {
		return nil, fmt.Errorf("register webhooks: %w", err)
	}
	// The provider learns its key and secret from its creation; stagecoach
	// learns the provider's webhook URL once it listens.
	p, apiKey, err := eng.CreateProvider(ctx, engine.ProviderInput{ID: ProviderID, Name: "Demo Assessments", Kind: domain.KindAssessment})
	if err != nil {
		return nil, fmt.Errorf("create provider: %w", err)
	}
	env.ProviderAPIKey = apiKey
	if env.Integration, err = eng.CreateIntegration(ctx, ConnectionID, ProviderID, json.RawMessage(`{"triggerStage":"Assessment","completionStage":"Assessment Complete"}`)); err != nil {
		return nil, fmt.Errorf("create integration: %w", err)
	}
	if env.Provider, err = sampleprovider.New(sampleprovider.Config{StagecoachURL: env.App.URL(), APIKey: apiKey, WebhookSecret: p.WebhookSecret,
		Addr: cfg.ProviderAddr, Delay: cfg.ProviderDelay, Logger: cfg.Logger}); err != nil {
		return nil, fmt.Errorf("sample provider: %w", err)
	}
	env.wg.Add(1)
	go func() { defer env.wg.Done(); _ = env.Provider.Run(runCtx) }()
	select {
	case <-env.Provider.Ready():
	case <-time.After(10 * time.Second):
		return nil, errors.New("sample provider did not start")
	}
	p.WebhookURL = "http://" + env.Provider.Addr() + "/webhooks"
	if err = eng.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) }); err != nil {
		return nil, err
	}
	if env.Lever, err = lever.New(lever.Config{Environment: lever.Custom(env.SandboxURL), APIKey: cfg.SandboxAPIKey}); err != nil {
		return nil, err
	}
	if err = env.startSourcing(ctx, runCtx, cfg); err != nil {
		return nil, fmt.Errorf("sourcing: %w", err)
	}
	return env, nil
}

// Close stops everything and removes the temporary data folder.
func (env *Env) Close() {
	if env.cancel != nil {
		env.cancel()
	}
	env.wg.Wait()
	if env.sandbox != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = env.sandbox.Shutdown(ctx)
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

func (env *Env) admin(ctx context.Context, method, path string, body any) error {
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
	return nil
}
