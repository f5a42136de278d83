package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/engine"
	"stagecoach/internal/secret"
	"stagecoach/internal/store"
	"stagecoach/internal/ui"
	"stagecoach/internal/web"
)

// storeFlags adds the flags every command that opens the database takes.
func storeFlags(fs *flag.FlagSet, c *app.Config) {
	fs.StringVar(&c.DataDir, "data", envOr("STAGECOACH_DATA", "data"), "data folder (SQLite database and secret key file) [$STAGECOACH_DATA]")
	fs.StringVar(&c.Database, "database", os.Getenv("STAGECOACH_DATABASE"), "a postgres:// or postgresql:// URL, a sqlite: URL or a SQLite file path; empty for SQLite in the data folder [$STAGECOACH_DATABASE]")
	fs.StringVar(&c.SQLiteSynchronous, "sqlite-synchronous", envOr("STAGECOACH_SQLITE_SYNCHRONOUS", store.SyncNormal), "SQLite only: 'normal' (a commit survives a crash of stagecoach, the last ones may not survive a power loss) or 'full' (every commit synced to disk before its answer, survives a power loss) [$STAGECOACH_SQLITE_SYNCHRONOUS]")
	c.SecretKey = os.Getenv(secret.KeyEnv)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: want text or json, got %q", format)
}

func serveFlags(fs *flag.FlagSet, cfg *app.Config) runFunc {
	fs.StringVar(&cfg.Addr, "addr", envOr("STAGECOACH_ADDR", "127.0.0.1:8080"), "listen address [$STAGECOACH_ADDR]")
	fs.BoolVar(&cfg.Migrate, "migrate", false, "apply pending migrations before serving")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	fs.DurationVar(&cfg.Engine.ReconcileInterval, "reconcile-interval", 10*time.Minute, "how often each connection is swept for missed webhooks (negative: never)")
	fs.DurationVar(&cfg.Engine.PostingSyncInterval, "posting-sync-interval", engine.DefaultPostingSyncInterval, "how often the postings of interview service integrations are polled (negative: never)")
	fs.DurationVar(&cfg.Engine.TokenRefreshInterval, "token-refresh-interval", engine.DefaultTokenRefreshInterval, "how often every OAuth connection's Lever refresh token is renewed (Lever refuses one unused for 90 days; negative: never)")
	fs.DurationVar(&cfg.Engine.RetainJobs, "retain-jobs", engine.DefaultRetainJobs, "how long finished and dead-lettered jobs are kept (pruned hourly)")
	fs.DurationVar(&cfg.UI.RetainAudit, "retain-audit", ui.DefaultRetainAudit, "how long audit log entries (operators' actions) are kept; 0: for ever")
	fs.DurationVar(&cfg.Engine.RetainIdempotency, "retain-idempotency", engine.DefaultRetainIdempotency, "how long answers to Idempotency-Keys are kept after they expire (24h after the request)")
	fs.DurationVar(&cfg.Inbound.Window, "webhook-window", 72*time.Hour, "how old a Lever webhook's triggeredAt may be")
	fs.DurationVar(&cfg.Queue.Lease, "job-lease", 30*time.Second, "how long a claimed job is held before another process may take it")
	fs.IntVar(&cfg.Queue.Workers, "workers", 8, "jobs run at once")
	fs.Float64Var(&cfg.Engine.LeverRate, "lever-rate", 10, "Lever calls per second per connection, shared by every process on this database")
	fs.IntVar(&cfg.Engine.LeverBurst, "lever-burst", 20, "Lever calls allowed in a burst per connection")
	fs.DurationVar(&cfg.Engine.LeverTimeout, "lever-timeout", 30*time.Second, "deadline of one Lever call")
	fs.BoolVar(&cfg.Engine.Fetch.AllowPrivate, "allow-private-fetch", false, "fetch the URLs providers give (cv.url, report.url) from private, loopback and link-local addresses too; only for providers on a private network you trust (default: public addresses only)")
	edge := edgeFlags(fs, cfg)
	fs.StringVar(&cfg.UI.OAuthClientID, "lever-oauth-client-id", os.Getenv("STAGECOACH_LEVER_OAUTH_CLIENT_ID"), "client id of your Lever OAuth app, for connecting accounts in the web UI [$STAGECOACH_LEVER_OAUTH_CLIENT_ID]")
	oauthSecretFile := fs.String("lever-oauth-client-secret-file", "", "file holding the Lever OAuth app's client secret [default $STAGECOACH_LEVER_OAUTH_CLIENT_SECRET]")
	return func(ctx context.Context, c *call) error {
		if err := edge(); err != nil {
			return err
		}
		return serve(ctx, *cfg, *oauthSecretFile, *logFormat, *logLevel, c)
	}
}

