package leversandbox

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFaultRates(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	setFaults := func(f map[string]any) {
		t.Helper()
		b.call(t, "POST", "/_sandbox/faults", f, noAuth).must(t, 200)
	}

	setFaults(map[string]any{"rate429": 1})
	r := b.call(t, "GET", "/v1/stages", nil)
	r.errorBody(t, 429, "TooManyRequests")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	b.call(t, "GET", "/_sandbox/opportunities/"+adaOpp, nil, noAuth).must(t, 200) // the admin endpoint is not faulted

	setFaults(map[string]any{"rate5xx": 1})
	if r := b.call(t, "GET", "/v1/stages", nil); r.status != 500 && r.status != 503 {
		t.Fatalf("status=%d, want 500 or 503", r.status)
	}
	// A refused write was not applied.
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")})
	b.call(t, "DELETE", "/_sandbox/faults", nil, noAuth).must(t, 204)
	if got := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["stage"]; got != stageID("New applicant") {
		t.Fatalf("stage=%v: a write answered 5xx by the fault was applied", got)
	}

	// Only the listed paths.
	setFaults(map[string]any{"rate429": 1, "paths": []string{"/v1/users"}})
	b.call(t, "GET", "/v1/stages", nil).must(t, 200)
	b.call(t, "GET", "/v1/users", nil).must(t, 429)

	// A seed makes the draws repeatable.
	statuses := func() string {
		setFaults(map[string]any{"rate429": 0.5, "seed": 42})
		var sb strings.Builder
		for range 20 {
			sb.WriteString(map[int]string{200: ".", 429: "x"}[b.call(t, "GET", "/v1/stages", nil).status])
		}
		return sb.String()
	}
	first, second := statuses(), statuses()
	if first != second || !strings.Contains(first, "x") || !strings.Contains(first, ".") {
		t.Fatalf("seeded runs differ or do not mix: %q vs %q", first, second)
	}

	setFaults(map[string]any{"latencyMs": 60})
	start := time.Now()
	b.call(t, "GET", "/v1/stages", nil).must(t, 200)
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("call took %v with 60 ms latency", d)
	}
	b.call(t, "POST", "/_sandbox/faults", map[string]any{"rate429": 2}, noAuth).errorBody(t, 400, "BadRequest")
}

func TestFaultTimeoutAfterWrite(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	b.call(t, "POST", "/_sandbox/faults", map[string]any{"timeoutAfterWriteRate": 1}, noAuth).must(t, 200)

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "PUT", b.url+"/v1/opportunities/"+adaOpp+"/stage", strings.NewReader(`{"stage":"`+stageID("Assessment")+`"}`))
	req.SetBasicAuth(testKey, "")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer (%d); want the request to hang", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err=%v, want a client timeout", err)
	}
	// Reads still answer; the write landed and its webhook fired.
	got := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)
	if got["stage"] != stageID("Assessment") {
		t.Fatalf("stage=%v: the write was not applied", got["stage"])
	}
	if d := rc.wait(t, 1)[0].data(t); d["toStageId"] != stageID("Assessment") {
		t.Fatalf("webhook data=%v", d)
	}
}

func TestFaultWebhooks(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	hookID, _ := b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)

	// Every attempt dropped: six failed attempts logged, nothing received.
	b.call(t, "POST", "/_sandbox/faults", map[string]any{"dropWebhookRate": 1}, noAuth).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Assessment")}).must(t, 200)
	var log []map[string]any
	eventually(t, "six dropped attempts", func() bool { log = b.deliveries(t, "webhookId="+hookID); return len(log) == 6 })
	for _, d := range log {
		if d["dropped"] != true || d["ok"] != false {
			t.Fatalf("attempt=%v", d)
		}
	}
	if log[5]["outcome"] != "failed" || rc.count() != 0 {
		t.Fatalf("last outcome=%v, received=%d", log[5]["outcome"], rc.count())
	}

	// Every event twice: the same event id, two tokens.
	b.call(t, "POST", "/_sandbox/faults", map[string]any{"duplicateWebhookRate": 1}, noAuth).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}).must(t, 200)
	got := rc.wait(t, 2)
	if got[0].env.ID != got[1].env.ID || got[0].env.Token == got[1].env.Token {
		t.Fatalf("duplicates: ids %s/%s tokens %s/%s", got[0].env.ID, got[1].env.ID, got[0].env.Token, got[1].env.Token)
	}
}
