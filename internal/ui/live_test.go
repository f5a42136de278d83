package ui_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

func insertOrders(t *testing.T, db interface {
	InTx(context.Context, func(*store.Tx) error) error
}, statuses ...string) {
	t.Helper()
	ctx := context.Background()
	for i, st := range statuses {
		id := "ord_" + st + "_" + string(rune('a'+i))
		err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.OrderInsert(ctx, &domain.Order{ID: id, IntegrationID: "int_x", ConnectionID: "acme", ProviderID: "acme-assess", PackageID: "java", PackageName: "Java",
				OpportunityID: "opp_" + id, Status: st, Candidate: domain.Candidate{Name: "Cand " + id, Email: id + "@example.org"}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

var countRE = regexp.MustCompile(`<a href="([^"]*)" class="count( on)?" data-status="([a-z]*)">([a-z]+) <span class="n">(\d+)</span></a>`)

// counts reads the counts per status a list shows: status ("" for all) →
// count, and the link of each.
func counts(body string) (map[string]string, map[string]string) {
	n, links := map[string]string{}, map[string]string{}
	for _, m := range countRE.FindAllStringSubmatch(body, -1) {
		n[m[3]], links[m[3]] = m[5], html.UnescapeString(m[1])
	}
	return n, links
}

// The orders list counts the orders of each status under the other
// filters, each count a link to that status.
func TestOrderListCountsEachStatus(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	insertOrders(t, env.App.DB, domain.OrderInvited, domain.OrderInvited, domain.OrderCompleted, domain.OrderStarted)

	n, links := counts(b.get("/orders").body)
	if n[""] != "4" || n[domain.OrderInvited] != "2" || n[domain.OrderCompleted] != "1" || n[domain.OrderStarted] != "1" || n[domain.OrderCancelled] != "0" {
		t.Fatalf("counts on the orders list: %v", n)
	}
	// Filtered by status, the list keeps the counts of the others and
	// shows only that status.
	r := b.get(links[domain.OrderInvited])
	if n2, _ := counts(r.body); n2[domain.OrderCompleted] != "1" || n2[""] != "4" {
		t.Fatalf("counts with the invited filter: %v", n2)
	}
	if strings.Count(r.body, `<tr data-order=`) != 2 || strings.Contains(r.body, `data-order="ord_completed_c"`) {
		t.Fatal("the invited link does not list just the invited orders")
	}
	// A search narrows the counts too.
	if n3, _ := counts(b.get("/orders?q=" + url.QueryEscape("ord_completed_c")).body); n3[""] != "1" || n3[domain.OrderInvited] != "0" {
		t.Fatalf("counts for a search: %v", n3)
	}
}

// The pages that change by themselves mark what their script refreshes;
// a refresh takes no flash message meant for the next page.
func TestLivePagesRefreshWithoutTakingTheFlash(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	insertOrders(t, env.App.DB, domain.OrderInvited)
	for path, id := range map[string]string{"/": "home-live", "/orders": "orders-live", "/exports": "exports-live", "/events": "events-live", "/orders/ord_invited_a": "order-live"} {
		r := b.get(path)
		if r.status != http.StatusOK || !strings.Contains(r.body, `id="`+id+`" data-live`) {
			t.Errorf("GET %s (%d) has no live part %s", path, r.status, id)
		}
	}
	r := b.post("/users", "/users", url.Values{"email": {"ada@tool.example"}, "name": {"Ada"}, "role": {"member"}, "password": {ownerPassword}, "password2": {ownerPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add a user: %d", r.status)
	}
	if live := b.do(http.MethodGet, "/orders", nil, map[string]string{"X-Live": "1"}); live.status != http.StatusOK || flashRE.MatchString(live.body) {
		t.Fatalf("a live refresh (%d) showed the flash meant for the next page", live.status)
	}
	if got := b.flash(r); !strings.Contains(got, "User ada@tool.example added") {
		t.Fatalf("the flash after the refresh: %q", got)
	}
}

// A page refreshing itself is not use: it does not keep a login alive that
// nobody touches.
func TestLiveRefreshesDoNotKeepALoginAlive(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	db := env.App.DB.SQL()
	lastSeen := func() int64 {
		t.Helper()
		var v int64
		if err := db.QueryRow(`SELECT last_seen_at FROM ui_sessions`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	back := time.Now().Add(-5 * time.Minute).UnixMilli()
	if _, err := db.Exec(`UPDATE ui_sessions SET last_seen_at = $1`, back); err != nil {
		t.Fatal(err)
	}
	if r := b.do(http.MethodGet, "/orders", nil, map[string]string{"X-Live": "1"}); r.status != http.StatusOK {
		t.Fatalf("live refresh: %d", r.status)
	}
	if got := lastSeen(); got != back {
		t.Fatalf("a live refresh moved the session's last use from %d to %d", back, got)
	}
	if r := b.get("/orders"); r.status != http.StatusOK {
		t.Fatalf("GET /orders: %d", r.status)
	}
	if got := lastSeen(); got <= back {
		t.Fatal("opening a page did not count as use")
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
