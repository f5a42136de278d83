package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/provider"
)

// Twenty assessments of a fresh integration complete at once: every order's
// results need the integration's profile form template, which none has
// created yet. Lever holds exactly one "Acme Assessment" template, and each
// candidate one form made from it.
func TestAssessmentConcurrentCompletionsCreateOneFormTemplate(t *testing.T) {
	t.Parallel()
	const candidates = 20
	env := startDemoWith(t, time.Hour, func(cfg *demo.Config) {
		sandbox, base := cfg.Sandbox, cfg.App
		cfg.Sandbox = func(c *leversandbox.Config) { sandbox(c); c.RatePerSecond = -1 }
		cfg.App = func(c *app.Config) {
			base(c)
			c.Queue.Workers = candidates
			c.Engine.LeverRate, c.Engine.LeverBurst = 1000, 1000
		}
	})
	ctx := context.Background()
	// A recruiter's tooling of its own, unthrottled like the sandbox here.
	lc, err := lever.New(lever.Config{Environment: lever.Custom(env.SandboxURL), APIKey: env.LeverAPIKey, Limiter: lever.NewTokenBucket(1000, 1000)})
	if err != nil {
		t.Fatal(err)
	}
	tp := addTestProvider(t, env, "acme-assess", "Acme", domain.KindAssessment,
		[]provider.Package{{ID: "java", Name: "Java", Kind: "assessment", LeverTag: "Acme: Java"}}, `{}`)

	ids := createTaggedCandidates(t, lc, candidates, "Template", "Acme: Java")
	for _, id := range ids {
		if err := env.MoveToStage(ctx, id, "Assessment"); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 30*time.Second, "an order for every candidate", func() bool { return len(tp.messages("order.created")) == candidates })

	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, m := range tp.messages("order.created") {
		order := orderOf(t, m)
		wg.Go(func() {
			<-start
			score, max := 80.0, 100.0
			if _, err := tp.Client.ReportEvent(ctx, order.ID, provider.Event{Type: "completed", Score: &score, MaxScore: &max}); err != nil {
				t.Errorf("report completed for %s: %v", order.ID, err)
			}
		})
	}
	close(start)
	wg.Wait()

	eventually(t, time.Minute, "every candidate in Assessment Complete", func() bool {
		for _, id := range ids {
			if view(t, lc, id).Stage != "Assessment Complete" {
				return false
			}
		}
		return true
	})
	templates := map[string]bool{}
	for tpl, err := range lc.ListFormTemplates(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Text == "Acme Assessment" {
			templates[tpl.ID] = true
		}
	}
	if len(templates) != 1 {
		t.Fatalf("%d %q form templates in Lever, want 1", len(templates), "Acme Assessment")
	}
	for _, id := range ids {
		forms := view(t, lc, id).Forms
		if len(forms) != 1 || !templates[forms[0].BaseTemplateID] {
			t.Errorf("%s: %d forms, want one made from the one template", id, len(forms))
		}
	}
}

// createTaggedCandidates adds n opportunities with tag to the sandbox's
// first posting, in "New applicant".
func createTaggedCandidates(t *testing.T, c *lever.Client, n int, prefix, tag string) []string {
	t.Helper()
	ctx := context.Background()
	var as, posting, newApplicant string
	for u, err := range c.ListUsers(ctx, lever.ListUsersParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		as = u.ID
		break
	}
	for p, err := range c.ListPostings(ctx, lever.ListPostingsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		posting = p.ID
		break
	}
	stages, err := c.ListStages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stages {
		if s.Text == "New applicant" {
			newApplicant = s.ID
		}
	}
	ids := make([]string, n)
	for i := range n {
		o, err := c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
			Name: fmt.Sprintf("%s Candidate %03d", prefix, i), Emails: []string{fmt.Sprintf("%s%03d@example.org", prefix, i)},
			Tags: []string{tag}, Stage: newApplicant, Postings: []string{posting}, Origin: "applied",
		}, as)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = o.ID
	}
	return ids
}
