package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/cli"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/sampleprovider"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// adminJSON calls the sandbox's admin endpoint and decodes the answer.
func adminJSON(t *testing.T, sandboxURL, method, path string, body, out any) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, sandboxURL+path, &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("sandbox %s %s: %s: %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("sandbox %s %s: %v: %s", method, path, err, b)
		}
	}
}

// postingTags reads a posting's tags as a recruiter sees them.
func postingTags(t *testing.T, sandboxURL, postingID string) []string {
	t.Helper()
	var v struct {
		Data struct {
			Tags []string `json:"tags"`
		} `json:"data"`
	}
	adminJSON(t, sandboxURL, http.MethodGet, "/_sandbox/postings/"+postingID, nil, &v)
	return v.Data.Tags
}

// The operator picks a posting: stagecoach puts the provider's package tags
// on it; a candidate applying to it inherits them (as Lever attaches a
// posting's tags to the opportunities linked to it), and moving them to
// "Assessment" orders the package. A republish adds the new package's tag;
// an operator's re-run writes nothing that is there already.
func TestAssessmentPackageTagsOnTaggedPostings(t *testing.T) {
	t.Parallel()
	env := startDemo(t, 300*time.Millisecond)
	ctx := context.Background()
	var posting *lever.Posting
	for p, err := range env.Lever.ListPostings(ctx, lever.ListPostingsParams{States: []string{"published"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(p.Tags, "Demo: Go Coding") && !slices.Contains(p.Tags, "Demo: SQL Basics") {
			posting = p
			break
		}
	}
	if posting == nil {
		t.Fatal("the demo sandbox has no published posting without the demo tags")
	}
	before := slices.Clone(posting.Tags)

	// The operator names the posting (merged into the other settings); an
	// unknown posting is refused by the setup check, naming it.
	admin := func(args ...string) (string, error) {
		args = append(args, "--data", env.DataDir)
		if env.Database != "" {
			args = append(args, "--database", env.Database)
		}
		var out, errOut bytes.Buffer
		err := cli.Run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	_, err := admin("integration", "update", "--id", env.Integration.ID, "--settings", `{"taggedPostings":["no-such-posting"]}`)
	if err == nil || !strings.Contains(err.Error(), `taggedPostings: The posting to tag "no-such-posting" is not a posting of this Lever account`) {
		t.Fatalf("unknown posting: err = %v", err)
	}
	if out, err := admin("integration", "update", "--id", env.Integration.ID, "--settings", fmt.Sprintf(`{"taggedPostings":[%q]}`, posting.ID)); err != nil {
		t.Fatalf("integration update: %v\n%s", err, out)
	}
	var in *domain.Integration
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, env.Integration.ID); return }); err != nil {
		t.Fatal(err)
	}
	if s, err := engine.ParseSettings(in.Settings); err != nil || s.TriggerStage != "Assessment" || s.CompletionStage != "Assessment Complete" || !slices.Equal(s.TaggedPostings, []string{posting.ID}) {
		t.Fatalf("settings after the update = %s (%v), want the old ones and the posting", in.Settings, err)
	}
	eventually(t, 20*time.Second, "the package tags on the posting", func() bool {
		tags := postingTags(t, env.SandboxURL, posting.ID)
		return slices.Contains(tags, "Demo: Go Coding") && slices.Contains(tags, "Demo: SQL Basics")
	})
	tags := postingTags(t, env.SandboxURL, posting.ID)
	for _, old := range before {
		if !slices.Contains(tags, old) {
			t.Errorf("the posting lost its tag %q: %v", old, tags)
		}
	}
	if len(tags) != len(before)+2 {
		t.Errorf("posting tags = %v, want %v plus the two package tags once each", tags, before)
	}
	// The recruiter's page lists the posting with its tags.
	resp, err := http.Get(env.SandboxURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Demo: Go Coding, Demo: SQL Basics") {
		t.Errorf("the sandbox page does not show the posting's package tags")
	}

	// A candidate applies on the job site: the opportunity carries the tags.
	var applied struct {
		Opportunity struct {
			ID   string   `json:"id"`
			Tags []string `json:"tags"`
		} `json:"opportunity"`
	}
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/postings/"+posting.ID+"/apply", map[string]string{"name": "Noor Haddad", "email": "noor@example.org"}, &applied)
	opp := applied.Opportunity.ID
	if !slices.Contains(applied.Opportunity.Tags, "Demo: Go Coding") {
		t.Fatalf("the applicant's tags = %v, want the posting's package tags", applied.Opportunity.Tags)
	}

	// Into "Assessment": the package is ordered and the invite lands.
	if err := env.MoveToStage(ctx, opp, "Assessment"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the invite note", func() bool {
		return view(t, env.Lever, opp).notesContaining("Go Coding assessment invitation sent to Noor Haddad") == 1
	})
	var ordered []string
	for _, d := range decisions(t, env, opp) {
		if d.Decision == "ordered" {
			ordered = append(ordered, d.Reason)
		}
	}
	if len(ordered) != 1 || !strings.Contains(ordered[0], "Go Coding") {
		t.Errorf("ordered decisions = %q, want one for Go Coding", ordered)
	}

	// The provider publishes one more package: its tag joins the posting.
	pc := provider.NewClient(env.App.URL(), env.ProviderAPIKey)
	pkgs := append(sampleprovider.DefaultPackages(), provider.Package{ID: "rust", Name: "Rust", Kind: provider.PackageAssessment, LeverTag: "Demo: Rust"})
	if _, err := pc.PublishPackages(ctx, pkgs); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the new package's tag on the posting", func() bool {
		return slices.Contains(postingTags(t, env.SandboxURL, posting.ID), "Demo: Rust")
	})
	if got := postingTags(t, env.SandboxURL, posting.ID); len(got) != len(before)+3 {
		t.Errorf("posting tags = %v, want %v plus three package tags once each", got, before)
	}

	// The operator runs it by hand: nothing is missing, nothing is written.
	out, err := admin("integration", "tag-postings", "--id", env.Integration.ID)
	if err != nil {
		t.Fatalf("tag-postings: %v\n%s", err, out)
	}
	if want := "posting " + posting.ID + ": has every package tag already"; !strings.Contains(out, want) {
		t.Errorf("tag-postings printed %q, want %q", out, want)
	}
	// A tag a recruiter removed comes back when the operator asks.
	adminJSON(t, env.SandboxURL, http.MethodPost, "/_sandbox/postings/"+posting.ID+"/tags", map[string]any{"remove": []string{"Demo: Rust"}}, nil)
	if out, err = admin("integration", "tag-postings", "--id", env.Integration.ID); err != nil {
		t.Fatalf("tag-postings: %v\n%s", err, out)
	}
	if want := "posting " + posting.ID + ": added Demo: Rust"; !strings.Contains(out, want) {
		t.Errorf("tag-postings printed %q, want %q", out, want)
	}
	if !slices.Contains(postingTags(t, env.SandboxURL, posting.ID), "Demo: Rust") {
		t.Error("the removed tag did not come back")
	}
}

