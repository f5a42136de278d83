package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/leversandbox"
)

// leverSandboxFlags is `stagecoach lever-sandbox`: it serves a local Lever (Data API, OAuth, webhooks, admin
// endpoint and recruiter page) until ctx is cancelled.
func leverSandboxFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	addr := fs.String("addr", "127.0.0.1:8900", "listen address")
	apiKey := fs.String("api-key", leversandbox.DefaultAPIKey, "API key with every permission")
	seed := fs.String("seed", "demo", `seed data: "demo" or "" (an empty account)`)
	dataPath := fs.String("data", "", "JSON file the state is loaded from and saved to (empty: memory only)")
	tokenTTL := fs.Duration("token-ttl", time.Hour, "lifetime of OAuth access tokens")
	refreshTTL := fs.Duration("refresh-token-ttl", 365*24*time.Hour, "lifetime of an OAuth grant's refresh tokens, from the consent")
	refreshIdle := fs.Duration("refresh-token-idle", 90*24*time.Hour, "an OAuth refresh token unused this long is refused")
	baseURL := fs.String("base-url", "", "public URL of the sandbox (empty: taken from each request's Host)")
	groups := fs.String("webhook-groups", "off", `webhook event groups of a new account: "off" (as a new Lever account: a Super Admin switches them on in Settings) or "on" (all switched on)`)
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	return func(ctx context.Context, c *call) error {
		stdout, stderr := c.stdout, c.stderr
		if *refreshTTL <= 0 || *refreshIdle <= 0 {
			return fmt.Errorf("lever-sandbox: --refresh-token-ttl and --refresh-token-idle must be positive, got %s and %s", *refreshTTL, *refreshIdle)
		}
		if *groups != "on" && *groups != "off" {
			return fmt.Errorf("lever-sandbox: --webhook-groups must be on or off, got %q", *groups)
		}
		log, err := newLogger(stderr, *logFormat, *logLevel)
		if err != nil {
			return err
		}
		sb, err := leversandbox.New(leversandbox.Config{
			APIKey: *apiKey, Seed: *seed, DataPath: *dataPath, BaseURL: *baseURL,
			AccessTokenTTL: *tokenTTL, RefreshTokenTTL: *refreshTTL, RefreshTokenIdle: *refreshIdle, Logger: log, WebhookGroupsOn: *groups == "on",
		})
		if err != nil {
			return err
		}
		defer sb.Close()

		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("lever-sandbox: listen: %w", err)
		}
		url := strings.TrimRight(*baseURL, "/")
		if url == "" {
			url = "http://" + ln.Addr().String()
		}
		fmt.Fprintf(stdout, "Lever sandbox on %s (seed %q)\n", url, *seed)
		fmt.Fprintf(stdout, "  API:        %s/v1   (basic auth: API key as user name, empty password)\n", url)
		fmt.Fprintf(stdout, "  API key:    %s\n", *apiKey)
		fmt.Fprintf(stdout, "  Page:       %s/\n", url)
		fmt.Fprintf(stdout, "  Settings:   %s/settings/integrations   (API credentials, webhooks, authorized apps)\n", url)
		fmt.Fprintf(stdout, "  Admin:      %s/_sandbox/\n", url)
		fmt.Fprintf(stdout, "  OAuth:      authorize %s/oauth/authorize, token %s/oauth/token, audience %s/v1/\n", url, url, url)
		fmt.Fprintf(stdout, "  OAuth client: id %s, secret %s, redirect URIs http://127.0.0.1:<any port>/… and http://localhost:<any port>/…\n",
			leversandbox.DemoClientID, leversandbox.DemoClientSecret)
		if *dataPath != "" {
			fmt.Fprintf(stdout, "  State file: %s\n", *dataPath)
		}

		srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return fmt.Errorf("lever-sandbox: serve: %w", err)
		case <-ctx.Done():
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("lever-sandbox: shutdown: %w", err)
		}
		_ = srv.Close()
		if err := sb.Close(); err != nil {
			return fmt.Errorf("lever-sandbox: save state: %w", err)
		}
		return nil
	}
}
