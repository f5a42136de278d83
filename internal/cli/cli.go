// Package cli implements stagecoach's subcommands. Run dispatches to them;
// only main turns their errors into exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
)

// command is one subcommand. It parses its own flags from args and writes to
// the given writers so that tests can read what it prints.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":           {"serve the web UI, Lever webhooks, the provider API, metrics and health", runServe},
		"migrate":         {"apply database migrations", runMigrate},
		"demo":            {"run the sandbox, stagecoach and sample providers of every kind, and move candidates through", runDemo},
		"lever-sandbox":   {"run a local Lever (API, OAuth, webhooks) for tests and demos", runLeverSandbox},
		"sample-provider": {"run a sample provider (assessment, video interview, interview service or sourcing) built on the provider client", runSampleProvider},
		"connection":      {"create, list, register webhooks for, disconnect and delete Lever connections", runConnection},
		"provider":        {"create, list and delete providers", runProvider},
		"integration":     {"enable a provider on a connection, update its settings, tag its postings, set a video interview kit map, list integrations", runIntegration},
		"jobs":            {"list jobs (the dead letters by default) and retry dead ones", runJobs},
		"events":          {"list received Lever events with their routing decisions", runEvents},
		"reconcile":       {"queue a sweep of a connection for missed webhooks", runReconcile},
		"interviews":      {"list the interviews (video interview and interview service orders) of a connection or posting", runInterviews},
		"postings":        {"sync and list the postings sent to interview services as jobs", runPostings},
		"exports":         {"list the candidates sourcing providers exported into Lever", runExports},
		"version":         {"print the version", runVersion},
	}
}

// Version is set at build time with -ldflags "-X stagecoach/internal/cli.Version=...".
var Version = "dev"

// Run runs the subcommand named by args[0].
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: stagecoach <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, cmds[n].summary)
	}
}

func runVersion(_ context.Context, _ []string, stdout, _ io.Writer) error {
	fmt.Fprintln(stdout, "stagecoach", Version)
	return nil
}
