// Package cli implements stagecoach's subcommands. Run dispatches to them
// through one command table; only main turns their errors into exit codes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// command is one line of the command table: what Run dispatches to and
// what `stagecoach -h` lists.
type command struct {
	// name is the command's words: "serve", or a group and a subcommand,
	// "connection create".
	name string
	// args names the positional arguments for the usage line, e.g.
	// "<job id>..."; a command without them refuses any.
	args    string
	summary string
	// db is what the command does with the database.
	db dbUse
	// list marks a command that prints rows: it takes --json.
	list bool
	// required names the flags that must be given, checked before the
	// database is opened.
	required []string
	// check, when set, looks at the parsed flags before the database is
	// opened: a command refuses what it can tell is wrong without it.
	check func(fs *flag.FlagSet) error
	// flags declares the command's own flags on fs, bound to what the run
	// it returns reads once they are parsed. cfg receives --data and
	// --database (for commands with a db).
	flags func(fs *flag.FlagSet, cfg *app.Config) runFunc
}

// dbUse is what a command does with the database.
type dbUse int

const (
	// dbNone: the command does not touch the database.
	dbNone dbUse = iota
	// dbFlags: the command takes --data and --database and opens the
	// database itself (serve, migrate).
	dbFlags
	// dbEngine: an admin command. It takes --data and --database; before it
	// runs, the database and an engine are opened the one way every admin
	// command opens them (withEngineTo), saying which database on stderr.
	dbEngine
)

// runFunc runs a command whose flags are parsed.
type runFunc func(ctx context.Context, c *call) error

// call is what a command's run is given.
type call struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	// args are the positional arguments after the flags.
	args []string
	// engine and admin are set for dbEngine commands.
	engine *engine.Engine
	admin  Admin
	// json is --json, for list commands.
	json bool
	// notes are what the command changed, for the audit log.
	notes []*store.AuditEntry
}

// commandTable lists every command, in the order `stagecoach -h` shows
// them.
func commandTable() []command {
	return []command{
		{name: "serve", summary: "serve the web UI, Lever webhooks, the provider API, metrics and health", db: dbFlags, flags: serveFlags},
		{name: "migrate", summary: "apply database migrations", db: dbFlags, flags: migrateFlags},
		{name: "demo", summary: "run the sandbox, stagecoach and sample providers of every kind, and move candidates through", flags: demoFlags},
		{name: "lever-sandbox", summary: "run a local Lever (API, OAuth, webhooks) for tests and demos", flags: leverSandboxFlags},
		{name: "greenhouse-sandbox", summary: "run a local Greenhouse (Harvest v3, OAuth, webhooks) for tests and demos", flags: greenhouseSandboxFlags},
		{name: "sample-provider", summary: "run a sample provider (assessment, video interview, interview service or sourcing) built on the provider client", flags: sampleProviderFlags},

		{name: "connection create", summary: "create a Lever connection with an API key, once Lever accepts the key", db: dbEngine, check: connectionCreateCheck, flags: connectionCreateFlags},
		{name: "connection list", summary: "list Lever connections with their status and why", db: dbEngine, list: true, flags: connectionListFlags},
		{name: "connection register-webhooks", summary: "register in Lever the webhooks a connection's integrations need", db: dbEngine, check: connectionRegisterWebhooksCheck, flags: connectionRegisterWebhooksFlags},
		{name: "connection disconnect", summary: "delete a connection's tokens and remove its webhooks from Lever", db: dbEngine, flags: connectionDisconnectFlags},
		{name: "connection delete", summary: "disconnect and delete a connection with its integrations", db: dbEngine, flags: connectionDeleteFlags},

		{name: "provider create", summary: "create a provider; prints its API key and webhook secret once", db: dbEngine, flags: providerCreateFlags},
		{name: "provider list", summary: "list providers", db: dbEngine, list: true, flags: providerListFlags},
		{name: "provider update", summary: "change a provider's name or webhook URL", db: dbEngine, required: []string{"id"}, flags: providerUpdateFlags},
		{name: "provider rotate-key", summary: "give a provider a new API key, printed once; the old one works for --grace", db: dbEngine, required: []string{"id"}, flags: providerRotateKeyFlags},
		{name: "provider rotate-secret", summary: "give a provider a new webhook secret, printed once; the old one also signs for --grace", db: dbEngine, required: []string{"id"}, flags: providerRotateSecretFlags},
		{name: "provider delete", summary: "delete a provider with its packages and integrations", db: dbEngine, required: []string{"id"}, flags: providerDeleteFlags},

		{name: "integration create", summary: "enable a provider on a connection, behind the setup check", db: dbEngine, flags: integrationCreateFlags},
		{name: "integration update", summary: "change an integration's settings, behind the setup check", db: dbEngine, required: []string{"id", "settings"}, flags: integrationUpdateFlags},
		{name: "integration activate", summary: "turn a draft integration on once the setup check passes", db: dbEngine, required: []string{"id"}, flags: integrationActivateFlags},
		{name: "integration tag-postings", summary: "put an assessment integration's package tags on its tagged postings in Lever", db: dbEngine, required: []string{"id"}, flags: integrationTagPostingsFlags},
		{name: "integration kit-map", summary: "show or set a video interview integration's interview kit by posting", db: dbEngine, required: []string{"id"}, flags: integrationKitMapFlags},
		{name: "integration list", summary: "list integrations with their settings", db: dbEngine, list: true, flags: integrationListFlags},

		{name: "jobs list", summary: "list jobs, the dead letters by default", db: dbEngine, list: true, flags: jobsListFlags},
		{name: "jobs retry", args: "<job id>...", summary: "queue dead jobs again", db: dbEngine, flags: jobsRetryFlags},
		{name: "events", summary: "list received Lever events with their routing decisions", db: dbEngine, list: true, flags: eventsFlags},
		{name: "reconcile", summary: "queue a sweep of a connection for missed webhooks", db: dbEngine, flags: reconcileFlags},
		{name: "interviews", summary: "list the interviews (video interview and interview service orders) of a connection or posting", db: dbEngine, list: true, required: []string{"connection"}, flags: interviewsFlags},
		{name: "postings sync", summary: "send the tagged postings of a connection's interview service integrations now", db: dbEngine, required: []string{"connection"}, flags: postingsSyncFlags},
		{name: "postings list", summary: "list the postings sent to interview services as jobs", db: dbEngine, list: true, required: []string{"connection"}, flags: postingsListFlags},
		{name: "exports", summary: "list the candidates sourcing providers exported into Lever", db: dbEngine, list: true, flags: exportsFlags},
		{name: "audit", summary: "list what operators changed (web UI and command line): who, what, on what, when", db: dbEngine, list: true, flags: auditListFlags},
		{name: "version", summary: "print the version", flags: versionFlags},
	}
}

