package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/queue"
	"stagecoach/internal/sampleprovider"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// buildBinary builds cmd/stagecoach into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "stagecoach")
	out, err := exec.Command("go", "build", "-o", bin, "stagecoach/cmd/stagecoach").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProcess is `stagecoach serve` run as a child process that a test
// SIGKILLs and starts again on the same data; its output goes to log.
type serveProcess struct {
	t    *testing.T
	bin  string
	args []string
	env  []string
	log  *os.File
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// startServeProcess starts `bin serve` with args (and --database when
// database is set) and the secret key in its environment, writing its
// output to logPath; the process is killed when the test ends.
func startServeProcess(t *testing.T, bin, key, database, logPath string, args ...string) *serveProcess {
	t.Helper()
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"serve"}, args...)
	if database != "" {
		args = append(args, "--database", database)
	}
	p := &serveProcess{t: t, bin: bin, args: args, env: append(os.Environ(), "STAGECOACH_SECRET_KEY="+key), log: log}
	p.start()
	t.Cleanup(func() { p.kill(); log.Close() })
	return p
}

func (p *serveProcess) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = p.env
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
}

func (p *serveProcess) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
}

// killUntil SIGKILLs and restarts the process after random pauses between
// minPause and maxPause, at most maxKills times, until done holds; it fails
// the test when done does not hold within timeout, or when fewer than three
// kills happened (the test would prove little). It returns the kills.
func (p *serveProcess) killUntil(done func() bool, what string, maxKills int, minPause, maxPause, timeout time.Duration) int {
	p.t.Helper()
	kills := 0
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %s after %d kills; see %s", what, kills, p.log.Name())
		}
		time.Sleep(minPause + rand.N(maxPause-minPause))
		if kills < maxKills {
			p.restart()
			kills++
		}
	}
	if kills < 3 {
		p.t.Errorf("only %d kills happened; the test proves little", kills)
	}
	return kills
}

// restart SIGKILLs the process and starts it again.
func (p *serveProcess) restart() {
	p.kill()
	p.start()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// createCandidates adds n opportunities tagged with a demo package to the
// sandbox's first posting, in "New applicant".
func createCandidates(t testing.TB, c *lever.Client, n int, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	var as string
	for u, err := range c.ListUsers(ctx, lever.ListUsersParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		as = u.ID
		break
	}
	stages, err := c.ListStages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newApplicant := ""
	for _, s := range stages {
		if s.Text == "New applicant" {
			newApplicant = s.ID
		}
	}
	var posting string
	for p, err := range c.ListPostings(ctx, lever.ListPostingsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		posting = p.ID
		break
	}
	ids := make([]string, n)
	for i := range n {
		o, err := c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
			Name: fmt.Sprintf("%s Candidate %03d", prefix, i), Emails: []string{fmt.Sprintf("%s%03d@example.org", strings.ToLower(prefix), i)},
			Tags: []string{"Demo: Go Coding"}, Stage: newApplicant, Postings: []string{posting}, Origin: "applied",
		}, as)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = o.ID
	}
	return ids
}

// assertExactlyOnce checks what a recruiter sees on each completed
// opportunity: one invite note, one summary note, one form, one file, the
// completed tag and the completion stage.
func assertExactlyOnce(t *testing.T, c *lever.Client, ids []string) {
	t.Helper()
	for _, id := range ids {
		v := view(t, c, id)
		if v.Stage != "Assessment Complete" {
			t.Errorf("%s: stage %q", id, v.Stage)
		}
		if n := v.notesContaining("Candidate link"); n != 1 {
			t.Errorf("%s: %d invite notes", id, n)
		}
		if n := v.notesContaining("assessment completed"); n != 1 {
			t.Errorf("%s: %d summary notes", id, n)
		}
		if len(v.Notes) != 2 {
			t.Errorf("%s: %d notes, want 2", id, len(v.Notes))
		}
		if len(v.Forms) != 1 {
			t.Errorf("%s: %d forms", id, len(v.Forms))
		}
		if len(v.Files) != 1 {
			t.Errorf("%s: %d files", id, len(v.Files))
		}
		completed := 0
		for _, tag := range v.Tags {
			if tag == "Demo Assessments Assessment Completed" {
				completed++
			}
			if tag == "Demo Assessments Assessment Invited" {
				t.Errorf("%s: still tagged invited", id)
			}
		}
		if completed != 1 {
			t.Errorf("%s: completed tag %d times", id, completed)
		}
	}
}

// crashRig is what the crash tests share: a seeded sandbox without a rate
// limit, a Lever client for reading it back, and the database of a server
// (to be run with serve) holding the connection "crash" to the sandbox,
// written through an engine the test uses for the rest of its setup.
type crashRig struct {
	sandboxURL string
	lever      *lever.Client
	dataDir    string
	secretKey  string
	database   string
	addr       string
	db         *store.DB
	eng        *engine.Engine
	adm        *admin.Service
}

