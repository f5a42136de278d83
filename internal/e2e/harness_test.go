package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
	"stagecoach/provider"
)

// startDemo runs the demo installation on free ports with short delays.
func startDemo(t *testing.T, delay time.Duration) *demo.Env {
	t.Helper()
	return startDemoWith(t, delay, nil)
}

// startDemoWith is startDemo with changes to the configuration (applied
// last, so they may replace the test defaults).
func startDemoWith(t *testing.T, delay time.Duration, change func(*demo.Config)) *demo.Env {
	t.Helper()
	env, _ := startDemoConfigWith(t, delay, change)
	return env
}

// startDemoConfig is startDemo, also returning the configuration (its data
// folder and database, for the admin commands).
func startDemoConfig(t *testing.T, delay time.Duration, appOpts ...func(*app.Config)) (*demo.Env, demo.Config) {
	t.Helper()
	return startDemoConfigWith(t, delay, func(cfg *demo.Config) {
		base := cfg.App
		cfg.App = func(c *app.Config) {
			base(c)
			for _, o := range appOpts {
				o(c)
			}
		}
	})
}

// startDemoConfigWith is startDemoConfig with changes to the configuration.
func startDemoConfigWith(t *testing.T, delay time.Duration, change func(*demo.Config)) (*demo.Env, demo.Config) {
	t.Helper()
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0", ProviderDelay: delay, DataDir: t.TempDir()}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.Sandbox = func(c *leversandbox.Config) {
		c.WebhookRetryDelays = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
	}
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Queue.BaseBackoff = 50 * time.Millisecond
		c.Queue.MaxBackoff = 500 * time.Millisecond
		c.Engine.ReconcileInterval = -1
		c.Engine.PostingSyncInterval = -1
	}
	if change != nil {
		change(&cfg)
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env, cfg
}

// switchWebhookGroupsOn switches every webhook event group of the sandbox
// at sandboxURL on, as a Lever Super Admin does in Settings → Integrations
// and API → Webhooks: a new account delivers nothing until then.
func switchWebhookGroupsOn(t *testing.T, sandboxURL string) {
	t.Helper()
	groups := map[string]bool{}
	for _, ev := range lever.Events {
		groups[ev] = true
	}
	b, _ := json.Marshal(groups)
	resp, err := http.Post(sandboxURL+"/_sandbox/webhook-groups", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("switch the webhook groups on: %s", resp.Status)
	}
}

// sandboxAPI sends one Data API call to the sandbox with env.LeverAPIKey
// (the test's own key, not stagecoach's) and returns the status and body.
// Lever's rate limit holds for the test's calls too: a 429 is retried after
// the Retry-After it names, for up to a minute.
func sandboxAPI(t *testing.T, env *demo.Env, method, path string, body []byte) (int, []byte) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		req, err := http.NewRequest(method, env.SandboxURL+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(env.LeverAPIKey, "")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode, b
		}
		wait := time.Second
		if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n > 0 {
			wait = time.Duration(n) * time.Second
		}
		if time.Now().Add(wait).After(deadline) {
			t.Fatalf("%s %s: still rate limited after a minute of retries", method, path)
		}
		time.Sleep(wait)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitIdle waits until the server's job queue is idle
// (queue.Runner.WaitIdle): the jobs queued before the call have run, and
// so have the jobs they queued. It does not wait for a job's retry, nor for
// work that has not reached the queue yet (a Lever webhook on its way, a
// provider's call).
func waitIdle(t *testing.T, env *demo.Env) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := env.App.Queue.WaitIdle(ctx); err != nil {
		t.Fatalf("the job queue did not become idle: %v", err)
	}
}

// recruiterView is what a recruiter sees of an opportunity in Lever, read
// through Lever's API.
type recruiterView struct {
	Stage string
	Tags  []string
	Notes []string
	Forms []*lever.ProfileForm
	Files []*lever.FileInfo
}

