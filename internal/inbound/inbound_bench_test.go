package inbound_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/engine"
	"stagecoach/internal/inbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/secret"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// BenchmarkIngest measures Lever webhooks ingested per second, each durable
// (event and routing job committed) before its 200, on SQLite and, when
// TEST_DATABASE_URL is set, on PostgreSQL, beside a bare net/http handler
// that only reads the body, measured in the same run.
//
//	go test ./internal/inbound -run '^$' -bench Ingest -benchtime 3s
func BenchmarkIngest(b *testing.B) {
	b.Run("bare-net-http", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusOK)
		}))
		defer srv.Close()
		benchPost(b, srv.URL+"/hooks/lever/acme")
	})
	b.Run("sqlite", func(b *testing.B) {
		b.Setenv(storetest.EnvURL, "")
		benchReceiver(b)
	})
	if os.Getenv(storetest.EnvURL) != "" {
		b.Run("postgres", benchReceiver)
	}
}

func benchReceiver(b *testing.B) {
	ctx := context.Background()
	key := make([]byte, 32)
	box, _ := secret.New(key)
	db, err := store.Open(ctx, storetest.DSN(b), box)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{})
	if _, err := eng.CreateConnection(ctx, engine.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: "http://127.0.0.1:1", APIKey: "k", SigningToken: signingToken}); err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	inbound.New(eng, db, inbound.Config{Window: time.Hour}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	benchPost(b, srv.URL+"/hooks/lever/acme")
}

var seq atomic.Int64

func benchPost(b *testing.B, url string) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	now := time.Now().UnixMilli()
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			tok := fmt.Sprintf("%048d", n)
			body := delivery(tok, now, fmt.Sprintf(`{"opportunityId":"opp-%d","toStageId":"s2","fromStageId":"s1"}`, n))
			resp, err := client.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "webhooks/s")
}
