package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/outbound"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// sdkDir is the SDKs' folder, from this package's.
const sdkDir = "../../sdk"

// sdk is one of the provider SDKs: the command that runs its unit tests
// and the one that runs its sample provider, each in dir.
type sdk struct {
	name   string
	bin    string
	dir    string
	tests  []string
	sample []string
	live   []string // its tests against a running server
}

var sdks = []sdk{
	{name: "typescript", bin: "node", dir: "typescript", tests: []string{"--test", "test/"}, sample: []string{"examples/sample-provider.js"}, live: []string{"--test", "test/live.test.js"}},
	{name: "python", bin: "python3", dir: "python", tests: []string{"-m", "unittest", "discover", "-s", "tests", "-t", "."}, sample: []string{"examples/sample_provider.py"}, live: []string{"-m", "unittest", "tests.test_live"}},
}

// lookSDK skips the test when the SDK's platform is not installed.
func lookSDK(t *testing.T, s sdk) string {
	t.Helper()
	bin, err := exec.LookPath(s.bin)
	if err != nil {
		t.Skipf("%s is not installed: the %s SDK is not tested", s.bin, s.name)
	}
	return bin
}

// Each SDK's own unit tests pass (Node's test runner, Python's unittest).
func TestSDKUnitTests(t *testing.T) {
	for _, s := range sdks {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(lookSDK(t, s), s.tests...)
			cmd.Dir = filepath.Join(sdkDir, s.dir)
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", s.bin, strings.Join(s.tests, " "), err, out)
			}
		})
	}
}

// The TypeScript package's declarations compile, and refuse what the API
// refuses (sdk/typescript/test/types.ts). TypeScript is a development
// dependency of the package: without `npm ci` in sdk/typescript the check is
// skipped.
func TestSDKTypeScriptTypes(t *testing.T) {
	t.Parallel()
	node := lookSDK(t, sdks[0])
	dir := filepath.Join(sdkDir, "typescript")
	tsc := filepath.Join(dir, "node_modules", "typescript", "bin", "tsc")
	if _, err := os.Stat(tsc); err != nil {
		t.Skip("TypeScript is not installed in sdk/typescript (npm ci there): the declarations are not type-checked")
	}
	cmd := exec.Command(node, "node_modules/typescript/bin/tsc", "-p", "tsconfig.json")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tsc -p tsconfig.json: %v\n%s", err, out)
	}
}

