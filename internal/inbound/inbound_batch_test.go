package inbound_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/store"
)

type reply struct {
	status int
	result string
}

// postAll sends bodies to url at once, one goroutine each, and returns the
// answers in the same order.
func postAll(t *testing.T, url string, bodies []string) []reply {
	t.Helper()
	out := make([]reply, len(bodies))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, body := range bodies {
		wg.Go(func() {
			<-start
			resp, err := http.Post(url, "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var r struct {
				Result string `json:"result"`
			}
			_ = json.Unmarshal(b, &r)
			out[i] = reply{resp.StatusCode, r.Result}
		})
	}
	close(start)
	wg.Wait()
	return out
}

func stageChange(opp string) string {
	return fmt.Sprintf(`{"opportunityId":%q,"candidateId":%q,"fromStageId":"s1","toStageId":"s2"}`, opp, opp)
}

// Deliveries arriving together are committed together, and each is still
// answered for itself: every new event stored once with its job, each of
// Lever's redeliveries of an event (a new token) answered 200 "duplicate",
// and a delivery sent twice (the same token) accepted once and refused as a
// replay the other time.
func TestConcurrentDeliveriesAreEachAnswered(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now().UnixMilli()
	const events = 40
	var bodies []string
	for i := range events {
		bodies = append(bodies, delivery(fmt.Sprintf("tok-%d", i), now, stageChange(fmt.Sprintf("opp-%d", i))))
	}
	// Lever delivers ten of them again, with new tokens.
	for i := range 10 {
		bodies = append(bodies, delivery(fmt.Sprintf("again-%d", i), now, stageChange(fmt.Sprintf("opp-%d", i))))
	}
	// And one delivery is sent twice.
	bodies = append(bodies, delivery("tok-39", now, stageChange("opp-39")))

	results := map[string]int{}
	for i, r := range postAll(t, b.url+"/hooks/lever/acme", bodies) {
		results[fmt.Sprintf("%d %s", r.status, r.result)]++
		if r.status != http.StatusOK && r.status != http.StatusConflict {
			t.Errorf("delivery %d: %d %s", i, r.status, r.result)
		}
	}
	want := map[string]int{"200 accepted": events, "200 duplicate": 10, "409 rejected_replay": 1}
	if fmt.Sprint(results) != fmt.Sprint(want) {
		t.Errorf("answers %v, want %v", results, want)
	}
	if n := count(t, b.db, "lever_events"); n != events {
		t.Errorf("%d events stored, want %d", n, events)
	}
	if n := count(t, b.db, "jobs"); n != events {
		t.Errorf("%d jobs stored, want %d", n, events)
	}
	if n := count(t, b.db, "lever_webhook_tokens"); n != events+10 {
		t.Errorf("%d delivery tokens kept, want %d", n, events+10)
	}
}

// A delivery the database refuses fails alone: deliveries committed beside
// it are stored and answered 200, it is answered 503 so that Lever sends it
// again.
func TestAFailedDeliveryFailsAlone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	refuseOpportunity(t, b.db, "opp-bad")
	now := time.Now().UnixMilli()
	var bodies []string
	for i := range 30 {
		opp := fmt.Sprintf("opp-%d", i)
		if i%10 == 3 {
			opp = "opp-bad"
		}
		bodies = append(bodies, delivery(fmt.Sprintf("tok-%d", i), now+int64(i), stageChange(opp)))
	}
	for i, r := range postAll(t, b.url+"/hooks/lever/acme", bodies) {
		want := http.StatusOK
		if i%10 == 3 {
			want = http.StatusServiceUnavailable
		}
		if r.status != want {
			t.Errorf("delivery %d: %d %s, want %d", i, r.status, r.result, want)
		}
	}
	if n := count(t, b.db, "lever_events"); n != 27 {
		t.Errorf("%d events stored, want 27", n)
	}
	if n := count(t, b.db, "jobs"); n != 27 {
		t.Errorf("%d jobs stored, want 27", n)
	}
	// The refused deliveries' tokens were not kept: Lever's retry of the
	// same delivery is not taken for a replay.
	if n := count(t, b.db, "lever_webhook_tokens"); n != 27 {
		t.Errorf("%d delivery tokens kept, want 27", n)
	}
	status, body := post(t, b.url+"/hooks/lever/acme", bodies[3])
	if status != http.StatusServiceUnavailable {
		t.Errorf("the refused delivery sent again: %d %s, want 503 again", status, body)
	}
}

// refuseOpportunity makes the database refuse to store an event of opp, as
// a constraint would.
func refuseOpportunity(t *testing.T, db *store.DB, opp string) {
	t.Helper()
	stmts := []string{`CREATE TRIGGER refuse_event BEFORE INSERT ON lever_events WHEN NEW.opportunity_id = '` + opp + `' BEGIN SELECT RAISE(ABORT, 'event refused'); END`}
	if db.Dialect() == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION refuse_event() RETURNS trigger AS $$ BEGIN IF NEW.opportunity_id = '` + opp + `' THEN RAISE EXCEPTION 'event refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER refuse_event BEFORE INSERT ON lever_events FOR EACH ROW EXECUTE FUNCTION refuse_event()`,
		}
	}
	for _, s := range stmts {
		if _, err := db.SQL().Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}
