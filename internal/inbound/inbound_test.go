package inbound_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/engine"
	"stagecoach/internal/inbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

const signingToken = "f3a1c9e07b2d4a6f8e5c1b0a9d7e6f5a4b3c2d1e0f9a8b7c"

type bundle struct {
	db  *store.DB
	url string
}

func setup(t *testing.T) bundle {
	t.Helper()
	db := storetest.Open(t)
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{})
	adm := admin.New(db, eng, nil)
	_, err := adm.CreateConnection(context.Background(), admin.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: "http://127.0.0.1:1", APIKey: "k", SigningToken: signingToken})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	inbound.New(eng, db, inbound.Config{Window: time.Hour}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return bundle{db: db, url: srv.URL}
}

// sign computes Lever's signature independently of the code under test.
func sign(token string, triggeredAt int64) string {
	m := hmac.New(sha256.New, []byte(signingToken))
	fmt.Fprintf(m, "%s%d", token, triggeredAt)
	return hex.EncodeToString(m.Sum(nil))
}

func delivery(token string, at int64, data string) string {
	return fmt.Sprintf(`{"event":"candidateStageChange","triggeredAt":%d,"token":%q,"signature":%q,"data":%s}`, at, token, sign(token, at), data)
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const stageData = `{"opportunityId":"opp-1","candidateId":"opp-1","contactId":"c-1","fromStageId":"s1","toStageId":"s2"}`

func TestAcceptsStoresAndDedupesRedeliveries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now().UnixMilli()
	status, body := post(t, b.url+"/hooks/lever/acme", delivery(strings.Repeat("a", 48), now, stageData))
	if status != 200 || !strings.Contains(body, "accepted") {
		t.Fatalf("first delivery: %d %s", status, body)
	}
	// Lever redelivers the same event with a fresh token.
	status, body = post(t, b.url+"/hooks/lever/acme", delivery(strings.Repeat("b", 48), now, stageData))
	if status != 200 || !strings.Contains(body, "duplicate") {
		t.Fatalf("redelivery: %d %s", status, body)
	}
	if got := count(t, b.db, "lever_events"); got != 1 {
		t.Fatalf("%d events stored, want 1", got)
	}
	if got := count(t, b.db, "jobs"); got != 1 {
		t.Fatalf("%d jobs enqueued, want 1", got)
	}
}