func view(t *testing.T, c *lever.Client, oppID string) recruiterView {
	t.Helper()
	ctx := context.Background()
	var v recruiterView
	opp, err := c.GetOpportunity(ctx, oppID, "stage")
	if err != nil {
		t.Fatal(err)
	}
	v.Stage, v.Tags = opp.Stage.Text, opp.Tags
	for n, err := range c.ListNotes(ctx, oppID) {
		if err != nil {
			t.Fatal(err)
		}
		v.Notes = append(v.Notes, n.Value())
	}
	for f, err := range c.ListProfileForms(ctx, oppID) {
		if err != nil {
			t.Fatal(err)
		}
		v.Forms = append(v.Forms, f)
	}
	for f, err := range c.ListFiles(ctx, oppID) {
		if err != nil {
			t.Fatal(err)
		}
		v.Files = append(v.Files, f)
	}
	return v
}

func (v recruiterView) hasTag(tag string) bool {
	for _, t := range v.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

func (v recruiterView) notesContaining(s string) int {
	n := 0
	for _, note := range v.Notes {
		if strings.Contains(note, s) {
			n++
		}
	}
	return n
}

// findCandidate returns an active seeded opportunity in stage with tag (or
// with no tag of the demo packages when tag is "").
func findCandidate(t *testing.T, c *lever.Client, stage string, tag string, skip ...string) *lever.Opportunity {
	t.Helper()
	archived := false
	for opp, err := range c.ListOpportunities(context.Background(), lever.ListOpportunitiesParams{Archived: &archived, Expand: []string{"stage"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if opp.Stage.Text != stage || contains(skip, opp.ID) {
			continue
		}
		demoTagged := contains(opp.Tags, "Demo: Go Coding") || contains(opp.Tags, "Demo: SQL Basics")
		if (tag == "" && !demoTagged) || (tag != "" && contains(opp.Tags, tag)) {
			return opp
		}
	}
	t.Fatalf("the sandbox has no candidate in %q with tag %q", stage, tag)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// testProvider is a hiring tool driven by the test: it records the webhooks
// stagecoach sends it and reports events through the provider client.
type testProvider struct {
	ID     string
	Client *provider.Client
	mu     sync.Mutex
	msgs   []*provider.WebhookMessage
}

func (p *testProvider) messages(typ string) []*provider.WebhookMessage {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*provider.WebhookMessage
	for _, m := range p.msgs {
		if m.Type == typ {
			out = append(out, m)
		}
	}
	return out
}

// addTestProvider registers a provider of kind with one package on the
// demo connection, with an integration using settings.
func addTestProvider(t *testing.T, env *demo.Env, id, name, kind string, pkgs []provider.Package, settings string) *testProvider {
	t.Helper()
	ctx := context.Background()
	eng, adm := env.App.Engine, env.App.Admin
	p, key, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: id, Name: name, Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := provider.NewWebhookVerifier(p.WebhookSecret)
	if err != nil {
		t.Fatal(err)
	}
	tp := &testProvider{ID: id, Client: provider.NewClient(env.App.URL(), key)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m, err := verifier.Verify(r.Header, body)
		if err != nil {
			t.Errorf("webhook from stagecoach failed verification: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		checkWebhookContract(t, m.Type, body)
		tp.mu.Lock()
		for _, prev := range tp.msgs {
			if prev.ID == m.ID { // a redelivery
				tp.mu.Unlock()
				return
			}
		}
		tp.msgs = append(tp.msgs, m)
		tp.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	p.WebhookURL = srv.URL
	if err := eng.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	if len(pkgs) > 0 {
		if _, err := tp.Client.PublishPackages(ctx, pkgs); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := adm.CreateIntegration(ctx, demo.ConnectionID, id, json.RawMessage(settings)); err != nil {
		t.Fatal(err)
	}
	return tp
}

// orderOf returns the order in a message's data.
func orderOf(t *testing.T, m *provider.WebhookMessage) *provider.Order {
	t.Helper()
	o, err := m.Order()
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// decisions returns the routing decisions recorded for an opportunity.
func decisions(t *testing.T, env *demo.Env, oppID string) []*domain.Decision {
	t.Helper()
	ctx := context.Background()
	var out []*domain.Decision
	err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{OpportunityID: oppID})
		if err != nil {
			return err
		}
		for _, ev := range evs {
			ds, err := tx.DecisionList(ctx, ev.ID)
			if err != nil {
				return err
			}
			out = append(out, ds...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
