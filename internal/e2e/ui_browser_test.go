package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store/storetest"
)

// Environment variables of the browser test.
const (
	// envChromium names the Chromium binary (default /usr/bin/chromium,
	// then chromium on the PATH).
	envChromium = "STAGECOACH_CHROMIUM"
	// envSkipBrowser=1 lets the test skip when no Chromium is found; in CI
	// (CI set) it never skips.
	envSkipBrowser = "STAGECOACH_SKIP_BROWSER"
	// envScreenshots names a folder (e.g. docs/ui) the key screenshots are
	// copied to.
	envScreenshots = "STAGECOACH_UI_SCREENSHOTS"
)

func findChromium(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv(envChromium), "/usr/bin/chromium"} {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(envSkipBrowser) == "1" && os.Getenv("CI") == "" {
		t.Skipf("no Chromium found and %s=1: skipping the browser test", envSkipBrowser)
	}
	t.Fatalf("no Chromium found (install Debian's chromium, or set %s; %s=1 skips outside CI)", envChromium, envSkipBrowser)
	return ""
}

// browser drives one headless Chromium and keeps a screenshot of each page.
type browser struct {
	t    *testing.T
	ctx  context.Context
	dir  string
	keep string
	n    int
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(findChromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx, dir: t.ArtifactDir(), keep: os.Getenv(envScreenshots)}
	if b.keep != "" {
		if err := os.MkdirAll(b.keep, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", b.dir)
	return b
}

func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
}

// shot saves a full-page screenshot; key ones are also copied to the
// folder named by STAGECOACH_UI_SCREENSHOTS under their plain name.
func (b *browser) shot(name string, key ...bool) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	if err := os.WriteFile(filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name)), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if len(key) > 0 && key[0] && b.keep != "" {
		if err := os.WriteFile(filepath.Join(b.keep, name+".png"), png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// get runs an action that returns a value.
func get[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 45*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.shot("failed-" + strings.ReplaceAll(what, " ", "-"))
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitFlash waits for the page's message to contain want (the page after
// a form's redirect).
func (b *browser) waitFlash(what, want string) chromedp.Action[chromedp.Void] {
	return b.waitJS(what, fmt.Sprintf(`(() => { const f = document.querySelector(".flash, .error"); return !!f && f.textContent.includes(%q); })()`, want))
}

// waitJS waits until the JavaScript expression js is true on the page.
func (b *browser) waitJS(what, js string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		// Evaluate again and again: while the page navigates an evaluation
		// fails, and that is no answer yet.
		for {
			ok, err := chromedp.Evaluate[bool](js)(ctx, t)
			if err == nil && ok {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for %s: %w (last error %v)", what, ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	// Read it in one evaluation, again while the page is still being
	// replaced (a node found and then gone is no answer yet).
	js := fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel)
	var text string
	b.run("read "+sel, func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		for {
			v, err := chromedp.Evaluate[*string](js)(ctx, t)
			if err == nil && v != nil {
				text = *v
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("no %s on the page: %w (last error %v)", sel, ctx.Err(), err)
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	return text
}

// TestBrowserOperatorSetsUpAssessment is a new operator's first session,
// in a real browser against a bare demo: create the owner account, connect
// the sandbox by OAuth, register and check the webhooks, enable and
// configure the assessment provider, activate it; then a recruiter moves a
// candidate on the sandbox page, and the operator watches the order
// complete in the UI while Lever shows the results.
func TestBrowserOperatorSetsUpAssessment(t *testing.T) {
	b := newBrowser(t)
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0", ProviderDelay: 1500 * time.Millisecond, DataDir: t.TempDir(), Bare: true}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.Sandbox = func(c *leversandbox.Config) {
		c.WebhookRetryDelays = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond}
	}
	appConfig := func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Queue.BaseBackoff = 50 * time.Millisecond
		c.Queue.MaxBackoff = 500 * time.Millisecond
		c.Engine.ReconcileInterval = -1
	}
	// The store runs on the real time plus an offset the test moves at the
	// end, to see a rotated key's grace run out without waiting for it.
	var clockOffset atomic.Int64
	cfg.App = func(c *app.Config) {
		appConfig(c)
		c.NowFunc = func() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	ui := env.UIURL

	// First visit: the owner account.
	b.run("open the UI", chromedp.Navigate(ui+"/"), chromedp.WaitVisible(chromedp.CSS("#create-owner")))
	b.shot("setup", true)
	b.run("create the owner",
		chromedp.SendKeys(chromedp.CSS("#name"), "Olga Operator"),
		chromedp.SendKeys(chromedp.CSS("#email"), "olga@tool.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.SendKeys(chromedp.CSS("#password2"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("#create-owner")),
		b.waitFlash("welcome", "Welcome"))
	if h := b.text("h1"); h != "Overview" {
		t.Fatalf("after creating the owner the page says %q", h)
	}
	b.shot("overview-empty")

	// Connect the sandbox by OAuth: the form is prefilled with its URL.
	b.run("open the connect form", chromedp.Navigate(ui+"/connections/new"), chromedp.WaitVisible(chromedp.CSS("#connect")))
	b.run("fill the connect form",
		chromedp.SendKeys(chromedp.CSS("#id"), "acme"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme (local sandbox)"))
	baseURL := get(b, "read the base URL", chromedp.Value(chromedp.CSS("#baseUrl")))
	if baseURL != env.SandboxURL {
		t.Fatalf("the connect form offers base URL %q, want the sandbox's %q", baseURL, env.SandboxURL)
	}
	b.shot("connect", true)
	b.run("go to Lever's consent page", chromedp.Click(chromedp.CSS("#connect")), chromedp.WaitVisible(chromedp.CSS(`button[value="accept"]`)))
	consentURL := get(b, "read the consent URL", chromedp.Location())
	if !strings.HasPrefix(consentURL, env.SandboxURL+"/oauth/authorize?") || !strings.Contains(consentURL, "audience=") || !strings.Contains(consentURL, "offline_access") {
		t.Fatalf("the browser went to %s, want the sandbox's authorize page with the audience and scopes", consentURL)
	}
	b.shot("lever-consent", true)
	b.run("accept on Lever", chromedp.Click(chromedp.CSS(`button[value="accept"]`)), chromedp.WaitVisible(chromedp.CSS("#register-webhooks")))
	if s := b.text("#conn-status"); s != "active" {
		t.Fatalf("the new connection is %q, want active", s)
	}

	// Webhooks: register them through Lever's API, then check they arrive:
	// stagecoach cannot ask Lever for a test delivery, so the operator
	// presses "Verify connection" on each in Lever's settings.
	b.run("register the webhooks", chromedp.Click(chromedp.CSS("#register-webhooks")), b.waitFlash("registered", "Registered 3 webhooks"))
	b.run("check the webhooks", chromedp.Click(chromedp.CSS("#check-webhooks")), b.waitFlash("check started", "Verify connection"))
	checkURL := get(b, "read the check URL", chromedp.Location())
	b.run("open Lever's webhook settings", chromedp.Navigate(env.SandboxURL+"/settings/integrations/webhooks"),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/verify"]`)))
	verifyActions := get(b, "list stagecoach's webhooks in Lever", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('tr[id^="hook-"]')].filter(tr => tr.textContent.includes("/hooks/lever/")).map(tr => tr.querySelector('form[action$="/verify"]').getAttribute("action"))`))
	if len(verifyActions) != 3 {
		t.Fatalf("Lever's webhook settings list %d of stagecoach's webhooks, want 3: %v", len(verifyActions), verifyActions)
	}
	for i, action := range verifyActions {
		// Each press lists one more "(verify connection)" delivery.
		b.run("press Verify Connection in Lever", chromedp.Click(chromedp.CSS(`form[action="`+action+`"] button`)),
			b.waitJS("the verify-connection delivery", fmt.Sprintf(`document.body.textContent.split("(verify connection)").length - 1 >= %d`, i+1)))
	}
	b.run("back to the check", chromedp.Navigate(checkURL), chromedp.WaitVisible(chromedp.CSS("#verify-connection")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-event="candidateStageChange"].arrived`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-event="candidateArchiveChange"].arrived`)),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-event="candidateDeleted"].arrived`)))
	b.shot("connection", true)

	// Enable the provider and configure it from Lever's own lists.
	b.run("enable the provider", chromedp.Click(chromedp.CSS("#enable-provider")), b.waitFlash("enabled", "Provider enabled"))
	stageID := func(name string) string {
		stages, err := env.Lever.ListStages(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stages {
			if s.Text == name {
				return s.ID
			}
		}
		t.Fatalf("the sandbox has no stage %q", name)
		return ""
	}
	triggerOptions := b.text("#f-triggerStage")
	for _, want := range []string{"New applicant", "Assessment", "Assessment Complete"} {
		if !strings.Contains(triggerOptions, want) {
			t.Fatalf("the trigger stage dropdown lacks Lever's stage %q: %q", want, triggerOptions)
		}
	}
	// The Data Analyst posting gets the package tags, so recruiters can pick
	// them there.
	var dataAnalyst string
	for p, err := range env.Lever.ListPostings(context.Background(), lever.ListPostingsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.Text == "Data Analyst" {
			dataAnalyst = p.ID
			if contains(p.Tags, "Demo: SQL Basics") {
				t.Fatalf("the Data Analyst posting has the package tag already: %v", p.Tags)
			}
		}
	}
	b.run("choose the stages and a posting to tag",
		chromedp.SetValue(chromedp.CSS("#f-triggerStage"), stageID("Assessment")),
		chromedp.SetValue(chromedp.CSS("#f-completionStage"), stageID("Assessment Complete")),
		chromedp.Click(chromedp.CSS(`input[name="s.taggedPostings"][value="`+dataAnalyst+`"]`)))
	b.shot("integration-settings", true)
	// The seed has a candidate in Assessment already: Activate lists who,
	// before anything is sent, and the operator activates for new entries
	// only.
	b.run("activate", chromedp.Click(chromedp.CSS("#activate")), b.waitJS("the candidates already in the stage", `!!document.querySelector("#activate-confirm")`))
	if s := b.text("#activate-confirm"); !strings.Contains(s, "Ines Alvarez") || !strings.Contains(s, "already in the trigger stage") {
		t.Fatalf("the Activate confirmation says: %s", s)
	}
	b.shot("integration-activate-confirm", true)
	b.run("activate for new entries only", chromedp.Click(chromedp.CSS("#activate-new-only")), b.waitFlash("activated", "Activated"))
	if s := b.text("#integration-state"); s != "active" {
		t.Fatalf("after Activate the integration is %q; the page says: %s", s, b.text("main"))
	}
	check := b.text("#setup-check")
	if strings.Contains(check, "is not a stage") || strings.Contains(check, "not set up") {
		t.Fatalf("the setup check of an activated integration: %s", check)
	}
	b.shot("integration-active", true)
	eventually(t, 20*time.Second, "the package tags on the Data Analyst posting", func() bool {
		p, err := env.Lever.GetPosting(context.Background(), dataAnalyst)
		return err == nil && contains(p.Tags, "Demo: Go Coding") && contains(p.Tags, "Demo: SQL Basics")
	})

	// A recruiter moves a tagged candidate to the trigger stage on the
	// sandbox page.
	opp := findCandidate(t, env.Lever, "New applicant", "Demo: Go Coding")
	oppSel := "#opp-" + opp.ID
	b.run("open the sandbox page", chromedp.Navigate(env.SandboxURL+"/opportunities/"+opp.ID), chromedp.WaitVisible(chromedp.CSS(oppSel)))
	b.run("move the candidate",
		chromedp.SetValue(chromedp.CSS(oppSel+` select[name="stage"]`), stageID("Assessment")),
		chromedp.Click(chromedp.CSS(oppSel+` form[action$="/stage"] button`)),
		// The page after the move shows the new stage.
		b.waitJS("the new stage", fmt.Sprintf(`(() => { const s = document.querySelector(%q); return !!s && s.textContent.trim().startsWith("Assessment"); })()`, oppSel+" .stage")))
	b.shot("sandbox-moved")

	// The operator opens Orders and watches the order arrive and complete
	// without reloading: the pages update themselves as the flow runs (the
	// sample provider takes 1.5 s a step).
	b.run("open the orders", chromedp.Navigate(ui+"/orders"), chromedp.WaitVisible(chromedp.CSS("main h1")),
		b.waitJS("the order in the list", `document.querySelectorAll("#orders tr[data-order]").length > 0`))
	b.run("open the order", chromedp.Click(chromedp.CSS(`#orders tr[data-order] a`)), chromedp.WaitVisible(chromedp.CSS("#timeline")),
		b.waitJS("mark the page", `(window.notReloaded = true)`))
	orderURL := get(b, "read the order's address", chromedp.Location())
	if first := b.text("#order-status"); first == "completed" {
		t.Fatalf("the order was completed before its page opened; nothing left to watch")
	}
	b.run("watch the order complete",
		b.waitJS("the status completed", `(() => { const s = document.querySelector("#order-status"); return !!s && s.textContent.trim() === "completed"; })()`),
		b.waitJS("the move to the completion stage in the timeline", `document.querySelector("#timeline").innerText.includes("Moved to Assessment Complete by stagecoach")`))
	if !get(b, "check the page was not reloaded", chromedp.Evaluate[bool](`window.notReloaded === true`)) {
		t.Fatal("the order page was reloaded to show the new steps")
	}
	timeline := b.text("#timeline")
	for _, want := range []string{"Moved from New applicant to Assessment in Lever", `Ordered "Go Coding"`, "Demo Assessments reported the result: score", "Moved to Assessment Complete by stagecoach", "Sent order.created to Demo Assessments"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the order's timeline lacks %q:\n%s", want, timeline)
		}
	}
	if s := b.text("#order-status"); s != "completed" {
		t.Errorf("the order page says %q", s)
	}
	b.shot("order", true)
	b.run("back to the orders", chromedp.Navigate(ui+"/orders"), chromedp.WaitVisible(chromedp.CSS("#orders")))
	b.shot("orders", true)

	// And the recruiter sees the results in Lever.
	eventually(t, 30*time.Second, "the candidate in Assessment Complete", func() bool {
		return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
	})

	b.run("open the event log", chromedp.Navigate(ui+"/events"), chromedp.WaitVisible(chromedp.CSS("#events")))
	b.shot("events", true)
	b.run("open the dead letters", chromedp.Navigate(ui+"/dead-letters"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	b.shot("dead-letters")

	// The integration is found from the navigation, active.
	b.run("open Integrations from the navigation", chromedp.Click(chromedp.CSS(`header nav a[href="/integrations"]`)), chromedp.WaitVisible(chromedp.CSS("#integrations")))
	row := b.text("#integrations tr[data-integration]")
	if !strings.Contains(row, "Demo Assessments") || !strings.Contains(row, "Acme (local sandbox)") || !strings.Contains(row, "active") {
		t.Fatalf("the Integrations page lists: %s", row)
	}
	b.shot("integrations", true)
	b.run("open the integration from the list", chromedp.Click(chromedp.CSS("#integrations tr[data-integration] td a")), chromedp.WaitVisible(chromedp.CSS("#integration-state")))
	if s := b.text("#integration-state"); s != "active" {
		t.Fatalf("the integration opened from the list is %q", s)
	}

	// The operator renames the provider on its page and rotates its API
	// key with an hour's grace: the old key works until the hour is over,
	// then answers 401.
	b.run("open the provider from the list", chromedp.Navigate(ui+"/providers"),
		chromedp.Click(chromedp.CSS(`a[href="/providers/`+demo.ProviderID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#provider-edit")))
	if d := b.text("#provider-deliveries"); !strings.Contains(d, "order.created") || !strings.Contains(d, "delivered") {
		t.Errorf("the provider's deliveries: %s", d)
	}
	b.run("rename the provider",
		chromedp.SetValue(chromedp.CSS("#name"), "Demo Assessments Ltd"),
		chromedp.Click(chromedp.CSS("#provider-save")),
		b.waitFlash("saved", "“Demo Assessments” → “Demo Assessments Ltd”"))
	b.run("rotate the API key",
		chromedp.SetValue(chromedp.CSS("#key-grace"), "1h0m0s"),
		chromedp.Click(chromedp.CSS("#rotate-key-button")),
		chromedp.WaitVisible(chromedp.CSS("#provider-new-secret")))
	newKey := b.text("#provider-new-secret")
	if !strings.HasPrefix(newKey, "sc_") || !strings.Contains(b.text("#shown-secret"), "The old one keeps working until") {
		t.Fatalf("the rotated key is shown as %q: %s", newKey, b.text("#shown-secret"))
	}
	b.shot("provider", true)
	me := func(key string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, ui+"/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if old, cur := me(env.ProviderAPIKey), me(newKey); old != http.StatusOK || cur != http.StatusOK {
		t.Fatalf("during the grace the old key answers %d and the new %d, want 200 and 200", old, cur)
	}
	clockOffset.Add(int64(time.Hour))
	if old, cur := me(env.ProviderAPIKey), me(newKey); old != http.StatusUnauthorized || cur != http.StatusOK {
		t.Fatalf("after the grace the old key answers %d and the new %d, want 401 and 200", old, cur)
	}

	// The audit log, from the navigation, shows who did each of these.
	b.run("open the audit log from the navigation", chromedp.Click(chromedp.CSS(`header nav a[href="/audit"]`)), chromedp.WaitVisible(chromedp.CSS("#audit")))
	audit := b.text("#audit")
	for _, want := range []string{"connection.connect_oauth", "connection.register_webhooks", "integration.save", "integration.activate", "provider.update", "“Demo Assessments” → “Demo Assessments Ltd”", "provider.rotate_key", "olga@tool.example"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, newKey) {
		t.Error("the audit log shows the new key")
	}
	b.run("filter the audit log by provider", chromedp.SetValue(chromedp.CSS("#target"), "provider:"), chromedp.Click(chromedp.CSS("#audit-filter button")),
		b.waitJS("the filtered log", `location.search.includes("target=provider")`), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if f := b.text("#audit"); strings.Contains(f, "connection.connect_oauth") || !strings.Contains(f, "provider.rotate_key") {
		t.Errorf("the audit log filtered by provider:\n%s", f)
	}
	b.shot("audit", true)

	// A member sees the integration read-only: its settings as values, no
	// field to edit and no button to press.
	b.run("add a member", chromedp.Navigate(ui+"/users"), chromedp.WaitVisible(chromedp.CSS(`form[action="/users"]`)),
		chromedp.SendKeys(chromedp.CSS("#email"), "mo@tool.example"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Mo Member"),
		chromedp.SetValue(chromedp.CSS("#role"), "member"),
		chromedp.SendKeys(chromedp.CSS("#password"), "member password 1"),
		chromedp.SendKeys(chromedp.CSS("#password2"), "member password 1"),
		chromedp.Click(chromedp.CSS(`form[action="/users"] button[type="submit"]`)),
		b.waitFlash("added", "mo@tool.example"))
	b.run("log out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS("#login")))
	b.run("log in as the member",
		chromedp.SendKeys(chromedp.CSS("#email"), "mo@tool.example"),
		chromedp.SendKeys(chromedp.CSS("#password"), "member password 1"),
		chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("header nav")))
	b.run("open the integration as the member", chromedp.Navigate(ui+"/integrations"), chromedp.WaitVisible(chromedp.CSS("#integrations")),
		chromedp.Click(chromedp.CSS("#integrations tr[data-integration] td a")), chromedp.WaitVisible(chromedp.CSS("#settings-view")))
	const editable = `Array.from(document.querySelectorAll("main input:not([type=hidden]), main select, main textarea, main form[method=post] button")).filter(e => !(e.form && e.form.method === "get")).length`
	if n := get(b, "count the editable fields", chromedp.Evaluate[int](editable)); n != 0 {
		t.Errorf("the member's integration page has %d fields or buttons to change it", n)
	}
	if v := b.text(`#settings-view tr[data-field="triggerStage"] td`); v != "Assessment" {
		t.Errorf("the member's view shows the trigger stage as %q", v)
	}
	b.shot("member-integration", true)

	// On a phone (390 px wide) the order page fits the screen: the
	// navigation folds behind Menu and no table widens the page.
	b.run("narrow the window", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(orderURL), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	if w := get(b, "measure the page", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		// Name what sticks out, so that a failure says where to look.
		const wide = `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > 390).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + String(e.className).split(" ").join(".") : "") + " " + Math.round(e.getBoundingClientRect().right) + "px: " + (e.textContent || "").trim().slice(0, 60)).join("; ")`
		t.Errorf("at 390 px the order page is %d px wide; past the edge: %s", w, get(b, "find what is wide", chromedp.Evaluate[string](wide)))
	}
	if get(b, "is the navigation folded", chromedp.Evaluate[bool](`getComputedStyle(document.querySelector("header nav")).display !== "none"`)) {
		t.Error("at 390 px the navigation is not folded")
	}
	b.shot("order-390", true)
	b.run("open the menu", chromedp.Click(chromedp.CSS("header .nav-button")),
		b.waitJS("the navigation shown", `getComputedStyle(document.querySelector("header nav")).display !== "none"`))
	b.shot("menu-390")
}
