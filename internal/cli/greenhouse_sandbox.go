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
	"stagecoach/internal/greenhousesandbox"
)

// greenhouseSandboxFlags is `stagecoach greenhouse-sandbox`: it serves a local Greenhouse (Harvest v3,
// OAuth, signed webhooks, the admin endpoint) until ctx is cancelled.
func greenhouseSandboxFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	addr := fs.String("addr", "127.0.0.1:8910", "listen address")
	seed := fs.String("seed", "demo", `seed data: "demo" (users, jobs with their stages, candidates) or "" (one Site Admin, no jobs)`)
	baseURL := fs.String("base-url", "", "public URL of the sandbox (empty: taken from each request's Host)")
	tokenTTL := fs.Duration("token-ttl", time.Hour, "lifetime of OAuth access tokens")
	refreshTTL := fs.Duration("refresh-token-ttl", 24*time.Hour, "lifetime of an OAuth refresh token (each refreshes once)")
	rateLimit := fs.Int("rate-limit", 0, "Harvest calls each OAuth client may make per --rate-window (0: no limit); past it, 429 with Retry-After")
	rateWindow := fs.Duration("rate-window", 10*time.Second, "the rate limit's window")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	return func(ctx context.Context, c *call) error {
		stdout := c.stdout
		if *tokenTTL <= 0 || *refreshTTL <= 0 {
			return fmt.Errorf("greenhouse-sandbox: --token-ttl and --refresh-token-ttl must be positive, got %s and %s", *tokenTTL, *refreshTTL)
		}
		if *rateLimit < 0 || *rateWindow <= 0 {
			return fmt.Errorf("greenhouse-sandbox: --rate-limit must not be negative and --rate-window must be positive, got %d and %s", *rateLimit, *rateWindow)
		}
		log, err := newLogger(c.stderr, *logFormat, *logLevel)
		if err != nil {
			return err
		}
		sb, err := greenhousesandbox.New(greenhousesandbox.Config{
			Seed: *seed, BaseURL: *baseURL, AccessTokenTTL: *tokenTTL, RefreshTokenTTL: *refreshTTL, Logger: log,
			RateLimit: *rateLimit, RateWindow: *rateWindow,
		})
		if err != nil {
			return err
		}
		defer sb.Close()
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("greenhouse-sandbox: listen: %w", err)
		}
		url := strings.TrimRight(*baseURL, "/")
		if url == "" {
			url = "http://" + ln.Addr().String()
		}
		fmt.Fprintf(stdout, "Greenhouse sandbox on %s (seed %q)\n", url, *seed)
		fmt.Fprintf(stdout, "  Harvest v3:  %s/v3   (Authorization: Bearer <access token>)\n", url)
		fmt.Fprintf(stdout, "  OAuth:       token %s/token, authorize %s/authorize\n", url, url)
		fmt.Fprintf(stdout, "  Customer credential (client credentials): id %s, secret %s\n",
			greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret)
		fmt.Fprintf(stdout, "  Partner credential (authorization code):  id %s, secret %s, redirect URIs http://127.0.0.1:<any port>/… and http://localhost:<any port>/…\n",
			greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret)
		fmt.Fprintf(stdout, "  Page:        %s/   (jobs, applications: what a recruiter sees)\n", url)
		fmt.Fprintf(stdout, "  Admin:       %s/_sandbox/   (jobs, applications, moves, webhooks, faults)\n", url)

		srv := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return fmt.Errorf("greenhouse-sandbox: serve: %w", err)
		case <-ctx.Done():
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("greenhouse-sandbox: shutdown: %w", err)
		}
		_ = srv.Close()
		return nil
	}
}
