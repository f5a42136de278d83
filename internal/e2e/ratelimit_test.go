package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// leverCallsOf sums stagecoach_lever_calls_total on a server's /metrics.
func leverCallsOf(t *testing.T, baseURL string) float64 {
	t.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	total := 0.0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "stagecoach_lever_calls_total{") {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		total += v
	}
	return total
}

// completedIn counts the opportunities named with prefix that the sandbox
// shows in stage, through the admin endpoint (so the count itself makes no
// Lever API call).
func completedIn(t *testing.T, sandboxURL, stage, prefix string) int {
	t.Helper()
	var v struct {
		Data []struct {
			Opportunity struct {
				Name string `json:"name"`
			} `json:"opportunity"`
		} `json:"data"`
	}
	adminJSON(t, sandboxURL, http.MethodGet, "/_sandbox/opportunities?stage="+url.QueryEscape(stage), nil, &v)
	n := 0
	for _, o := range v.Data {
		if strings.HasPrefix(o.Opportunity.Name, prefix) {
			n++
		}
	}
	return n
}

// Two `serve` processes share one database and work one Lever connection:
// the calls Lever receives for it stay inside the 10/s, burst 20 envelope
// over every window, and neither process is ever answered 429.
func TestRateLimitSharedByTwoServeProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers through a rate-bound workload")
	}
	const (
		candidates = 16
		rate       = 10.0
		burst      = 20
	)
	ctx := context.Background()
	bin := buildBinary(t)

	// Lever: the sandbox with Lever's own limit, logging every request.
	reqs := &requestLog{}
	sb, err := leversandbox.New(leversandbox.Config{APIKey: "rl-key", Seed: "demo", Logger: slog.New(reqs),
		WebhookRetryDelays: []time.Duration{300 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	sbSrv := httptest.NewServer(sb)
	t.Cleanup(func() { sbSrv.Close(); sb.Close() })
	switchWebhookGroupsOn(t, sbSrv.URL)
	lc, err := lever.New(lever.Config{Environment: lever.Custom(sbSrv.URL), APIKey: "rl-key"})
	if err != nil {
		t.Fatal(err)
	}

	// The operator's setup, in the database both servers use.
	dataDir := t.TempDir()
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	cfg := app.Config{DataDir: dataDir, SecretKey: key, Migrate: true}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	addrs := []string{freeAddr(t), freeAddr(t)}
	db, err := app.OpenStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{OpenATS: leverats.Opener, Events: leverats.Events})
	adm := admin.New(db, eng, nil)
	if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "shared", Environment: "custom", BaseURL: sbSrv.URL, APIKey: "rl-key"}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.RegisterWebhooks(ctx, "shared", "http://"+addrs[0], []string{lever.EventCandidateStageChange}); err != nil {
		t.Fatal(err)
	}
	p, apiKey, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: "demo-assessments", Name: "Demo Assessments", Kind: domain.KindAssessment})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateIntegration(ctx, "shared", p.ID, json.RawMessage(`{}`)); err != nil {
		t.Fatal(err)
	}
	sp, err := sampleprovider.New(sampleprovider.Config{StagecoachURL: "http://" + addrs[1], APIKey: apiKey, WebhookSecret: p.WebhookSecret, Addr: "127.0.0.1:0", Delay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	p.WebhookURL = "" // set once the sample provider listens
	spCtx, stopSP := context.WithCancel(ctx)
	defer stopSP()
	go func() { _ = sp.Run(spCtx) }()
	<-sp.Ready()
	p.WebhookURL = "http://" + sp.Addr() + "/webhooks"
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ids := createCandidates(t, lc, candidates, "Rate")
	logDir := os.Getenv("STAGECOACH_TEST_LOGS")
	if logDir == "" {
		logDir = dataDir
	}

	// Two servers: Lever's webhooks reach the first, the provider calls the
	// second; both take jobs from the shared database.
	for i, addr := range addrs {
		startServeProcess(t, bin, key, cfg.Database, filepath.Join(logDir, fmt.Sprintf("serve-%d.log", i)),
			"--addr", addr, "--data", dataDir, "--lever-rate", fmt.Sprint(rate), "--lever-burst", fmt.Sprint(burst), "--log-level", "warn")
		eventually(t, 20*time.Second, "server "+addr+" ready", func() bool {
			resp, err := http.Get("http://" + addr + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}

	// The setup's own calls came out of the same Lever budget: let it fill
	// up again before the servers get work.
	time.Sleep(time.Duration(float64(burst)/rate*float64(time.Second)) + 200*time.Millisecond)
	start := time.Now()
	for _, id := range ids {
		if err := postStage(sbSrv.URL, id, "Assessment"); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 90*time.Second, "every candidate through the flow", func() bool {
		time.Sleep(250 * time.Millisecond)
		return completedIn(t, sbSrv.URL, "Assessment Complete", "Rate Candidate") == candidates
	})
	took := time.Since(start)

	// What Lever received for the connection while the servers worked.
	calls := reqs.requests(func(r loggedRequest) bool {
		return strings.HasPrefix(r.Path, "/v1/") && !r.Arrived.Before(start)
	})
	slices.SortFunc(calls, func(a, b loggedRequest) int { return a.Arrived.Compare(b.Arrived) })
	if len(calls) < 4*burst {
		t.Fatalf("only %d Lever calls: too few for the rate limit to bind", len(calls))
	}
	worst, worstAt, worstWindow := 0.0, 0, time.Duration(0)
	for i := range calls {
		for j := i; j < len(calls); j++ {
			w := calls[j].Arrived.Sub(calls[i].Arrived)
			allowed := float64(burst) + rate*w.Seconds()
			n := float64(j - i + 1)
			if n/allowed > worst {
				worst, worstAt, worstWindow = n/allowed, i, w
			}
			if n > allowed {
				t.Errorf("%d Lever calls arrived within %s from %s: the envelope allows %.1f", j-i+1, w, calls[i].Arrived.Format("15:04:05.000"), allowed)
				break
			}
		}
	}
	throttled := 0
	for _, c := range calls {
		if c.Status == http.StatusTooManyRequests {
			throttled++
		}
	}
	if throttled > 0 {
		t.Errorf("Lever answered 429 to %d calls", throttled)
	}
	// Both processes did the work, and the sandbox saw every call they made.
	a, b := leverCallsOf(t, "http://"+addrs[0]), leverCallsOf(t, "http://"+addrs[1])
	if a == 0 || b == 0 {
		t.Errorf("Lever calls per process: %v and %v; want both servers working the connection", a, b)
	}
	if int(a+b) != len(calls) {
		t.Errorf("the servers made %v Lever calls, the sandbox logged %d", a+b, len(calls))
	}
	span := calls[len(calls)-1].Arrived.Sub(calls[0].Arrived)
	t.Logf("%d Lever calls (%v and %v per process) in %s (%.1f/s; the flow took %s); closest to the envelope: %.0f%% of it over %s from call %d",
		len(calls), a, b, span.Round(time.Millisecond), float64(len(calls))/span.Seconds(), took.Round(time.Millisecond), 100*worst, worstWindow.Round(time.Millisecond), worstAt)
}