// Version is set at build time with -ldflags "-X stagecoach/internal/cli.Version=...".
var Version = "dev"

// UsageError is a command line stagecoach could not make sense of: no
// command, an unknown one, or flags its command refuses. Main exits with 2
// for it, as the flag package's programs do.
type UsageError struct {
	Err error
	// Printed: the message is on stderr already (the flag package prints
	// it with the usage), so it is not printed again.
	Printed bool
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Main runs the command line args and returns the process's exit code: 0,
// 1 when the command failed (its error printed on stderr), 2 for a command
// line that could not be understood.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := Run(ctx, args, stdout, stderr)
	if err == nil {
		return 0
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		if !ue.Printed {
			fmt.Fprintln(stderr, "stagecoach:", err)
		}
		return 2
	}
	fmt.Fprintln(stderr, "stagecoach:", err)
	return 1
}

// Run runs the command named by the first words of args.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := commandTable()
	if len(args) == 0 {
		usage(stderr, cmds)
		return &UsageError{Err: errors.New("no command given"), Printed: true}
	}
	if isHelp(args[0]) {
		usage(stdout, cmds)
		return nil
	}
	if args[0] == "--version" || args[0] == "-version" {
		fmt.Fprintln(stdout, "stagecoach", Version)
		return nil
	}
	if i := slices.IndexFunc(cmds, func(c command) bool { return c.name == args[0] }); i >= 0 {
		return cmds[i].exec(ctx, args[1:], stdout, stderr)
	}
	group := groupOf(cmds, args[0])
	if len(group) == 0 {
		usage(stderr, cmds)
		return &UsageError{Err: fmt.Errorf("unknown command %q%s", args[0], didYouMean(args[0], topNames(cmds)))}
	}
	if len(args) > 1 {
		if i := slices.IndexFunc(group, func(c command) bool { return c.name == args[0]+" "+args[1] }); i >= 0 {
			return group[i].exec(ctx, args[2:], stdout, stderr)
		}
		if isHelp(args[1]) {
			groupUsage(stdout, args[0], group)
			return nil
		}
	}
	groupUsage(stderr, args[0], group)
	if len(args) == 1 {
		return &UsageError{Err: errors.New(args[0] + ": missing subcommand")}
	}
	var subs []string
	for _, c := range group {
		subs = append(subs, subName(c))
	}
	return &UsageError{Err: fmt.Errorf("%s: unknown subcommand %q%s", args[0], args[1], didYouMean(args[1], subs))}
}

