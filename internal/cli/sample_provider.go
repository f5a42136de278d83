package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"stagecoach/internal/app"
	"stagecoach/internal/sampleprovider"
)

// Environment variables the sample provider reads its secrets from when the
// flags do not give them (flags show up in ps; the environment does not).
const (
	envProviderAPIKey        = "STAGECOACH_PROVIDER_API_KEY"
	envProviderWebhookSecret = "STAGECOACH_PROVIDER_WEBHOOK_SECRET"
)

// sampleProviderFlags is `stagecoach sample-provider`: it runs a sample
// provider of the kind --kind names until ctx is done.
func sampleProviderFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var cfg sampleprovider.Config
	fs.StringVar(&cfg.StagecoachURL, "stagecoach-url", envOr("STAGECOACH_URL", "http://127.0.0.1:8080"), "the stagecoach server [$STAGECOACH_URL]")
	// No defaults from the environment for the secrets, so that -h never
	// prints them.
	fs.StringVar(&cfg.APIKey, "api-key", "", "the provider's API key [$"+envProviderAPIKey+"]")
	fs.StringVar(&cfg.WebhookSecret, "webhook-secret", "", "the provider's webhook secret, whsec_… [$"+envProviderWebhookSecret+"]")
	fs.StringVar(&cfg.Addr, "addr", sampleprovider.DefaultAddr, "where to listen for webhooks and serve the candidate pages")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "base of the links handed to candidates (default http://<addr>)")
	fs.DurationVar(&cfg.Delay, "delay", sampleprovider.DefaultDelay, "wait before each step of an order (invited, started, completed)")
	fs.StringVar(&cfg.Name, "name", "", "the provider's display name (default by kind: \"Demo Assessments\", \"Demo Video\", \"Demo Interviews\")")
	fs.StringVar(&cfg.Kind, "kind", "assessment", "the tool to play: assessment, video_interview, interview_service or sourcing (a hackajob-like marketplace exporting candidates into Lever)")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	return func(ctx context.Context, c *call) error {
		return runSampleProvider(ctx, cfg, *logFormat, *logLevel, c.stdout, c.stderr)
	}
}

func runSampleProvider(ctx context.Context, cfg sampleprovider.Config, logFormat, logLevel string, stdout, stderr io.Writer) error {
	if cfg.APIKey == "" {
		cfg.APIKey = os.Getenv(envProviderAPIKey)
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = os.Getenv(envProviderWebhookSecret)
	}
	if cfg.APIKey == "" || cfg.WebhookSecret == "" {
		return errors.New("sample-provider: --api-key and --webhook-secret (or $" + envProviderAPIKey + " and $" + envProviderWebhookSecret +
			") are required; `stagecoach provider create` prints both")
	}
	if cfg.Delay <= 0 {
		return fmt.Errorf("sample-provider: --delay must be positive, got %v", cfg.Delay)
	}
	log, err := newLogger(stderr, logFormat, logLevel)
	if err != nil {
		return err
	}
	cfg.Logger = log
	if cfg.Kind == "sourcing" {
		return runSampleSourcer(ctx, cfg, stdout)
	}
	p, err := sampleprovider.New(cfg)
	if err != nil {
		return err
	}
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()
	select {
	case <-p.Ready():
		fmt.Fprintf(stdout, "sample provider %q listening on %s (webhook URL: %s/webhooks)\n", cfg.WithDefaults().Name, p.Addr(), p.URL())
	case err := <-ran:
		return err
	}
	return <-ran
}