// The webhook the SDKs' unit tests verify (sdk/testdata/webhook-vector.json)
// is what the server's signer makes of it, with the current and the previous
// secret of a rotation, and the Go client verifies it too.
func TestSDKWebhookVectorIsTheServersSignature(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sdkDir, "testdata", "webhook-vector.json"))
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Secret         string            `json:"secret"`
		PreviousSecret string            `json:"previousSecret"`
		Headers        map[string]string `json:"headers"`
		Body           string            `json:"body"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	sec, err := strconv.ParseInt(v.Headers["webhook-timestamp"], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(sec, 0)
	sig, err := outbound.SignAll([]string{v.Secret, v.PreviousSecret}, v.Headers["webhook-id"], ts, []byte(v.Body))
	if err != nil {
		t.Fatal(err)
	}
	if sig != v.Headers["webhook-signature"] {
		t.Errorf("the server signs the vector %q, the file says %q", sig, v.Headers["webhook-signature"])
	}
	var m struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(v.Body), &m); err != nil {
		t.Fatal(err)
	}
	msg := outbound.Message{ID: v.Headers["webhook-id"], Type: m.Type, Timestamp: m.Timestamp, Data: m.Data}
	if got := string(msg.Body()); got != v.Body {
		t.Errorf("the server's body for the vector's message is\n%s\nthe file says\n%s", got, v.Body)
	}
	for _, secret := range []string{v.Secret, v.PreviousSecret} {
		verifier, err := provider.NewWebhookVerifier(secret)
		if err != nil {
			t.Fatal(err)
		}
		verifier.NowFunc = func() time.Time { return ts }
		h := http.Header{}
		for k, val := range v.Headers {
			h.Set(k, val)
		}
		if _, err := verifier.Verify(h, []byte(v.Body)); err != nil {
			t.Errorf("the Go client refuses the vector: %v", err)
		}
	}
}

// sampleProcess is a running sample provider.
type sampleProcess struct {
	url string // its webhook server, e.g. http://127.0.0.1:41234
	mu  sync.Mutex
	out bytes.Buffer
}

func (p *sampleProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startSample runs an SDK's sample provider against the server with the
// provider's key and secret, and waits until it has published its packages
// and listens.
func startSample(t *testing.T, s sdk, bin, stagecoachURL, apiKey, secret, tag string) *sampleProcess {
	t.Helper()
	cmd := exec.Command(bin, s.sample...)
	cmd.Dir = filepath.Join(sdkDir, s.dir)
	cmd.Env = append(os.Environ(),
		"STAGECOACH_URL="+stagecoachURL, "STAGECOACH_API_KEY="+apiKey, "STAGECOACH_WEBHOOK_SECRET="+secret,
		"LISTEN=127.0.0.1:0", "SAMPLE_LEVER_TAG="+tag, "STEP_DELAY_MS=50", "PYTHONDONTWRITEBYTECODE=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &sampleProcess{}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.out.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.out.WriteString(line + "\n")
			p.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "listening on "); ok {
				listening <- u
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("the %s sample provider did not stop on SIGTERM", s.name)
		}
		if t.Failed() {
			t.Logf("the %s sample provider's output:\n%s", s.name, p.output())
		}
	})
	select {
	case p.url = <-listening:
	case err := <-exited:
		t.Fatalf("the %s sample provider exited: %v\n%s", s.name, err, p.output())
	case <-time.After(20 * time.Second):
		t.Fatalf("the %s sample provider did not listen in time\n%s", s.name, p.output())
	}
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// sampleScore is the score the sample providers give an order.
func sampleScore(orderID string) int {
	h := sha256.Sum256([]byte(orderID))
	return 60 + int(h[0])%39
}

// A recruiter moves a tagged candidate into "Assessment": each SDK's sample
// provider, run as its own process, gets order.created, invites, starts and
// completes the assessment with a score and a PDF, and Lever shows each step,
// as for the Go sample provider. Each sample then accepts a webhook signed by
// the server and refuses a tampered one.
func TestSDKSampleProvidersEndToEnd(t *testing.T) {
	env := startDemo(t, time.Hour)
	ctx := context.Background()
	var taken []string
	for _, s := range sdks {
		bin := ""
		if _, err := exec.LookPath(s.bin); err == nil {
			bin = s.bin
		}
		name := "SDK " + s.name
		tag := name + ": Go Coding"
		opp := findCandidate(t, env.Lever, "New applicant", "", taken...)
		taken = append(taken, opp.ID)
		t.Run(s.name, func(t *testing.T) {
			if bin == "" {
				lookSDK(t, s)
			}
			eng, adm := env.App.Engine, env.App.Admin
			p, key, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "sdk-" + s.name, Name: name, Kind: domain.KindAssessment})
			if err != nil {
				t.Fatal(err)
			}
			sample := startSample(t, s, bin, env.App.URL(), key, p.WebhookSecret, tag)
			p.WebhookURL = sample.url + "/webhooks"
			if err := eng.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) }); err != nil {
				t.Fatal(err)
			}
			client := provider.NewClient(env.App.URL(), key)
			pkgs, err := client.ListPackages(ctx)
			if err != nil || len(pkgs) != 1 || pkgs[0].LeverTag != tag {
				t.Fatalf("published packages = %+v, %v; want one tagged %q", pkgs, err, tag)
			}
			if _, err := adm.CreateIntegration(ctx, demo.ConnectionID, p.ID, json.RawMessage(`{"triggerStage":"Assessment","completionStage":"Assessment Complete"}`)); err != nil {
				t.Fatal(err)
			}

			if err := env.Lever.AddTags(ctx, opp.ID, []string{tag}, ""); err != nil {
				t.Fatal(err)
			}
			if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
				t.Fatal(err)
			}
			eventually(t, 30*time.Second, "the move to Assessment Complete", func() bool {
				return view(t, env.Lever, opp.ID).Stage == "Assessment Complete"
			})

			var order *provider.Order
			for o, err := range client.ListOrders(ctx, provider.ListOrdersParams{Connection: demo.ConnectionID}) {
				if err != nil {
					t.Fatal(err)
				}
				if o.Opportunity.ID == opp.ID {
					order = o
				}
			}
			if order == nil || order.Status != provider.StatusCompleted || order.Result == nil {
				t.Fatalf("the provider's order for the opportunity: %+v", order)
			}
			score := sampleScore(order.ID)
			if order.Result.Score != float64(score) || order.Result.MaxScore != 100 {
				t.Errorf("result = %+v, want score %d of 100", order.Result, score)
			}

			v := view(t, env.Lever, opp.ID)
			if v.hasTag(name+" Assessment Invited") || !v.hasTag(name+" Assessment Completed") {
				t.Errorf("tags = %v, want the completed tag and not the invited one", v.Tags)
			}
			invite := fmt.Sprintf("Candidate link: %s/take/%s", sample.url, order.ID)
			if n := v.notesContaining(invite); n != 1 {
				t.Errorf("%d invite notes with %q, want 1; notes: %q", n, invite, v.Notes)
			}
			summary := fmt.Sprintf("%s: Go Coding assessment completed by %s. Score %d/100", name, opp.Name, score)
			if n := v.notesContaining(summary); n != 1 {
				t.Errorf("%d summary notes %q, want 1; notes: %q", n, summary, v.Notes)
			}
			if len(v.Forms) != 1 {
				t.Fatalf("%d profile forms, want 1", len(v.Forms))
			}
			fields := map[string]any{}
			for _, f := range v.Forms[0].Fields {
				fields[f.Text] = f.Value
			}
			if v.Forms[0].Text != name+" Assessment" || fields["Assessment"] != "Go Coding" ||
				fields["Max score"] != "100" || fmt.Sprint(fields["Score"]) != strconv.Itoa(score) {
				t.Errorf("form %q fields = %v, want Go Coding, score %d of 100", v.Forms[0].Text, fields, score)
			}
			wantFile := fmt.Sprintf("%s Go Coding report %s.pdf", name, order.ID)
			if len(v.Files) != 1 || v.Files[0].Name != wantFile {
				var names []string
				for _, f := range v.Files {
					names = append(names, f.Name)
				}
				t.Fatalf("files = %q, want %q", names, wantFile)
			}
			pdf, err := env.Lever.DownloadFile(ctx, opp.ID, v.Files[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte(order.ID)) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
				t.Errorf("the report is not the sample's PDF for the order: %q…", pdf[:min(len(pdf), 40)])
			}

			// The SDK's own tests against this server: every route the
			// provider may call, and the problems it answers.
			live := exec.Command(bin, s.live...)
			live.Dir = filepath.Join(sdkDir, s.dir)
			live.Env = append(os.Environ(), "STAGECOACH_TEST_URL="+env.App.URL(), "STAGECOACH_TEST_API_KEY="+key,
				"STAGECOACH_TEST_ORDER="+order.ID, "STAGECOACH_TEST_OPPORTUNITY="+opp.ID, "PYTHONDONTWRITEBYTECODE=1")
			if out, err := live.CombinedOutput(); err != nil || strings.Contains(string(out), "# SKIP") || strings.Contains(string(out), "skipped=") {
				t.Errorf("%s %s: %v (or skipped)\n%s", s.bin, strings.Join(s.live, " "), err, out)
			}

			checkSampleWebhooks(t, sample, p.WebhookSecret)
		})
	}
}

// checkSampleWebhooks sends a sample provider a webhook signed by the
// server's signer (accepted, also among the signatures of a rotation) and the
// same webhook with its body changed (refused with 401).
func checkSampleWebhooks(t *testing.T, sample *sampleProcess, secret string) {
	t.Helper()
	ctx := context.Background()
	m := outbound.Message{ID: "msg_sdk_check", Type: "job.synced", Timestamp: time.Now(), Data: json.RawMessage(`{"id":"p1","title":"Backend Engineer"}`)}
	if status, err := outbound.Deliver(ctx, nil, sample.url+"/webhooks", []string{outbound.NewSecret(), secret}, m); err != nil {
		t.Errorf("a webhook signed by the server: %d %v", status, err)
	}
	body := m.Body()
	ts := time.Now()
	sig, err := outbound.Sign(secret, m.ID, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	for what, b := range map[string][]byte{
		"a tampered body":          bytes.Replace(body, []byte("Backend"), []byte("Frontend"), 1),
		"re-serialised JSON":       append(bytes.Clone(body), '\n'),
		"a body signed by another": nil,
	} {
		h := http.Header{"Webhook-Id": {m.ID}, "Webhook-Timestamp": {strconv.FormatInt(ts.Unix(), 10)}, "Webhook-Signature": {sig}}
		if b == nil {
			b = body
			other, _ := outbound.Sign(outbound.NewSecret(), m.ID, ts, body)
			h.Set("Webhook-Signature", other)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, sample.url+"/webhooks", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", what, resp.StatusCode)
		}
	}
}
