package sampleprovider

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"stagecoach/internal/outbound"
	"stagecoach/provider"
)

func TestWebhookRefusesABadSignature(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{driveTimers: true})
	m := message(t, "msg_1", provider.WebhookOrderCreated, testOrder(testOrderID, "go-coding"))

	_, err := deliver(t, p, outbound.NewSecret(), m)
	var de *outbound.DeliveryError
	if !errors.As(err, &de) || de.Status != http.StatusUnauthorized {
		t.Fatalf("deliver with another secret: %v, want 401", err)
	}

	resp, err := testClient.Post("http://"+p.Addr()+"/webhooks", "application/json", strings.NewReader(string(m.Body())))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d, want 401", resp.StatusCode)
	}

	s := getStats(t, p)
	if got := counts(s.Received); got != "" {
		t.Fatalf("received %s, want nothing", got)
	}
	// The refused id is not remembered: the genuine message still counts.
	mustDeliver(t, p, b, m)
	if got, want := counts(getStats(t, p).Received), "order.created=1"; got != want {
		t.Fatalf("received %s, want %s", got, want)
	}
}

func TestWebhookOtherTypes(t *testing.T) {
	t.Parallel()
	p, b := setup(t, setupOpts{driveTimers: true})
	mustDeliver(t, p, b, message(t, "msg_1", provider.WebhookOrderReinvite, testOrder(testOrderID, "go-coding")))
	mustDeliver(t, p, b, message(t, "msg_2", "order.unknown", map[string]any{"x": 1}))
	mustDeliver(t, p, b, message(t, "msg_3", provider.WebhookOrderCreated, testOrder(testOrderID2, "not-ours")))
	if _, err := deliver(t, p, b.secret, message(t, "msg_4", provider.WebhookOrderCreated, []int{1})); err == nil {
		t.Fatal("an order.created without an order was accepted")
	}
	s := getStats(t, p)
	if got, want := counts(s.Received), "order.created=2 order.reinvite=1 order.unknown=1"; got != want {
		t.Fatalf("received %s, want %s", got, want)
	}
	if got := counts(s.Orders); got != "" {
		t.Fatalf("orders %s, want none", got)
	}
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(b.timers); n != 0 {
		t.Fatalf("%d step waits, want none", n)
	}
}
