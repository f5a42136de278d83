package sampleprovider

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"stagecoach/provider"
)

func TestAssessmentFlow(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{})

	select {
	case <-b.fake.published:
	case <-time.After(waitTimeout):
		t.Fatal("no packages published")
	}
	b.fake.mu.Lock()
	pkgs := fmt.Sprint(b.fake.packages)
	b.fake.mu.Unlock()
	if want := fmt.Sprint(DefaultPackages()); pkgs != want {
		t.Fatalf("published %s, want %s", pkgs, want)
	}

	mustDeliver(t, p, b, message(t, "msg_1", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding")))

	invited := b.fake.waitEvent(t)
	if invited.Event.Type != provider.EventInvited || invited.OrderID != testOrderID {
		t.Fatalf("first event %+v, want invited", invited)
	}
	if got, want := invited.Event.CandidateURL, "http://"+p.Addr()+"/take/"+testOrderID; got != want {
		t.Fatalf("candidateUrl=%q, want %q", got, want)
	}
	if started := b.fake.waitEvent(t); started.Event.Type != provider.EventStarted {
		t.Fatalf("second event %+v, want started", started)
	}
	completed := b.fake.waitEvent(t).Event
	if completed.Type != provider.EventCompleted {
		t.Fatalf("third event %+v, want completed", completed)
	}
	b.waitDone(t, testOrderID)

	res := resultFor(testOrderID)
	if completed.Score == nil || completed.MaxScore == nil || *completed.Score != float64(res.Score) || *completed.MaxScore != 100 {
		t.Fatalf("score %v/%v, want %d/100", completed.Score, completed.MaxScore, res.Score)
	}
	if wantPass := res.Score >= 70; (completed.Result == "pass") != wantPass || (completed.Result != "pass" && completed.Result != "fail") {
		t.Fatalf("result %q for score %d", completed.Result, res.Score)
	}
	for _, k := range []string{"Correctness", "Code quality", "Time taken"} {
		if _, ok := completed.Attributes[k].(string); !ok {
			t.Errorf("attribute %q missing: %v", k, completed.Attributes)
		}
	}
	if got, want := completed.ResultURL, "http://"+p.Addr()+"/results/"+testOrderID; got != want {
		t.Fatalf("resultUrl=%q, want %q", got, want)
	}
	if completed.Report == nil || !strings.HasSuffix(completed.Report.Filename, ".pdf") {
		t.Fatalf("report=%+v", completed.Report)
	}
	doc, err := base64.StdEncoding.DecodeString(completed.Report.ContentBase64)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(doc), []byte("%%EOF")) {
		t.Fatalf("the report is not a PDF: %q…", doc[:min(len(doc), 20)])
	}
	for _, want := range []string{"Ada Park", "Go Coding", fmt.Sprintf("Score: %d / 100", res.Score), "Correctness"} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}

	s := getStats(t, p)
	if got, want := counts(s.Received), "order.created=1"; got != want {
		t.Errorf("received %s, want %s", got, want)
	}
	if got, want := counts(s.Reported), "completed=1 invited=1 started=1"; got != want {
		t.Errorf("reported %s, want %s", got, want)
	}
	if got, want := counts(s.Orders), "completed=1"; got != want {
		t.Errorf("orders %s, want %s", got, want)
	}
	if page := get(t, p, "/take/"+testOrderID, 200); !strings.Contains(page, "Ada Park") {
		t.Errorf("the take page lacks the candidate:\n%s", page)
	}
	if page := get(t, p, "/results/"+testOrderID, 200); !strings.Contains(page, fmt.Sprintf("%d / 100", res.Score)) {
		t.Errorf("the results page lacks the score:\n%s", page)
	}
	get(t, p, "/results/ord_unknown", 404)
}

func TestResultFor(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for i := range 500 {
		id := fmt.Sprintf("ord_%d", i)
		r := resultFor(id)
		if r.Score < 60 || r.Score > 98 || r.MaxScore != 100 {
			t.Fatalf("%s: score %d/%d", id, r.Score, r.MaxScore)
		}
		if (r.Score >= 70) != (r.Outcome == "pass") {
			t.Fatalf("%s: %d is %s", id, r.Score, r.Outcome)
		}
		if fmt.Sprint(resultFor(id)) != fmt.Sprint(r) {
			t.Fatalf("%s: not deterministic", id)
		}
		seen[r.Score] = true
	}
	if len(seen) < 30 {
		t.Fatalf("only %d distinct scores", len(seen))
	}
}

