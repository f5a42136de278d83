package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/cli"
	"stagecoach/internal/demo"
	"stagecoach/provider"
)

// The operator's commands for the interview flows: the interview listing
// of a connection and of a posting, the kit map, and an on-demand posting
// sync, run against the demo's database.
func TestInterviewAdminCommands(t *testing.T) {
	t.Parallel()
	env, cfg := startDemoConfig(t, 200*time.Millisecond)
	ctx := context.Background()
	run := func(args ...string) (string, error) {
		t.Helper()
		args = append(args, "--data", cfg.DataDir)
		if cfg.Database != "" {
			args = append(args, "--database", cfg.Database)
		}
		var out, errb bytes.Buffer
		err := cli.Run(ctx, args, &out, &errb)
		return out.String() + errb.String(), err
	}
	waitDemoJobs(t, env)

	// The kit map: shown, refused for an unknown kit, set.
	design := postingByTitle(t, env.Lever, "Product Designer")
	out, err := run("integration", "kit-map", "--id", env.VideoIntegration.ID)
	if err != nil || !strings.Contains(out, "default kit: general") {
		t.Fatalf("kit-map: %v\n%s", err, out)
	}
	eventually(t, 30*time.Second, "the published kits", func() bool {
		pkgs, err := provider.NewClient(env.App.URL(), env.VideoProviderAPIKey).ListPackages(ctx)
		return err == nil && len(pkgs) == 2
	})
	if _, err := run("integration", "kit-map", "--id", env.VideoIntegration.ID, "--posting", design.ID+"=nope"); err == nil || !strings.Contains(err.Error(), `"nope" is not one of Demo Video's published packages`) {
		t.Fatalf("unknown kit: %v", err)
	}
	out, err = run("integration", "kit-map", "--id", env.VideoIntegration.ID, "--posting", design.ID+"=engineering")
	if err != nil || !strings.Contains(out, design.ID) || !strings.Contains(out, "engineering") {
		t.Fatalf("set kit: %v\n%s", err, out)
	}

	// Two interviews, on two postings; the listing shows both, or one.
	opp := candidateOn(t, env.Lever, design.ID, "New applicant")
	backend := postingByTitle(t, env.Lever, "Backend Engineer")
	other := candidateOn(t, env.Lever, backend.ID, "New applicant")
	for _, id := range []string{opp.ID, other.ID} {
		if err := env.MoveToStage(ctx, id, demo.VideoStage); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, "two completed interviews in the listing", func() bool {
		out, err := run("interviews", "--connection", demo.ConnectionID)
		return err == nil && strings.Count(out, "completed") == 2 && strings.Count(out, "/evaluate/") == 2
	})
	out, err = run("interviews", "--connection", demo.ConnectionID, "--posting", design.ID)
	if err != nil || !strings.Contains(out, opp.Name) || strings.Contains(out, other.Name) || !strings.Contains(out, "Engineering video interview") {
		t.Fatalf("listing by posting: %v\n%s", err, out)
	}
	if _, err := run("interviews"); err == nil {
		t.Error("interviews without --connection succeeded")
	}

	// An on-demand sync: nothing changed, then a newly tagged posting.
	out, err = run("postings", "sync", "--connection", demo.ConnectionID)
	if err != nil || !strings.Contains(out, "1 tagged postings in Lever, 0 sent as job.synced, 0 as job.removed, 1 unchanged") {
		t.Fatalf("postings sync: %v\n%s", err, out)
	}
	if err := env.TagPosting(ctx, design.ID, []string{demo.JobSyncTag}, nil); err != nil {
		t.Fatal(err)
	}
	out, err = run("postings", "sync", "--connection", demo.ConnectionID)
	if err != nil || !strings.Contains(out, "2 tagged postings in Lever, 1 sent as job.synced") {
		t.Fatalf("postings sync after tagging: %v\n%s", err, out)
	}
	out, err = run("postings", "list", "--connection", demo.ConnectionID)
	if err != nil || !strings.Contains(out, "Product Designer") || !strings.Contains(out, "Site Reliability Engineer") {
		t.Fatalf("postings list: %v\n%s", err, out)
	}
}
