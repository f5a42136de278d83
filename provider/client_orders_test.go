package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientListOrders(t *testing.T) {
	t.Parallel()
	all := make([]Order, 5)
	for i := range all {
		all[i] = Order{ID: fmt.Sprintf("ord_%d", i), Status: StatusInvited}
	}
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		start := 0
		if cur := r.URL.Query().Get("cursor"); cur != "" {
			_, _ = fmt.Sscanf(cur, "c%d", &start)
		}
		end := min(start+2, len(all))
		var next *string
		if end < len(all) {
			s := fmt.Sprintf("c%d", end)
			next = &s
		}
		writeJSON(w, 200, map[string]any{"data": all[start:end], "nextCursor": next})
	})
	since := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	var ids []string
	for o, err := range c.ListOrders(context.Background(), ListOrdersParams{
		Status: StatusInvited, Connection: "acme", Posting: "p 1", UpdatedSince: since, Limit: 2,
	}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	if got, want := fmt.Sprint(ids), "[ord_0 ord_1 ord_2 ord_3 ord_4]"; got != want {
		t.Fatalf("ids=%s, want %s", got, want)
	}
	reqs := b.requests()
	if got, want := len(reqs), 3; got != want {
		t.Fatalf("requests=%d, want %d", got, want)
	}
	q, _ := url.ParseQuery(reqs[2].Query)
	for k, want := range map[string]string{
		"status": "invited", "connection": "acme", "posting": "p 1",
		"updatedSince": "2026-01-02T02:04:05Z", "limit": "2", "cursor": "c4",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("query %s=%q, want %q", k, got, want)
		}
	}

	t.Run("stopping early fetches no more pages", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"data": all[:2], "nextCursor": "more"})
		})
		for range c.ListOrders(context.Background(), ListOrdersParams{}) {
			break
		}
		if got := len(b.requests()); got != 1 {
			t.Fatalf("requests=%d, want 1", got)
		}
	})
	t.Run("an error ends the sequence", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, 400, "invalid", "bad status")
		})
		n := 0
		for o, err := range c.ListOrders(context.Background(), ListOrdersParams{Status: "nope"}) {
			n++
			var p *Problem
			if o != nil || !errors.As(err, &p) || p.Status != 400 {
				t.Fatalf("got %v, %v", o, err)
			}
		}
		if n != 1 {
			t.Fatalf("yielded %d times, want 1", n)
		}
	})
}

func TestClientGetOrder(t *testing.T) {
	t.Parallel()
	const doc = `{
	  "id": "ord_01", "status": "completed", "connectionId": "acme", "integrationId": "int_1",
	  "package": {"id": "go-coding", "name": "Go Coding"},
	  "candidate": {"name": "Ada Park", "email": "ada@example.org"},
	  "opportunity": {"id": "opp_1", "url": "https://lever.example/opp_1", "stageId": "st_1"},
	  "posting": {"id": "post_1", "title": "Backend Engineer"},
	  "owner": {"id": "u_1", "name": "Rae Khan", "email": "rae@example.org"},
	  "candidateUrl": "https://tool.example/invite/1",
	  "evaluationUrl": null,
	  "result": {"score": 82, "maxScore": 100, "result": "pass", "attributes": {"Correctness": "9/10", "Minutes": 31}, "resultUrl": "https://tool.example/r/1"},
	  "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T04:04:05Z"
	}`
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/orders/ord_01" {
			writeProblem(w, 404, "not_found", "no order "+r.URL.Path)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(doc))
	})
	o, err := c.GetOrder(context.Background(), "ord_01")
	if err != nil {
		t.Fatal(err)
	}
	if o.Candidate.Email != "ada@example.org" || o.Posting.Title != "Backend Engineer" || o.Owner.Name != "Rae Khan" ||
		o.Opportunity.StageID != "st_1" || o.Result == nil || o.Result.Score != 82 || o.Result.Attributes["Minutes"] != 31.0 ||
		o.UpdatedAt.Sub(o.CreatedAt) != time.Hour || o.EvaluationURL != "" {
		t.Fatalf("GetOrder=%+v", o)
	}

	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		_, err := c.GetOrder(context.Background(), "ord/../x")
		var p *Problem
		if !errors.As(err, &p) || p.Status != 404 || p.Code() != CodeNotFound {
			t.Fatalf("err=%v, want a 404 problem", err)
		}
		reqs := b.requests()
		if got, want := reqs[len(reqs)-1].Path, "/v1/orders/ord%2F..%2Fx"; got != want {
			t.Fatalf("path=%s, want %s", got, want)
		}
	})
}

