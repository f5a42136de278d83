package inbound_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/engine"
	"stagecoach/internal/inbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// deliverySignedWith is a candidateStageChange delivery signed with key.
func deliverySignedWith(key, token string, at int64, data string) string {
	m := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(m, "%s%d", token, at)
	return fmt.Sprintf(`{"event":"candidateStageChange","triggeredAt":%d,"token":%q,"signature":%q,"data":%s}`, at, token, hex.EncodeToString(m.Sum(nil)), data)
}

// replica is one stagecoach process: its own store handle (and so its own
// copy of the signing tokens), engine and receiver, on a shared database.
type replica struct {
	eng *engine.Engine
	adm *admin.Service
	url string
}

func newReplica(t *testing.T, dsn string) replica {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, storetest.Box(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{Events: leverats.Events})
	adm := admin.New(db, eng, nil)
	mux := http.NewServeMux()
	inbound.New(eng, db, inbound.Config{Window: time.Hour}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return replica{eng: eng, adm: adm, url: srv.URL + "/hooks/lever/acme"}
}

// TestSigningTokenChangesAreHonouredAtOnce: the receiver keeps a
// connection's signing tokens in memory, yet a token an operator replaces
// is refused, and the new one accepted, from the next delivery on, in the
// process that replaced it and in another one on the same database; so is
// a disconnection.
func TestSigningTokenChangesAreHonouredAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.DSN(t)
	a, b := newReplica(t, dsn), newReplica(t, dsn)
	if _, err := a.adm.CreateConnection(ctx, admin.ConnectionInput{ID: "acme", Environment: "custom", BaseURL: "http://127.0.0.1:1", APIKey: "k", SigningToken: signingToken}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	n := 0
	send := func(r replica, key string) (int, string) {
		n++
		data := fmt.Sprintf(`{"opportunityId":"opp-%d","toStageId":"s2","fromStageId":"s1"}`, n)
		return post(t, r.url, deliverySignedWith(key, fmt.Sprintf("%048d", n), now, data))
	}
	expect := func(what string, r replica, key string, want int) {
		t.Helper()
		if got, body := send(r, key); got != want {
			t.Fatalf("%s: status %d (%s), want %d", what, got, strings.TrimSpace(body), want)
		}
	}
	// Both processes have read (and kept) the first token.
	expect("first token, process a", a, signingToken, http.StatusOK)
	expect("first token, process b", b, signingToken, http.StatusOK)

	const rotated = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a"
	if err := a.adm.SetSigningToken(ctx, "acme", "*", rotated, ""); err != nil {
		t.Fatal(err)
	}
	expect("old token after rotation, same process", a, signingToken, http.StatusForbidden)
	expect("new token after rotation, same process", a, rotated, http.StatusOK)
	expect("old token after rotation, other process", b, signingToken, http.StatusForbidden)
	expect("new token after rotation, other process", b, rotated, http.StatusOK)

	// A token of the event's own replaces the connection-wide one; set in
	// the other process this time.
	const own = "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a3928"
	if err := b.adm.SetSigningToken(ctx, "acme", "candidateStageChange", own, ""); err != nil {
		t.Fatal(err)
	}
	expect("wide token after the event's own was set, other process", a, rotated, http.StatusForbidden)
	expect("event's own token, other process", a, own, http.StatusOK)
	expect("event's own token, same process", b, own, http.StatusOK)

	if err := a.adm.Disconnect(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	expect("after disconnecting, same process", a, own, http.StatusGone)
	expect("after disconnecting, other process", b, own, http.StatusGone)
}