// exec parses a command's flags, checks them, opens what it needs and runs
// it. A request for help (-h) is not an error.
func (c command) exec(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stagecoach "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg app.Config
	if c.db != dbNone {
		storeFlags(fs, &cfg)
	}
	x := &call{stdout: stdout, stderr: stderr, stdin: os.Stdin}
	if c.list {
		fs.BoolVar(&x.json, "json", false, "print JSON instead of a table")
	}
	run := c.flags(fs, &cfg)
	fs.Usage = func() {
		line := "usage: stagecoach " + c.name + " [flags]"
		if c.args != "" {
			line += " " + c.args
		}
		fmt.Fprintf(fs.Output(), "%s\n\n%s\n\nflags:\n", line, c.summary)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		// The flag package has printed the error with the usage.
		return &UsageError{Err: err, Printed: true}
	}
	x.args = fs.Args()
	if c.args == "" && len(x.args) > 0 {
		return fmt.Errorf("%s: unexpected arguments %q (flags go before anything else)", c.name, x.args)
	}
	var missing []string
	for _, name := range c.required {
		if fs.Lookup(name).Value.String() == "" {
			missing = append(missing, "--"+name)
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		return fmt.Errorf("%s: %s is required", c.name, missing[0])
	default:
		return fmt.Errorf("%s: %s are required", c.name, strings.Join(missing, " and "))
	}
	if c.check != nil {
		if err := c.check(fs); err != nil {
			return err
		}
	}
	if c.db != dbEngine {
		return run(ctx, x)
	}
	return withEngineTo(ctx, cfg, stderr, func(e *engine.Engine, adm *admin.Service) error {
		x.engine, x.admin = e, adm
		err := run(ctx, x)
		if nerr := x.writeNotes(ctx); nerr != nil {
			return errors.Join(err, fmt.Errorf("%s: the change was made but is not in the audit log: %w", c.name, nerr))
		}
		return err
	})
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "help" }

// groupOf returns the commands whose first word is name and that have a
// second: the subcommands of a group such as "connection".
func groupOf(cmds []command, name string) []command {
	var out []command
	for _, c := range cmds {
		if strings.HasPrefix(c.name, name+" ") {
			out = append(out, c)
		}
	}
	return out
}

func subName(c command) string { _, sub, _ := strings.Cut(c.name, " "); return sub }

// topNames returns the first words of the commands, once each.
func topNames(cmds []command) []string {
	var out []string
	for _, c := range cmds {
		top, _, _ := strings.Cut(c.name, " ")
		if !slices.Contains(out, top) {
			out = append(out, top)
		}
	}
	return out
}

func usage(w io.Writer, cmds []command) {
	fmt.Fprintln(w, "usage: stagecoach <command> [flags]   (stagecoach <command> -h lists its flags)")
	fmt.Fprintln(w)
	summaries(w, cmds)
}

func groupUsage(w io.Writer, group string, cmds []command) {
	var subs []string
	for _, c := range cmds {
		subs = append(subs, subName(c))
	}
	slices.Sort(subs)
	fmt.Fprintf(w, "usage: stagecoach %s <%s> [flags]\n\n", group, strings.Join(subs, "|"))
	summaries(w, cmds)
}

func summaries(w io.Writer, cmds []command) {
	t := newRows("COMMAND", "SUMMARY")
	for _, c := range cmds {
		t.add(c.name, c.summary)
	}
	t.printBody(w, "  ")
}

// didYouMean names the known word closest to an unknown one, when one is
// close enough to be a slip: ` (did you mean "list"?)`, or "".
func didYouMean(word string, known []string) string {
	if word == "" {
		return ""
	}
	best, bestD := "", -1
	for _, k := range known {
		d := editDistance(word, k)
		if strings.HasPrefix(k, word) || strings.HasPrefix(word, k) {
			d = min(d, 1)
		}
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" || bestD > max(2, len(word)/3) {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func versionFlags(*flag.FlagSet, *app.Config) runFunc {
	return func(_ context.Context, c *call) error {
		fmt.Fprintln(c.stdout, "stagecoach", Version)
		return nil
	}
}