func TestClientReportEvent(t *testing.T) {
	t.Parallel()
	score, maxScore := 82.5, 100.0
	ev := Event{
		Type: EventCompleted, Score: &score, MaxScore: &maxScore, Result: "pass",
		Attributes: map[string]any{"Correctness": "9/10", "Minutes": 31},
		Report:     &Report{Filename: "report.pdf", ContentBase64: "JVBERi0="},
	}
	const wantBody = `{"type":"completed","score":82.5,"maxScore":100,"result":"pass","attributes":{"Correctness":"9/10","Minutes":31},"report":{"filename":"report.pdf","contentBase64":"JVBERi0="}}`

	t.Run("a random idempotency key, the same on retries", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n := calls.Add(1)
			if n < 3 {
				writeProblem(w, 503, "internal", "busy")
				return
			}
			writeJSON(w, 200, Order{ID: "ord_1", Status: StatusCompleted})
		})
		o, err := c.ReportEvent(context.Background(), "ord_1", ev)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != StatusCompleted {
			t.Fatalf("status=%q", o.Status)
		}
		reqs := b.requests()
		if len(reqs) != 3 {
			t.Fatalf("requests=%d, want 3", len(reqs))
		}
		for _, r := range reqs {
			if r.Method != "POST" || r.Path != "/v1/orders/ord_1/events" || string(r.Body) != wantBody {
				t.Fatalf("request=%s %s %s\nwant body %s", r.Method, r.Path, r.Body, wantBody)
			}
			if r.IdempotencyKey == "" || r.IdempotencyKey != reqs[0].IdempotencyKey {
				t.Fatalf("idempotency keys %q and %q", reqs[0].IdempotencyKey, r.IdempotencyKey)
			}
		}
		if _, err := c.ReportEvent(context.Background(), "ord_1", ev); err != nil {
			t.Fatal(err)
		}
		if again := b.requests()[3].IdempotencyKey; again == reqs[0].IdempotencyKey {
			t.Fatal("two calls had the same random key")
		}
	})

	t.Run("a given idempotency key", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, Order{ID: "ord_1", Status: StatusInvited})
		})
		_, err := c.ReportEvent(context.Background(), "ord_1", Event{Type: EventInvited, CandidateURL: "https://x.example/i"}, WithIdempotencyKey("ord_1:invited"))
		if err != nil {
			t.Fatal(err)
		}
		r := b.requests()[0]
		if r.IdempotencyKey != "ord_1:invited" || string(r.Body) != `{"type":"invited","candidateUrl":"https://x.example/i"}` {
			t.Fatalf("request=%+v body %s", r, r.Body)
		}
	})

	t.Run("a conflict is not retried", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeProblem(w, 409, "conflict", "invited: the order is completed")
		})
		_, err := c.ReportEvent(context.Background(), "ord_1", Event{Type: EventInvited, CandidateURL: "https://x.example/i"})
		var p *Problem
		if !errors.As(err, &p) || p.Code() != CodeConflict || p.Detail != "invited: the order is completed" {
			t.Fatalf("err=%v", err)
		}
		if got := len(b.requests()); got != 1 {
			t.Fatalf("requests=%d, want 1", got)
		}
	})

	t.Run("field errors", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"type":"https://stagecoach.dev/problems/invalid","title":"Invalid request","status":400,"detail":"completed: score must be between 0 and maxScore","errors":[{"field":"score","message":"must be at most 100"}]}`))
		})
		_, err := c.ReportEvent(context.Background(), "ord_1", ev)
		var p *Problem
		if !errors.As(err, &p) || len(p.Errors) != 1 || p.Errors[0].Field != "score" {
			t.Fatalf("err=%#v", err)
		}
		if got, want := err.Error(), "stagecoach: 400 Invalid request: completed: score must be between 0 and maxScore"; got != want {
			t.Fatalf("Error()=%q, want %q", got, want)
		}
	})

	t.Run("interview service fields", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, Order{ID: "ord_1", Status: StatusScheduled})
		})
		at := time.Date(2026, 5, 6, 14, 0, 0, 0, time.UTC)
		_, err := c.ReportEvent(context.Background(), "ord_1", Event{Type: EventScheduled, StartsAt: &at, Interviewer: "Sam", MeetingURL: "https://meet.example/1", Round: "Technical"})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b.requests()[0].Body), `{"type":"scheduled","startsAt":"2026-05-06T14:00:00Z","interviewer":"Sam","meetingUrl":"https://meet.example/1","round":"Technical"}`; got != want {
			t.Fatalf("body=%s\nwant %s", got, want)
		}
	})
}

func TestClientRetries(t *testing.T) {
	t.Parallel()

	t.Run("429 with Retry-After, then success", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n := calls.Add(1)
			if n == 1 {
				w.Header().Set("Retry-After", "0")
				writeProblem(w, 429, "too_many", "slow down")
				return
			}
			writeJSON(w, 200, Profile{ID: "p"})
		})
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(b.requests()); got != 2 {
			t.Fatalf("requests=%d, want 2", got)
		}
	})

	t.Run("gives up after the maximum", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		}, WithMaxRetries(2))
		_, err := c.Me(context.Background())
		var p *Problem
		if !errors.As(err, &p) || p.Status != 502 || p.Detail != "<html>bad gateway</html>" {
			t.Fatalf("err=%v", err)
		}
		if got := len(b.requests()); got != 3 {
			t.Fatalf("requests=%d, want 3", got)
		}
	})

	t.Run("a network error", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler) // drops the connection
		}, WithMaxRetries(1))
		_, err := c.Me(context.Background())
		var p *Problem
		if err == nil || errors.As(err, &p) {
			t.Fatalf("err=%v, want a network error", err)
		}
		if got := len(b.requests()); got != 2 {
			t.Fatalf("requests=%d, want 2", got)
		}
	})

	t.Run("a per-attempt timeout", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		var calls atomic.Int32
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			n := calls.Add(1)
			if n == 1 {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return
			}
			writeJSON(w, 200, Profile{ID: "p"})
		}, WithTimeout(50*time.Millisecond))
		if _, err := c.Me(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := len(b.requests()); got != 2 {
			t.Fatalf("requests=%d, want 2", got)
		}
	})

	t.Run("a cancelled context stops retrying", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			cancel()
			writeProblem(w, 503, "internal", "busy")
		})
		if _, err := c.Me(ctx); err == nil {
			t.Fatal("Me succeeded")
		}
		if got := len(b.requests()); got != 1 {
			t.Fatalf("requests=%d, want 1", got)
		}
	})

	t.Run("a bad answer is not retried", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte("not json"))
		})
		if _, err := c.Me(context.Background()); err == nil {
			t.Fatal("Me succeeded")
		}
		if got := len(b.requests()); got != 1 {
			t.Fatalf("requests=%d, want 1", got)
		}
	})
}

func TestClientLeverEvents(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		ev := json.RawMessage(`{"id":"evt_1","event":"candidateStageChange","opportunityId":"opp_1","receivedAt":"2026-01-02T03:04:05Z","decisions":[{"integrationId":"int_1","decision":"ignored","reason":"no tag on the opportunity names a package of iMocha (tags: Backend Engineer, Berlin)","orderId":null}]}`)
		if r.URL.Path == "/v1/lever-events/evt_1" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(ev)
			return
		}
		writeJSON(w, 200, map[string]any{"data": []json.RawMessage{ev}, "nextCursor": nil})
	})
	evs, err := c.ListLeverEvents(context.Background(), "opp_1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || len(evs[0].Decisions) != 1 || evs[0].Decisions[0].Decision != DecisionIgnored || evs[0].Decisions[0].OrderID != "" {
		t.Fatalf("ListLeverEvents=%+v", evs)
	}
	if got, want := b.requests()[0].Query, "opportunity=opp_1"; got != want {
		t.Fatalf("query=%q, want %q", got, want)
	}
	ev, err := c.GetLeverEvent(context.Background(), "evt_1")
	if err != nil || ev.Event != "candidateStageChange" || ev.OpportunityID != "opp_1" {
		t.Fatalf("GetLeverEvent=%+v, %v", ev, err)
	}
}