// A posting update whose answer never comes (Lever applied it): the journal
// reads the posting before trying again, finds the tags, and sends nothing
// more; the posting carries each tag once.
func TestPostingTagsAfterAnUncertainWrite(t *testing.T) {
	t.Parallel()
	reqs := &requestLog{}
	env := startDemoWith(t, time.Hour, func(c *demo.Config) {
		prevApp, prevSandbox := c.App, c.Sandbox
		c.App = func(a *app.Config) { prevApp(a); a.Engine.LeverTimeout = time.Second }
		c.Sandbox = func(s *leversandbox.Config) { prevSandbox(s); s.Logger = slog.New(reqs) }
	})
	ctx := context.Background()
	var posting *lever.Posting
	for p, err := range env.Lever.ListPostings(ctx, lever.ListPostingsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		posting = p
		break
	}
	if err := env.SetFaults(ctx, map[string]any{"timeoutAfterWriteRate": 1, "paths": []string{"/v1/postings/" + posting.ID}}); err != nil {
		t.Fatal(err)
	}
	settings := fmt.Sprintf(`{"taggedPostings":[%q]}`, posting.ID)
	if _, err := env.App.Admin.UpdateIntegration(ctx, env.Integration.ID, json.RawMessage(settings)); err != nil {
		t.Fatal(err)
	}
	// Every sync done (the sample provider's first publish may queue one
	// more), one of them after an attempt whose outcome was unknown.
	var jobs []*domain.Job
	eventually(t, 30*time.Second, "the posting tag syncs done", func() bool {
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
			jobs, err = tx.JobList(ctx, store.JobFilter{Kind: engine.JobPostingTags})
			return
		}); err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Status != domain.JobDone {
				return false
			}
		}
		return len(jobs) > 0
	})
	if err := env.SetFaults(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	retried := false
	for _, j := range jobs {
		retried = retried || j.Attempt >= 2
	}
	if !retried {
		t.Errorf("no sync needed a second attempt: the injected timeout did not happen")
	}
	writes := reqs.requests(func(r loggedRequest) bool {
		return r.Method == http.MethodPost && r.Path == "/v1/postings/"+posting.ID
	})
	if len(writes) != 1 {
		t.Errorf("%d posting updates reached the sandbox, want 1", len(writes))
	}
	tags := postingTags(t, env.SandboxURL, posting.ID)
	for _, want := range []string{"Demo: Go Coding", "Demo: SQL Basics"} {
		n := 0
		for _, tag := range tags {
			if tag == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("the posting carries %q %d times: %v", want, n, tags)
		}
	}
}
