package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// TestListingsReadAPageFromAnIndex asks the database for the plan of every
// listing the API, the console and the engine run, and fails if one reads a
// whole table or sorts what it read: each must walk an index in the
// listing's order from its filter (or cursor) on and stop at the page's end,
// so that its cost does not grow with the tables. On PostgreSQL, whose
// planner prefers a sequential scan of a small table, sequential scans and
// sorts are priced out (enable_seqscan, enable_sort off): one still in the
// plan has no index to replace it. The console's search for a part of a
// name is the exception the docs name: it reads orders in order until the
// page is full.
func TestListingsReadAPageFromAnIndex(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	now := time.Now()
	generateScale(t, db, scaleSpec{Connections: 100, Orders: 2000, Events: 5000, Jobs: 500, Now: now, Seed: 1})
	e := newScaleEnv(t, db, now)
	e.pricedOut = true
	if len(e.provConns) <= 32 {
		t.Fatalf("prov-0 is on %d connections; the test needs more than 32 to plan the listing of many", len(e.provConns))
	}
	for _, r := range scaleReads {
		plan := strings.Join(scalePlan(t, e, r), "\n")
		var bad []string
		if db.Dialect() == store.Postgres {
			for _, w := range []string{"Seq Scan", "Sort"} {
				if strings.Contains(plan, w) && !strings.Contains(plan, "Merge Append") {
					bad = append(bad, w)
				}
			}
		} else {
			for _, line := range strings.Split(plan, "\n") {
				line = strings.TrimSpace(line)
				switch {
				case (line == "SCAN orders" || line == "SCAN lever_events") && !strings.Contains(line, " USING "):
					// SCAN of a subquery (c0, c1…) reads the page it returned.
					bad = append(bad, line)
				case strings.Contains(line, "TEMP B-TREE") && !strings.Contains(plan, "UNION ALL"):
					// A merge sorts the pages of its parts, no more.
					bad = append(bad, line)
				}
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s reads more than its page (%s):\n%s", r.name, strings.Join(bad, "; "), plan)
		}
	}
}

// A listing of several connections' events, merged (up to 32) or read from
// all events (more), holds the newest events of those connections, from a
// cursor on too.
func TestLeverEventListOfSeveralConnections(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	generateScale(t, db, scaleSpec{Connections: 100, Orders: 1000, Events: 3000, Jobs: 10, Now: time.Now(), Seed: 2})
	var conns []string
	for i := 0; i < 100; i += 2 {
		conns = append(conns, scaleConnID(i))
	}
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		all, err := tx.LeverEventList(ctx, store.LeverEventFilter{Limit: 3000})
		if err != nil {
			return err
		}
		for _, n := range []int{5, len(conns)} {
			in := map[string]bool{}
			for _, c := range conns[:n] {
				in[c] = true
			}
			var want []string
			for _, ev := range all {
				if in[ev.ConnectionID] {
					want = append(want, ev.ID)
				}
			}
			var got []string
			f := store.LeverEventFilter{ConnectionIDs: conns[:n], Limit: 20}
			for len(got) < 60 {
				page, err := tx.LeverEventList(ctx, f)
				if err != nil {
					return err
				}
				for _, ev := range page {
					got = append(got, ev.ID)
				}
				last := page[len(page)-1]
				f.Before = &store.LeverEventKey{ReceivedAt: last.ReceivedAt, ID: last.ID}
			}
			if strings.Join(got, ",") != strings.Join(want[:60], ",") {
				t.Errorf("%d connections: three pages %v…, want %v…", n, got[:3], want[:3])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