func TestRedeliveryDoesNothingTwice(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{driveTimers: true})
	created := message(t, "msg_1", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding"))
	mustDeliver(t, p, b, created)
	mustDeliver(t, p, b, created) // a redelivery: same webhook-id
	// Another message for the same order does not start it twice either.
	mustDeliver(t, p, b, message(t, "msg_2", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding")))

	for _, want := range []string{provider.EventInvited, provider.EventStarted, provider.EventCompleted} {
		b.fire(t)
		if got := b.fake.waitEvent(t).Event.Type; got != want {
			t.Fatalf("event %s, want %s", got, want)
		}
	}
	b.waitDone(t, testOrderID)
	s := getStats(t, p)
	if s.Duplicates != 1 {
		t.Errorf("duplicates=%d, want 1", s.Duplicates)
	}
	if got, want := counts(s.Received), "order.created=2"; got != want {
		t.Errorf("received %s, want %s", got, want)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	// A second worker would have left a wait or an event behind.
	if n := len(b.timers); n != 0 {
		t.Fatalf("%d more step waits, want none", n)
	}
	if n := len(b.fake.applied); n != 0 {
		t.Fatalf("%d more events, want none", n)
	}
}

func TestCancelStopsTheSteps(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{driveTimers: true})
	mustDeliver(t, p, b, message(t, "msg_1", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding")))
	b.fire(t)
	if got := b.fake.waitEvent(t).Event.Type; got != provider.EventInvited {
		t.Fatalf("event %s, want invited", got)
	}
	cancelled := testOrder(testOrderID, "go-coding")
	cancelled.Status, cancelled.Reason = provider.StatusCancelled, "opportunity_archived"
	mustDeliver(t, p, b, message(t, "msg_2", provider.WebhookOrderCancelled, cancelled))
	b.waitDone(t, testOrderID) // without the next wait firing

	t.Run("a cancel that comes before the order", func(t *testing.T) {
		other := testOrder(testOrderID2, "go-coding")
		other.Status = provider.StatusCancelled
		mustDeliver(t, p, b, message(t, "msg_3", provider.WebhookOrderCancelled, other))
		mustDeliver(t, p, b, message(t, "msg_4", provider.WebhookOrderCreated, testOrder(testOrderID2, "go-coding")))
	})

	if got, want := counts(getStats(t, p).Orders), "cancelled=2"; got != want {
		t.Errorf("orders %s, want %s", got, want)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(b.fake.applied); n != 0 {
		t.Fatalf("%d events after the cancel, want none", n)
	}
	// At most the first order's cancelled wait for started is left (none
	// if the cancel caught the invited report in flight); the second order
	// never waited.
	if n := len(b.timers); n > 1 {
		t.Fatalf("%d step waits left, want at most 1", n)
	}
}

func TestConflictCountsAsDone(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{fake: func(f *fakeStagecoach) {
		f.status[testOrderID] = provider.StatusCompleted
	}})
	mustDeliver(t, p, b, message(t, "msg_1", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding")))
	b.waitDone(t, testOrderID)
	b.fake.mu.Lock()
	attempts := counts(b.fake.attempts)
	b.fake.mu.Unlock()
	if want := "completed=1 invited=1 started=1"; attempts != want {
		t.Fatalf("attempts %s, want %s (one each, no retries)", attempts, want)
	}
	if got := counts(getStats(t, p).Reported); got != "" {
		t.Fatalf("reported %s, want nothing", got)
	}
}

func TestTransientErrorsAreRetried(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{fake: func(f *fakeStagecoach) {
		f.fail[provider.EventStarted] = 2
	}})
	mustDeliver(t, p, b, message(t, "msg_1", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding")))
	for _, want := range []string{provider.EventInvited, provider.EventStarted, provider.EventCompleted} {
		if got := b.fake.waitEvent(t).Event.Type; got != want {
			t.Fatalf("event %s, want %s", got, want)
		}
	}
	b.fake.mu.Lock()
	defer b.fake.mu.Unlock()
	if got := b.fake.attempts[provider.EventStarted]; got != 3 {
		t.Fatalf("started attempts=%d, want 3", got)
	}
}

func TestResumeAfterRestart(t *testing.T) {
	t.Parallel()
	// stagecoach has the order as invited: the provider went down after
	// reporting it.
	o := testOrder(testOrderID, "go-coding")
	o.Status = provider.StatusInvited
	_, b := setup(t, setupOpts{fake: func(f *fakeStagecoach) {
		f.status[o.ID] = provider.StatusInvited
		f.open = append(f.open, o, testOrder("ord_not_ours", "someone-elses"))
	}})
	for _, want := range []string{provider.EventStarted, provider.EventCompleted} {
		if got := b.fake.waitEvent(t).Event.Type; got != want {
			t.Fatalf("event %s, want %s", got, want)
		}
	}
	b.waitDone(t, testOrderID)
	b.fake.mu.Lock()
	defer b.fake.mu.Unlock()
	if got, want := fmt.Sprint(b.fake.listed), "[created invited started]"; got != want {
		t.Fatalf("listed %s, want %s", got, want)
	}
	if got, want := b.fake.attempts[provider.EventInvited], 1; got != want {
		t.Fatalf("invited attempts=%d, want %d (answered 409, done)", got, want)
	}
}