func TestRejections(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now().UnixMilli()
	tok := strings.Repeat("c", 48)
	tamperedSig := strings.Replace(delivery(tok, now, stageData), `"opp-1"`, `"opp-2"`, 1) // data is not signed; tamper the token instead
	tamperedSig = strings.Replace(tamperedSig, tok, strings.Repeat("d", 48), 1)
	big := `{"event":"candidateStageChange","triggeredAt":1,"token":"x","data":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	old := now - 2*time.Hour.Milliseconds()
	cases := []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"unknown connection", "/hooks/lever/nope", delivery(tok, now, stageData), 404, "unknown_connection"},
		{"bad signature", "/hooks/lever/acme", tamperedSig, 403, "signature does not match"},
		{"missing signature", "/hooks/lever/acme", fmt.Sprintf(`{"event":"candidateStageChange","triggeredAt":%d,"token":"%s","data":%s}`, now, tok, stageData), 403, "rejected_signature"},
		{"malformed JSON", "/hooks/lever/acme", `{"event":`, 400, "malformed webhook"},
		{"too large", "/hooks/lever/acme", big, 413, "larger than"},
		{"outside the window", "/hooks/lever/acme", delivery(tok, old, stageData), 400, "outside the accepted window"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := post(t, b.url+c.path, c.body)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Fatalf("got %d %s; want %d containing %q", status, body, c.status, c.want)
			}
		})
	}
	if got := count(t, b.db, "lever_events"); got != 0 {
		t.Fatalf("%d events stored from rejected deliveries, want 0", got)
	}
}

// Lever's "verify connection" request is answered 200 whatever its
// signature (Lever keeps delivering either way), is never stored or acted
// on, and leaves what it proved for the setup check: "verified" when a
// signing token matches, a mismatch when none does.
func TestAnswersVerifyConnection(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	verifyResult := func() string {
		t.Helper()
		var arr []*store.WebhookArrival
		if err := b.db.InTx(ctx, func(tx *store.Tx) (err error) { arr, err = tx.WebhookArrivalList(ctx, "acme"); return }); err != nil {
			t.Fatal(err)
		}
		for _, a := range arr {
			if a.Event == inbound.VerifyEvent {
				return a.Result
			}
		}
		return ""
	}
	now := time.Now().UnixMilli()
	tok := strings.Repeat("e", 48)
	wrong := hex.EncodeToString(hmac.New(sha256.New, []byte("another token")).Sum(nil))
	body, _ := json.Marshal(map[string]any{"triggeredAt": now, "event": "candidateHired", "data": map[string]any{}, "token": tok, "signature": wrong})
	status, resp := post(t, b.url+"/hooks/lever/acme", string(body))
	if status != 200 || !strings.Contains(resp, "verification_mismatch") || !strings.Contains(resp, "copy the token again") {
		t.Fatalf("verify connection with a wrong token: %d %s", status, resp)
	}
	if got, want := verifyResult(), inbound.ResultVerifyMismatch; got != want {
		t.Fatalf("recorded %q after a mismatched test request, want %q", got, want)
	}
	body, _ = json.Marshal(map[string]any{"triggeredAt": now, "event": "candidateHired", "data": map[string]any{}, "token": tok, "signature": sign(tok, now)})
	status, resp = post(t, b.url+"/hooks/lever/acme", string(body))
	if status != 200 || !strings.Contains(resp, "connection verified") {
		t.Fatalf("verify connection: %d %s", status, resp)
	}
	if got, want := verifyResult(), inbound.ResultVerified; got != want {
		t.Fatalf("recorded %q after a matching test request, want %q", got, want)
	}
	if got := count(t, b.db, "lever_events"); got != 0 {
		t.Fatalf("the test request was stored as an event")
	}
	if got := count(t, b.db, "jobs"); got != 0 {
		t.Fatalf("the test request enqueued %d jobs", got)
	}
}

// Lever signs token + triggeredAt, not the data: a delivery captured once
// and sent again with other data carries a valid signature. Its token was
// used, so it is refused and nothing is stored or done; Lever's own
// redelivery (a fresh token) is still deduplicated as before.
func TestRefusesAReplayedToken(t *testing.T) {
	t.Parallel()
	b := setup(t)
	now := time.Now().UnixMilli()
	tok := strings.Repeat("f", 48)
	status, body := post(t, b.url+"/hooks/lever/acme", delivery(tok, now, stageData))
	if status != 200 || !strings.Contains(body, "accepted") {
		t.Fatalf("first delivery: %d %s", status, body)
	}
	forged := fmt.Sprintf(`{"event":"candidateDeleted","triggeredAt":%d,"token":%q,"signature":%q,"data":{"opportunityId":"opp-9"}}`, now, tok, sign(tok, now))
	for _, replay := range []string{delivery(tok, now, stageData), forged} {
		status, body = post(t, b.url+"/hooks/lever/acme", replay)
		if status != http.StatusConflict || !strings.Contains(body, "rejected_replay") {
			t.Fatalf("replay: %d %s; want 409 rejected_replay", status, body)
		}
	}
	status, body = post(t, b.url+"/hooks/lever/acme", delivery(strings.Repeat("0", 48), now, stageData))
	if status != 200 || !strings.Contains(body, "duplicate") {
		t.Fatalf("Lever's redelivery with a new token: %d %s", status, body)
	}
	if got := count(t, b.db, "lever_events"); got != 1 {
		t.Fatalf("%d events stored, want 1", got)
	}
	if got := count(t, b.db, "jobs"); got != 1 {
		t.Fatalf("%d jobs enqueued, want 1", got)
	}
	// A delivery without a token could be replayed at will: refused.
	status, body = post(t, b.url+"/hooks/lever/acme", fmt.Sprintf(`{"event":"candidateStageChange","triggeredAt":%d,"signature":%q,"data":%s}`, now, sign("", now), stageData))
	if status != 400 || !strings.Contains(body, `field \"token\" is missing`) {
		t.Fatalf("delivery without a token: %d %s", status, body)
	}
}
