package lever_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"stagecoach/internal/lever"
)

// The benchmarks measure the client's own cost per call against the sandbox
// (rate limit off, no pacing): compare BenchmarkClientGetOpportunity with
// BenchmarkBareGetOpportunity, the same request made with net/http and the
// body read but not decoded.

func benchOpportunity(b *testing.B) (srvURL string, hc *http.Client, c *lever.Client, id string) {
	srv := startSandbox(b, -1)
	c = sandboxClient(b, srv, lever.Unlimited(), nil)
	opps := all(b, c.ListOpportunities(context.Background(), lever.ListOpportunitiesParams{Limit: 1}))
	if len(opps) == 0 {
		b.Fatal("no opportunities in the demo seed")
	}
	return srv.URL, srv.Client(), c, opps[0].ID
}

func BenchmarkClientGetOpportunity(b *testing.B) {
	_, _, c, id := benchOpportunity(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetOpportunity(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBareGetOpportunity(b *testing.B) {
	url, hc, _, id := benchOpportunity(b)
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequest(http.MethodGet, url+"/v1/opportunities/"+id, nil)
		if err != nil {
			b.Fatal(err)
		}
		req.SetBasicAuth(sandboxKey, "")
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d, %v", resp.StatusCode, err)
		}
	}
}
