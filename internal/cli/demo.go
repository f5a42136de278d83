package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"stagecoach/internal/demo"
	"stagecoach/internal/lever"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	var cfg demo.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "stagecoach's address")
	fs.StringVar(&cfg.SandboxAddr, "sandbox-addr", "127.0.0.1:8900", "the Lever sandbox's address")
	fs.StringVar(&cfg.SandboxAPIKey, "sandbox-api-key", "demo-lever-key", "the Lever sandbox's API key (stagecoach uses it like any Lever key)")
	fs.StringVar(&cfg.ProviderAddr, "provider-addr", "127.0.0.1:8950", "the sample provider's address")
	fs.DurationVar(&cfg.ProviderDelay, "provider-delay", 3*time.Second, "how long the sample provider waits before each step")
	fs.StringVar(&cfg.SourcingAddr, "sourcing-addr", "127.0.0.1:8951", "the sample sourcing provider's address")
	fs.DurationVar(&cfg.SourcingDelay, "sourcing-delay", 4*time.Second, "how long the sample sourcing provider waits before each step (0: it exports nothing by itself)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	noMove := fs.Bool("no-move", false, "do not move a candidate: leave it to you on the sandbox page")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, "text", *logLevel)
	if err != nil {
		return err
	}
	cfg.Logger = log
	env, err := demo.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.Close()
	fmt.Fprintf(stdout, `
stagecoach demo is running. Press Ctrl-C to stop.

  Lever sandbox (the recruiter's view): %s/
    API: %s/v1   API key: %s
  stagecoach:                           %s
    provider API: %s/v1   provider API key: %s
    metrics: %s/metrics
  sample provider ("Demo Assessments"): http://%s
  data folder (removed on exit):        %s

Integration: opportunities tagged "Demo: Go Coding" or "Demo: SQL Basics" that
enter the "Assessment" stage get an assessment; when it completes they move to
"Assessment Complete" with a form, a PDF report, a summary note and tags.
`, env.SandboxURL, env.SandboxURL, env.SandboxAPIKey, env.App.URL(), env.App.URL(), env.ProviderAPIKey, env.App.URL(), env.Provider.Addr(), env.DataDir)
	printSourcing(stdout, env)
	if !*noMove {
		opp, err := pickCandidate(ctx, env.Lever)
		if err != nil {
			return err
		}
		if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nMoved %s (tags: %v) to \"Assessment\": watch %s/opportunities/%s\n", opp.Name, opp.Tags, env.SandboxURL, opp.ID)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping")
	return nil
}

// pickCandidate finds an active opportunity tagged with a demo package that
// is not in the assessment stages yet.
func pickCandidate(ctx context.Context, c *lever.Client) (*lever.Opportunity, error) {
	archived := false
	for opp, err := range c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{"Demo: Go Coding", "Demo: SQL Basics"}, Archived: &archived, Expand: []string{"stage"}}) {
		if err != nil {
			return nil, err
		}
		if opp.Stage.Text != "Assessment" && opp.Stage.Text != "Assessment Complete" {
			return opp, nil
		}
	}
	return nil, errors.New("the sandbox has no tagged candidate left to move")
}
