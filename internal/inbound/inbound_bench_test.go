package inbound_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/engine"
	"stagecoach/internal/inbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/secret"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// BenchmarkIngest measures Lever webhooks ingested per second, each durable
// (event and routing job committed) before its 200, on SQLite (with
// synchronous normal, the default, and full) and, when
// TEST_DATABASE_URL is set, on PostgreSQL, beside a bare net/http handler
// that only reads the body, measured in the same run, with 4 and with 32
// concurrent senders. Each stagecoach figure also reports its share of the
// bare handler's rate at the same concurrency ("%-of-bare"), how many
// deliveries each commit held ("webhooks/commit"). Every figure reports
// the median and 99th percentile answer time as the senders saw it
// ("p50-ms", "p99-ms") and the peak resident memory of the test process,
// server and senders together, during that sub-benchmark ("peak-rss-MB",
// Linux: VmHWM, reset before each through /proc/self/clear_refs).
//
//	go test ./internal/inbound -run '^$' -bench Ingest -benchtime 2s
func BenchmarkIngest(b *testing.B) {
	bare := map[int]float64{}
	for _, senders := range []int{4, 32} {
		name := fmt.Sprintf("senders=%d", senders)
		b.Run("bare-net-http/"+name, func(b *testing.B) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			bare[senders] = benchPost(b, srv.URL+"/hooks/lever/acme", senders)
		})
	}
	dbs := []string{"sqlite", "sqlite-full"}
	if os.Getenv(storetest.EnvURL) != "" {
		dbs = append(dbs, "postgres")
	}
	for _, dialect := range dbs {
		for _, senders := range []int{4, 32} {
			b.Run(fmt.Sprintf("%s/senders=%d", dialect, senders), func(b *testing.B) {
				var opts store.Options
				switch dialect {
				case "sqlite":
					b.Setenv(storetest.EnvURL, "")
				case "sqlite-full":
					b.Setenv(storetest.EnvURL, "")
					opts.SQLiteSynchronous = store.SyncFull
				}
				rate := benchReceiver(b, senders, opts)
				if bare[senders] > 0 {
					b.ReportMetric(100*rate/bare[senders], "%-of-bare")
				}
			})
		}
	}
}

func benchReceiver(b *testing.B, senders int, opts store.Options) float64 {
	ctx := context.Background()
	key := make([]byte, 32)
	box, _ := secret.New(key)
	db, err := store.OpenWith(ctx, storetest.DSN(b), box, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	before := db.IngestStats()
	defer func() {
		if st := db.IngestStats(); st.Batches > before.Batches {
			b.ReportMetric(float64(st.Deliveries-before.Deliveries)/float64(st.Batches-before.Batches), "webhooks/commit")
		}
	}()
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{})
	adm := admin.New(db, eng, nil)
	if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: "http://127.0.0.1:1", APIKey: "k", SigningToken: signingToken}); err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	inbound.New(eng, db, inbound.Config{Window: time.Hour}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	return benchPost(b, srv.URL+"/hooks/lever/acme", senders)
}

var seq atomic.Int64

// benchPost sends signed deliveries from senders goroutines until b.N are
// done and returns (and reports) the rate, the answer times' median and
// 99th percentile, and the process's peak resident memory meanwhile.
func benchPost(b *testing.B, url string, senders int) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	now := time.Now().UnixMilli()
	// RunParallel starts parallelism×GOMAXPROCS goroutines; rounded up,
	// so on 2 cores 4 and 32 senders are exactly that.
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((senders + procs - 1) / procs)
	var mu sync.Mutex
	var answers []time.Duration
	resetPeakRSS()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		defer func() {
			mu.Lock()
			answers = append(answers, mine...)
			mu.Unlock()
		}()
		for pb.Next() {
			n := seq.Add(1)
			tok := fmt.Sprintf("%048d", n)
			body := delivery(tok, now, fmt.Sprintf(`{"opportunityId":"opp-%d","toStageId":"s2","fromStageId":"s1"}`, n))
			sent := time.Now()
			resp, err := client.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mine = append(mine, time.Since(sent))
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	rate := float64(b.N) / time.Since(start).Seconds()
	b.StopTimer()
	b.ReportMetric(rate, "webhooks/s")
	if len(answers) > 0 {
		slices.Sort(answers)
		at := func(q float64) float64 {
			return float64(answers[int(q*float64(len(answers)-1))]) / float64(time.Millisecond)
		}
		b.ReportMetric(at(0.50), "p50-ms")
		b.ReportMetric(at(0.99), "p99-ms")
	}
	if mb, ok := peakRSS(); ok {
		b.ReportMetric(mb, "peak-rss-MB")
	}
	client.CloseIdleConnections()
	return rate
}

// resetPeakRSS makes the kernel's record of the process's peak resident
// memory start again from now (Linux; elsewhere nothing happens).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns the process's peak resident memory in MB since the
// last resetPeakRSS, from /proc/self/status (Linux).
func peakRSS() (float64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}
