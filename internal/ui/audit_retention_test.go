package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
)

// Entries older than the retention are deleted by the prune schedule,
// whether or not anyone acts in the UI; younger ones stay.
func TestAuditEntriesAreKeptForTheRetention(t *testing.T) {
	clock := &loginClock{}
	clock.ms.Store(time.Now().Truncate(time.Second).UnixMilli())
	env := startDemoWith(t, func(c *app.Config) {
		c.NowFunc = clock.Now
		c.UI.RetainAudit = 24 * time.Hour
	})
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	add := func(email string) {
		t.Helper()
		r := b.post("/users", "/users", url.Values{"email": {email}, "name": {"X"}, "role": {"member"}, "password": {"member password 1"}, "password2": {"member password 1"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("add %s: %d\n%s", email, r.status, r.body)
		}
	}
	// prune runs the prune job of the clock's current hour and waits until
	// the queue has worked it.
	prune := func() {
		t.Helper()
		ctx := context.Background()
		if err := env.App.Engine.SchedulePrune(ctx, clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := env.App.Queue.WaitIdle(ctx); err != nil {
			t.Fatal(err)
		}
	}
	add("first@tool.example")
	clock.Advance(23 * time.Hour)
	add("second@tool.example")
	prune()
	if log := b.get("/audit").body; !strings.Contains(log, "user:first@tool.example") || !strings.Contains(log, "Entries are kept for 24h0m0s") {
		t.Fatalf("an entry younger than the retention is gone, or the retention is not said:\n%s", log)
	}
	clock.Advance(2 * time.Hour)
	add("third@tool.example")
	prune()
	log := b.get("/audit").body
	if strings.Contains(log, "user:first@tool.example") {
		t.Error("an entry older than the retention is still listed")
	}
	if !strings.Contains(log, "user:second@tool.example") || !strings.Contains(log, "user:third@tool.example") {
		t.Error("entries within the retention are gone")
	}
}
