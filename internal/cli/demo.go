package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/lever"
)

func demoFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var cfg demo.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "stagecoach's address")
	fs.StringVar(&cfg.SandboxAddr, "sandbox-addr", "127.0.0.1:8900", "the Lever sandbox's address")
	fs.StringVar(&cfg.SandboxAPIKey, "sandbox-api-key", "demo-lever-key", "the Lever sandbox's API key (stagecoach uses it like any Lever key)")
	fs.StringVar(&cfg.ProviderAddr, "provider-addr", "127.0.0.1:8950", "the sample assessment provider's address")
	fs.StringVar(&cfg.VideoProviderAddr, "video-provider-addr", "127.0.0.1:8951", "the sample video interview provider's address")
	fs.StringVar(&cfg.ServiceProviderAddr, "service-provider-addr", "127.0.0.1:8952", "the sample interview service provider's address")
	fs.DurationVar(&cfg.ProviderDelay, "provider-delay", 3*time.Second, "how long the sample provider waits before each step")
	fs.StringVar(&cfg.SourcingAddr, "sourcing-addr", "127.0.0.1:8953", "the sample sourcing provider's address")
	fs.DurationVar(&cfg.SourcingDelay, "sourcing-delay", 4*time.Second, "how long the sample sourcing provider waits before each step (0: it exports nothing by itself)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	noMove := fs.Bool("no-move", false, "do not move a candidate: leave it to you on the sandbox page")
	fs.BoolVar(&cfg.Bare, "bare", false, "configure nothing but the providers: connect Lever and set up the integrations yourself in the web UI (implies --no-move)")
	return func(ctx context.Context, c *call) error {
		return runDemo(ctx, cfg, *logLevel, *noMove, c.stdout, c.stderr)
	}
}

func runDemo(ctx context.Context, cfg demo.Config, logLevel string, noMove bool, stdout, stderr io.Writer) error {
	log, err := newLogger(stderr, "text", logLevel)
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

  web UI (the operator's view):         %s/
    first visit: create the owner account; connect the sandbox by OAuth
    (environment "custom", base URL %s; the OAuth app %q is registered)
  Lever sandbox (the recruiter's view): %s/
    API: %s/v1   API key: %s
  stagecoach:                           %s
    provider API: %s/v1   provider API key: %s
    metrics: %s/metrics
  sample provider ("Demo Assessments"): http://%s
  sample provider ("Demo Video"):       http://%s
  sample provider ("Demo Interviews"):  http://%s (its jobs: /jobs)
  data folder (removed on exit):        %s

Integrations:
  - Assessment: opportunities tagged "Demo: Go Coding" or "Demo: SQL Basics" that
    enter the "Assessment" stage get an assessment; when it completes they move to
    "Assessment Complete" with a form, a PDF report, a summary note and tags.
  - Video interview: an opportunity entering "Jobma" is invited to a video
    interview (a note with the link, tag "Demo Video Interview Invited"); when it
    is done, a note with the evaluation link and "Demo Video Interview Completed".
  - Interview service: postings tagged "JobTwine" are synced to "Demo Interviews"
    as jobs; an opportunity entering "JobTwine" gets a scheduling-link note to its
    owner, then notes for the schedule, a reschedule and the feedback.
`, env.UIURL, env.SandboxURL, env.OAuthClientID, env.SandboxURL, env.SandboxURL, env.SandboxAPIKey, env.App.URL(), env.App.URL(), env.ProviderAPIKey, env.App.URL(),
		env.Provider.Addr(), env.VideoProvider.Addr(), env.ServiceProvider.Addr(), env.DataDir)
	if env.Sourcer != nil {
		printSourcing(stdout, env)
	}
	if cfg.Bare {
		fmt.Fprintf(stdout, `
Bare demo: nothing is connected yet, so the integrations above wait for you.
In the web UI: create the owner, connect the sandbox by OAuth, register its
webhooks, enable "Demo Assessments" on the connection and Activate it; then
move a tagged candidate to "Assessment" on the sandbox page and watch the
order in the UI.
`)
	} else {
		fmt.Fprintln(stdout, "\nRun `stagecoach demo --bare` to connect and configure everything yourself in the web UI.")
	}
	if !noMove && !cfg.Bare {
		opp, err := pickCandidate(ctx, env.Lever)
		if err != nil {
			return err
		}
		if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nMoved %s (tags: %v) to \"Assessment\": watch %s/opportunities/%s\n", opp.Name, opp.Tags, env.SandboxURL, opp.ID)
		for _, mv := range []struct{ posting, stage string }{{"Product Designer", demo.VideoStage}, {"Site Reliability Engineer", demo.ServiceStage}} {
			opp, err := pickOnPosting(ctx, env.Lever, mv.posting, "New applicant")
			if err != nil {
				return err
			}
			if err := env.MoveToStage(ctx, opp.ID, mv.stage); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Moved %s (%s) to %q: watch %s/opportunities/%s\n", opp.Name, mv.posting, mv.stage, env.SandboxURL, opp.ID)
		}
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

// pickOnPosting finds an active opportunity on the posting titled title in
// stage.
func pickOnPosting(ctx context.Context, c *lever.Client, title, stage string) (*lever.Opportunity, error) {
	postingID := ""
	for p, err := range c.ListPostings(ctx, lever.ListPostingsParams{}) {
		if err != nil {
			return nil, err
		}
		if p.Text == title {
			postingID = p.ID
		}
	}
	archived := false
	for opp, err := range c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Archived: &archived, Expand: []string{"stage", "applications"}}) {
		if err != nil {
			return nil, err
		}
		if postingID != "" && opp.PostingID() == postingID && opp.Stage.Text == stage {
			return opp, nil
		}
	}
	return nil, fmt.Errorf("the sandbox has no candidate on %q in %q left to move", title, stage)
}
