package api_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"stagecoach/internal/domain"
)

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	o := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "acme"})
	path := "/v1/orders/" + o.ID + "/events"
	events := func() int { return b.count(t, `SELECT COUNT(*) FROM order_events WHERE order_id = ?`, o.ID) }
	invited := `{"type":"invited","candidateUrl":"https://tool.example/invite/1"}`

	first := b.call(t, "POST", path, keyIMocha, invited, "Idempotency-Key", "k1")
	if first.status != http.StatusOK || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %v %s", first.status, first.header, first.body)
	}
	if n := events(); n != 1 {
		t.Fatalf("order events=%d, want 1", n)
	}

	t.Run("a repeat replays the first answer", func(t *testing.T) {
		again := b.call(t, "POST", path, keyIMocha, invited, "Idempotency-Key", "k1")
		if again.status != http.StatusOK || !bytes.Equal(again.body, first.body) {
			t.Fatalf("repeat: %d %s, want 200 %s", again.status, again.body, first.body)
		}
		if again.header.Get("Idempotent-Replayed") != "true" || again.header.Get("Content-Type") != "application/json" {
			t.Fatalf("repeat headers: %v", again.header)
		}
		if n := events(); n != 1 {
			t.Fatalf("order events=%d after a replay, want 1", n)
		}
	})
	t.Run("the same key with another body is a conflict", func(t *testing.T) {
		b.call(t, "POST", path, keyIMocha, `{"type":"started"}`, "Idempotency-Key", "k1").problem(t, http.StatusConflict)
		if n := events(); n != 1 {
			t.Fatalf("order events=%d, want 1", n)
		}
	})
	t.Run("the same key and body on another path is a conflict", func(t *testing.T) {
		other := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "globex"})
		b.call(t, "POST", "/v1/orders/"+other.ID+"/events", keyIMocha, invited, "Idempotency-Key", "k1").problem(t, http.StatusConflict)
	})
	t.Run("keys are per provider", func(t *testing.T) {
		theirs := b.insertOrder(t, domain.Order{ProviderID: "hirevue", ConnectionID: "acme"})
		resp := b.call(t, "POST", "/v1/orders/"+theirs.ID+"/events", keyHireVue, invited, "Idempotency-Key", "k1")
		if resp.status != http.StatusOK || resp.header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("hirevue with imocha's key: %d %s", resp.status, resp.body)
		}
	})
	t.Run("a client error is stored and replayed too", func(t *testing.T) {
		b.call(t, "POST", path, keyIMocha, `{"type":"completed","score":3,"maxScore":5}`).decode(t, new(orderView))
		n := events()
		refused := b.call(t, "POST", path, keyIMocha, `{"type":"started"}`, "Idempotency-Key", "k2")
		refused.problem(t, http.StatusConflict)
		again := b.call(t, "POST", path, keyIMocha, `{"type":"started"}`, "Idempotency-Key", "k2")
		again.problem(t, http.StatusConflict)
		if !bytes.Equal(again.body, refused.body) || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %s (%v), want %s", again.body, again.header, refused.body)
		}
		if events() != n {
			t.Fatal("a refused event was recorded")
		}
	})
	t.Run("a key over 255 characters is refused", func(t *testing.T) {
		p := b.call(t, "POST", path, keyIMocha, `{"type":"started"}`, "Idempotency-Key", strings.Repeat("k", 256)).problem(t, http.StatusBadRequest)
		if len(p.Errors) != 1 || p.Errors[0].Field != "Idempotency-Key" {
			t.Fatalf("errors=%+v", p.Errors)
		}
		resp := b.call(t, "POST", path, keyIMocha, `{"type":"started"}`, "Idempotency-Key", strings.Repeat("k", 255))
		if resp.status == http.StatusBadRequest {
			t.Fatalf("a 255-character key is refused: %s", resp.body)
		}
	})
	t.Run("without a key nothing is stored", func(t *testing.T) {
		before := b.count(t, `SELECT COUNT(*) FROM idempotency_keys WHERE provider_id = ?`, "imocha")
		b.call(t, "POST", path, keyIMocha, `{"type":"started"}`).problem(t, http.StatusConflict)
		if after := b.count(t, `SELECT COUNT(*) FROM idempotency_keys WHERE provider_id = ?`, "imocha"); after != before {
			t.Fatalf("idempotency keys %d → %d", before, after)
		}
	})
}