// newCrashRig starts the sandbox, whose webhook retries wait retryDelays,
// and prepares the server's database.
func newCrashRig(t *testing.T, retryDelays ...time.Duration) *crashRig {
	t.Helper()
	ctx := context.Background()
	sb, err := leversandbox.New(leversandbox.Config{APIKey: "crash-key", Seed: "demo", RatePerSecond: -1, WebhookRetryDelays: retryDelays})
	if err != nil {
		t.Fatal(err)
	}
	sbSrv := httptest.NewServer(sb)
	t.Cleanup(func() { sbSrv.Close(); sb.Close() })
	switchWebhookGroupsOn(t, sbSrv.URL)
	lc, err := lever.New(lever.Config{Environment: lever.Custom(sbSrv.URL), APIKey: "crash-key", Limiter: lever.NewTokenBucket(1000, 1000)})
	if err != nil {
		t.Fatal(err)
	}
	r := &crashRig{sandboxURL: sbSrv.URL, lever: lc, dataDir: t.TempDir(), addr: freeAddr(t),
		secretKey: base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))}
	if os.Getenv(storetest.EnvURL) != "" {
		r.database = storetest.DSN(t)
	}
	r.db, err = app.OpenStore(ctx, app.Config{DataDir: r.dataDir, Database: r.database, SecretKey: r.secretKey, Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	r.eng = engine.New(r.db, queue.New(r.db, queue.Config{}), engine.Config{LeverRate: 1000, LeverBurst: 1000, OpenATS: leverats.Opener, Events: leverats.Events})
	r.adm = admin.New(r.db, r.eng, nil)
	if _, err := r.adm.CreateConnection(ctx, admin.ConnectionInput{ID: "crash", Environment: "custom", BaseURL: sbSrv.URL, APIKey: "crash-key"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// serve starts the server on the rig's address and database, as a separate
// process that can be killed; the test closes rig.db first.
func (r *crashRig) serve(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	args = append([]string{"--addr", r.addr, "--data", r.dataDir}, args...)
	return startServeProcess(t, bin, r.secretKey, r.database, filepath.Join(r.dataDir, "serve.log"), args...)
}

// The server is killed with SIGKILL at random moments while 200 candidates go
// through, and restarted each time: every candidate completes, and Lever
// holds no duplicate note, file, form or tag.
func TestCrashRecoveryUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server many times")
	}
	const candidates = 200
	ctx := context.Background()
	bin := buildBinary(t)

	rig := newCrashRig(t, 300*time.Millisecond, time.Second, 2*time.Second, 4*time.Second, 8*time.Second)
	sbURL, lc, addr, db, adm := rig.sandboxURL, rig.lever, rig.addr, rig.db, rig.adm

	if _, err := adm.RegisterWebhooks(ctx, "crash", "http://"+addr, []string{lever.EventCandidateStageChange}); err != nil {
		t.Fatal(err)
	}
	p, apiKey, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "demo-assessments", Name: "Demo Assessments", Kind: domain.KindAssessment})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateIntegration(ctx, "crash", p.ID, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	sp, err := sampleprovider.New(sampleprovider.Config{StagecoachURL: "http://" + addr, APIKey: apiKey, WebhookSecret: p.WebhookSecret, Addr: "127.0.0.1:0", Delay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	spCtx, stopSP := context.WithCancel(ctx)
	defer stopSP()
	go func() { _ = sp.Run(spCtx) }()
	<-sp.Ready()
	p.WebhookURL = "http://" + sp.Addr() + "/webhooks"
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// The server, as a separate process that can be killed.
	srv := rig.serve(t, bin, "--job-lease", "2s", "--reconcile-interval", "3s", "--lever-rate", "1000", "--lever-burst", "1000", "--lever-timeout", "5s", "--log-level", "warn")

	ids := createCandidates(t, lc, candidates, "Crash")
	for _, id := range ids {
		if err := postStage(sbURL, id, "Assessment"); err != nil {
			t.Fatal(err)
		}
	}

	// Kill at random moments until every candidate is through.
	done := func() bool {
		n := 0
		for opp, err := range lc.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{"Demo Assessments Assessment Completed"}, Expand: []string{"stage"}}) {
			if err != nil {
				return false
			}
			// Only the candidates made here: reconciliation also orders a
			// seeded opportunity that sits in "Assessment".
			if opp.Stage.Text == "Assessment Complete" && contains(ids, opp.ID) {
				n++
			}
		}
		return n >= candidates
	}
	kills := srv.killUntil(done, "every candidate to complete", 15, 300*time.Millisecond, 1500*time.Millisecond, 6*time.Minute)
	t.Logf("%d candidates completed across %d SIGKILLs", candidates, kills)
	assertExactlyOnce(t, lc, ids)
}
