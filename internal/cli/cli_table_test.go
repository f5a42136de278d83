package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every command in the table has a summary, answers -h with its usage and
// flags (exit 0) without opening a database, declares the flags it
// requires, and is listed by `stagecoach -h`.
func TestEveryCommandHasASummaryAndHelp(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("STAGECOACH_DATA", dir)
	t.Setenv("STAGECOACH_DATABASE", "")
	ctx := context.Background()
	top, _, err := runCLI(ctx, "-h")
	if err != nil {
		t.Fatalf("stagecoach -h: %v", err)
	}
	seen := map[string]bool{}
	for _, c := range commandTable() {
		t.Run(c.name, func(t *testing.T) {
			if seen[c.name] {
				t.Fatalf("%q is in the table twice", c.name)
			}
			seen[c.name] = true
			if strings.TrimSpace(c.summary) == "" {
				t.Fatal("no summary")
			}
			if c.flags == nil {
				t.Fatal("no flags function")
			}
			if !strings.Contains(top, "  "+c.name+" ") || !strings.Contains(top, c.summary) {
				t.Errorf("stagecoach -h does not list %q with its summary", c.name)
			}
			out, errOut, err := runCLI(ctx, append(strings.Fields(c.name), "-h")...)
			if err != nil {
				t.Fatalf("%s -h: %v\n%s", c.name, err, errOut)
			}
			if !strings.HasPrefix(errOut, "usage: stagecoach "+c.name+" [flags]") || !strings.Contains(errOut, c.summary) {
				t.Errorf("%s -h printed:\n%s%s", c.name, out, errOut)
			}
			if c.db != dbNone && !strings.Contains(errOut, "-database") {
				t.Errorf("%s -h lists no --database flag:\n%s", c.name, errOut)
			}
			if c.list && !strings.Contains(errOut, "-json") {
				t.Errorf("%s is a list command but -h lists no --json:\n%s", c.name, errOut)
			}
			for _, name := range c.required {
				if !strings.Contains(errOut, "  -"+name+" ") {
					t.Errorf("%s requires --%s, which it does not declare", c.name, name)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("-h created %v in the data folder: help must open nothing", entries)
	}
	// A group answers -h with its subcommands.
	out, _, err := runCLI(ctx, "connection", "-h")
	if err != nil || !strings.Contains(out, "usage: stagecoach connection <create|delete|disconnect|list|register-webhooks>") || !strings.Contains(out, "connection register-webhooks") {
		t.Errorf("connection -h: %v\n%s", err, out)
	}
}

// An unknown command or subcommand is refused with the usage, naming the
// closest known one when the slip is small.
func TestUnknownCommandNamesTheClosestKnownOne(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"conection", "list"}, `unknown command "conection" (did you mean "connection"?)`},
		{[]string{"jbos"}, `unknown command "jbos" (did you mean "jobs"?)`},
		{[]string{"event"}, `unknown command "event" (did you mean "events"?)`},
		{[]string{"sample-provdier"}, `unknown command "sample-provdier" (did you mean "sample-provider"?)`},
		{[]string{"connection", "lst"}, `connection: unknown subcommand "lst" (did you mean "list"?)`},
		{[]string{"integration", "kitmap"}, `integration: unknown subcommand "kitmap" (did you mean "kit-map"?)`},
		{[]string{"postings", "synch"}, `postings: unknown subcommand "synch" (did you mean "sync"?)`},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"connection"}, `connection: missing subcommand`},
	} {
		_, errOut, err := runCLI(ctx, tc.args...)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: %v, want %s", tc.args, err, tc.want)
		}
		if !strings.Contains(errOut, "usage: stagecoach ") {
			t.Errorf("%v: no usage on stderr:\n%s", tc.args, errOut)
		}
	}
}

// Required flags are checked, and stray arguments refused, before the
// database is opened: the error names the flag or the argument, not a
// database the operator did not mean to touch.
func TestCommandArgumentsAreCheckedBeforeTheDatabase(t *testing.T) {
	t.Setenv("STAGECOACH_PUBLIC_URL", "")
	t.Setenv("STAGECOACH_LEVER_API_KEY", "")
	ctx := context.Background()
	nowhere := filepath.Join(t.TempDir(), "none", "sc.db")
	db := "--database=sqlite:" + nowhere
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"integration", "update", db, "--id", "int_1"}, "integration update: --settings is required"},
		{[]string{"integration", "update", db}, "integration update: --id and --settings are required"},
		{[]string{"interviews", db}, "interviews: --connection is required"},
		{[]string{"postings", "list", db}, "postings list: --connection is required"},
		{[]string{"integration", "kit-map", db}, "integration kit-map: --id is required"},
		// Flags end at the first argument: --limit would be lost.
		{[]string{"events", db, "acme", "--limit", "5"}, `events: unexpected arguments ["acme" "--limit" "5"]`},
		{[]string{"version", "now"}, `version: unexpected arguments ["now"]`},
		// Checks a command makes of its flags come before the database too.
		{[]string{"connection", "register-webhooks", db, "--id", "acme"}, "--public-url is required"},
		{[]string{"connection", "register-webhooks", db, "--id", "acme", "--public-url", "stagecoach.example"}, "--public-url:"},
		{[]string{"connection", "create", db, "--id", "acme"}, "connection create: no Lever API key"},
	} {
		out, errOut, err := runCLI(ctx, tc.args...)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %s", tc.args, err, tc.want)
		}
		if strings.Contains(out+errOut, "database:") {
			t.Errorf("%v opened a database before refusing its arguments:\n%s%s", tc.args, out, errOut)
		}
	}
	if _, err := os.Stat(filepath.Dir(nowhere)); !os.IsNotExist(err) {
		t.Errorf("a refused command created %s", filepath.Dir(nowhere))
	}
}

// Plain `stagecoach` prints the usage on stderr and exits 2; --version
// prints the version; a flag the command does not know is said once, and
// exits 2; a command that fails exits 1.
func TestExitCodesAndVersion(t *testing.T) {
	ctx := context.Background()
	main := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(ctx, args, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	code, out, errOut := main()
	if code != 2 || out != "" || !strings.HasPrefix(errOut, "usage: stagecoach <command>") {
		t.Errorf("stagecoach: exit %d, stdout %q, stderr:\n%s", code, out, errOut)
	}
	if code, out, _ := main("--version"); code != 0 || out != "stagecoach "+Version+"\n" {
		t.Errorf("stagecoach --version: exit %d, %q", code, out)
	}
	code, _, errOut = main("version", "--bogus")
	if code != 2 || strings.Count(errOut, "flag provided but not defined: -bogus") != 1 {
		t.Errorf("an unknown flag: exit %d, stderr:\n%s", code, errOut)
	}
	if code, _, _ := main("frobnicate"); code != 2 {
		t.Errorf("an unknown command: exit %d, want 2", code)
	}
	if code, _, errOut := main("connection", "-h"); code != 0 || strings.Contains(errOut, "unknown subcommand") {
		t.Errorf("connection -h: exit %d\n%s", code, errOut)
	}
	dir := t.TempDir()
	t.Setenv("STAGECOACH_DATA", dir)
	t.Setenv("STAGECOACH_DATABASE", "")
	t.Setenv("STAGECOACH_SECRET_KEY", "")
	if code, _, errOut := main("provider", "list"); code != 1 || !strings.Contains(errOut, "stagecoach: ") {
		t.Errorf("a command that fails (no database): exit %d\n%s", code, errOut)
	}
}