func serve(ctx context.Context, cfg app.Config, oauthSecretFile, logFormat, logLevel string, c *call) error {
	if cfg.UI.RetainAudit < 0 {
		return fmt.Errorf("--retain-audit must be 0 (for ever) or a positive duration, such as 8760h (got %s)", cfg.UI.RetainAudit)
	}
	if cfg.Engine.RetainJobs <= 0 {
		return fmt.Errorf("--retain-jobs must be a positive duration, such as 168h (got %s)", cfg.Engine.RetainJobs)
	}
	if cfg.Engine.RetainIdempotency <= 0 {
		return fmt.Errorf("--retain-idempotency must be a positive duration, such as 24h (got %s)", cfg.Engine.RetainIdempotency)
	}
	var err error
	if cfg.UI.OAuthClientSecret, err = secretValue(oauthSecretFile, "STAGECOACH_LEVER_OAUTH_CLIENT_SECRET", c.stdin); err != nil {
		return err
	}
	log, err := newLogger(c.stderr, logFormat, logLevel)
	if err != nil {
		return err
	}
	cfg.Logger = log
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	ui := a.URL()
	if cfg.PublicURL != "" {
		ui = strings.TrimRight(cfg.PublicURL, "/")
	}
	fmt.Fprintf(c.stdout, "stagecoach serving on %s (database: %s); web UI at %s/\n", a.URL(), store.DescribeDSN(cfg.DSN()), ui)
	return a.Run(ctx)
}

func migrateFlags(_ *flag.FlagSet, cfg *app.Config) runFunc {
	return func(ctx context.Context, c *call) error {
		cfg.Migrate = true
		db, err := app.OpenStore(ctx, *cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		fmt.Fprintf(c.stdout, "database: %s\nschema up to date\n", store.DescribeDSN(cfg.DSN()))
		return nil
	}
}

// edgeFlags adds the flags that say how stagecoach is reached from outside:
// its public URL, the proxies in front of it, and who may read /metrics.
// The returned function finishes reading them after fs.Parse.
func edgeFlags(fs *flag.FlagSet, c *app.Config) func() error {
	fs.StringVar(&c.PublicURL, "public-url", os.Getenv("STAGECOACH_PUBLIC_URL"), "stagecoach's URL as browsers and Lever reach it, https in production (OAuth redirect URI, webhook URL; https makes cookies Secure and adds HSTS); empty: each request's host [$STAGECOACH_PUBLIC_URL]")
	proxies := fs.String("trust-proxy", os.Getenv("STAGECOACH_TRUST_PROXY"), "comma-separated addresses or CIDRs of the reverse proxies in front of stagecoach ('loopback' for 127.0.0.0/8 and ::1) whose X-Forwarded-For/-Proto/-Host are believed; empty: none [$STAGECOACH_TRUST_PROXY]")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", os.Getenv("STAGECOACH_METRICS_ADDR"), "serve /metrics on this address only (e.g. 127.0.0.1:9090) instead of on --addr [$STAGECOACH_METRICS_ADDR]")
	tokenFile := fs.String("metrics-token-file", "", "file holding the bearer token /metrics requires [default $STAGECOACH_METRICS_TOKEN]")
	return func() (err error) {
		if c.TrustProxy, err = web.ParseProxies(*proxies); err != nil {
			return fmt.Errorf("--trust-proxy: %w", err)
		}
		if c.MetricsToken, err = secretValue(*tokenFile, "STAGECOACH_METRICS_TOKEN", os.Stdin); err != nil {
			return fmt.Errorf("--metrics-token-file: %w", err)
		}
		return nil
	}
}
