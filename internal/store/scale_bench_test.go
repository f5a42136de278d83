package store_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

var scaleOrders = flag.Int("scale-orders", 1_000_000, "BenchmarkScale: orders in the loaded database (with one connection per 100 orders, 5 Lever events and 1 job per order)")

// The small database each figure of the loaded one is compared with: one
// connection, with just enough rows that every listing fills its page, so
// both sides read and decode the same number of rows.
func scaleSmallSpec(now time.Time) scaleSpec {
	return scaleSpec{Connections: 1, Orders: 2000, Events: 10000, Jobs: 2000, Now: now, Seed: 1}
}

// scaleEnv is what the operations on one database need to know about it.
type scaleEnv struct {
	db          *store.DB
	now         time.Time
	opportunity string               // an opportunity of conn-00000 with an open order and events
	provConns   []string             // the connections prov-0 is enabled on
	orderCursor string               // the API's cursor of a page from the middle of prov-0's orders
	uiCursor    string               // the console's cursor of its orders page 21
	eventCursor *store.LeverEventKey // the last event of GET /v1/lever-events's page 21 for prov-0
	n           int                  // ingests and claims so far, for unique ids
	pricedOut   bool                 // PostgreSQL: plan with sequential scans and sorts priced out
}

func newScaleEnv(tb testing.TB, db *store.DB, now time.Time) *scaleEnv {
	tb.Helper()
	ctx := context.Background()
	e := &scaleEnv{db: db, now: now}
	if err := db.SQL().QueryRowContext(ctx, `SELECT o.opportunity_id FROM orders o WHERE o.connection_id = 'conn-00000' AND o.status = 'invited'
		AND EXISTS (SELECT 1 FROM lever_events e WHERE e.connection_id = o.connection_id AND e.opportunity_id = o.opportunity_id) ORDER BY o.id LIMIT 1`).Scan(&e.opportunity); err != nil {
		tb.Fatal(err)
	}
	rows, err := db.SQL().QueryContext(ctx, `SELECT connection_id FROM integrations WHERE provider_id = 'prov-0' ORDER BY connection_id`)
	if err != nil {
		tb.Fatal(err)
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			tb.Fatal(err)
		}
		e.provConns = append(e.provConns, c)
	}
	rows.Close()
	err = db.ReadTx(ctx, func(tx *store.Tx) error {
		_, next, err := tx.OrderList(ctx, store.OrderFilter{ProviderID: "prov-0", UpdatedSince: now.Add(-scaleHistory / 2)})
		e.orderCursor = next
		if err != nil {
			return err
		}
		q := store.OrderQuery{Limit: 50}
		for range 20 {
			page, err := tx.OrderSearch(ctx, q)
			if err != nil {
				return err
			}
			if page.Older == "" {
				return fmt.Errorf("fewer than 21 pages of orders")
			}
			q.Before = page.Older
		}
		e.uiCursor = q.Before
		f := store.LeverEventFilter{ConnectionIDs: e.provConns, Limit: 50}
		for range 20 {
			evs, err := tx.LeverEventList(ctx, f)
			if err != nil {
				return err
			}
			if len(evs) < 50 {
				return fmt.Errorf("fewer than 21 pages of prov-0's events")
			}
			last := evs[len(evs)-1]
			f.Before = &store.LeverEventKey{ReceivedAt: last.ReceivedAt, ID: last.ID}
		}
		e.eventCursor = f.Before
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// scaleRead is one listing the console, the provider API or the engine
// runs, as the store is asked for it.
type scaleRead struct {
	name string
	run  func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) // returns the rows listed
	// scans: the listing reads the table until its page is full (the
	// console's text search), so the benchmark runs it at most 5 times.
	scans bool
}

var openOrderStatuses = []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}

// scaleReads lists every filter GET /v1/orders, GET /v1/lever-events, the
// console's orders and event log pages and the engine's order lookups offer.
var scaleReads = []scaleRead{
	// GET /v1/orders: always the provider's own, oldest update first.
	{name: "orders/api", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ProviderID: "prov-0"})
	}},
	{name: "orders/api/connection", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ProviderID: "prov-0", ConnectionID: "conn-00000"})
	}},
	{name: "orders/api/posting", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ProviderID: "prov-0", PostingID: "post-00000-03"})
	}},
	{name: "orders/api/status", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ProviderID: "prov-0", Status: domain.OrderScheduled})
	}},
	{name: "orders/api/updatedSince", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ProviderID: "prov-0", UpdatedSince: e.now.Add(-scaleHistory / 3)})
	}},
	{name: "orders/api/cursor", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ProviderID: "prov-0", Cursor: e.orderCursor})
	}},
	// The engine: a Lever event's open orders, and the interview listing.
	{name: "orders/engine/opportunity", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ConnectionID: "conn-00000", OpportunityID: e.opportunity, Statuses: openOrderStatuses, Limit: 100})
	}},
	{name: "orders/engine/interviews", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderList(ctx, tx, store.OrderFilter{ConnectionID: "conn-00000", PostingID: "post-00000-03", Limit: 200})
	}},
	// The console's orders page: newest update first.
	{name: "orders/console", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{})
	}},
	{name: "orders/console/connection", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{ConnectionID: "conn-00000"})
	}},
	{name: "orders/console/provider", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{ProviderID: "prov-0"})
	}},
	{name: "orders/console/status", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{Status: domain.OrderScheduled})
	}},
	{name: "orders/console/connection+provider+status", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{ConnectionID: "conn-00000", ProviderID: "prov-0", Status: domain.OrderInvited})
	}},
	{name: "orders/console/id", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{Text: e.opportunity})
	}, scans: true},
	{name: "orders/console/page21", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return orderSearch(ctx, tx, store.OrderQuery{Before: e.uiCursor})
	}},
	// The console's event log and GET /v1/lever-events: newest first.
	{name: "events/console", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{Limit: 100})
	}},
	{name: "events/console/connection", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{ConnectionIDs: []string{"conn-00000"}, Limit: 100})
	}},
	{name: "events/console/opportunity", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{OpportunityID: e.opportunity, Limit: 100})
	}},
	{name: "events/console/connection+opportunity", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{ConnectionIDs: []string{"conn-00000"}, OpportunityID: e.opportunity, Limit: 200})
	}},
	{name: "events/api", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{ConnectionIDs: e.provConns, Limit: 51})
	}},
	{name: "events/api/few-connections", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{ConnectionIDs: e.provConns[:min(5, len(e.provConns))], Limit: 51})
	}},
	{name: "events/api/opportunity", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{ConnectionIDs: e.provConns, OpportunityID: e.opportunity, Limit: 51})
	}},
	{name: "events/api/cursor", run: func(ctx context.Context, tx *store.Tx, e *scaleEnv) (int, error) {
		return eventList(ctx, tx, store.LeverEventFilter{ConnectionIDs: e.provConns, Before: e.eventCursor, Limit: 51})
	}},
}

func orderList(ctx context.Context, tx *store.Tx, f store.OrderFilter) (int, error) {
	os, _, err := tx.OrderList(ctx, f)
	return len(os), err
}

func orderSearch(ctx context.Context, tx *store.Tx, q store.OrderQuery) (int, error) {
	q.Limit = 50
	page, err := tx.OrderSearch(ctx, q)
	if err != nil {
		return 0, err
	}
	return len(page.Orders), nil
}

func eventList(ctx context.Context, tx *store.Tx, f store.LeverEventFilter) (int, error) {
	evs, err := tx.LeverEventList(ctx, f)
	return len(evs), err
}

// scaleIngest stores one Lever delivery as the webhook receiver does
// (engine.AcceptDelivery): its token, the event and its routing job in one
// transaction. The job waits an hour, so the claim benchmark meets only its
// own jobs.
func scaleIngest(ctx context.Context, e *scaleEnv) error {
	// Ids as the receiver makes them: the event's sorts by time, the
	// dedupe key holds Lever's event id (a random UUID), the token is random.
	id := domain.NewID("evt")
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.WebhookTokenClaim(ctx, "conn-00000", domain.NewToken(16), tx.Now().Add(time.Hour)); err != nil {
			return err
		}
		ev := &domain.LeverEvent{ID: id, ConnectionID: "conn-00000", Event: "candidateStageChange", DedupeKey: "id:" + domain.NewToken(16), OpportunityID: e.opportunity,
			TriggeredAt: tx.Now().UnixMilli(), Payload: []byte(`{"opportunityId":"` + e.opportunity + `","toStageId":"stage-2"}`), Source: "webhook"}
		ok, err := tx.LeverEventInsert(ctx, ev)
		if err != nil || !ok {
			return fmt.Errorf("insert event: %v, %v", ok, err)
		}
		_, err = tx.JobInsert(ctx, store.JobParams{Kind: "lever_event", QueueKey: "opp:conn-00000:" + e.opportunity, RunAt: tx.Now().Add(time.Hour),
			Args: map[string]string{"eventId": id, "connectionId": "conn-00000", "opportunityId": e.opportunity}})
		return err
	})
}

// scaleClaimPrep enqueues one job due now, for scaleClaim to take.
func scaleClaimPrep(ctx context.Context, e *scaleEnv) error {
	e.n++
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.JobInsert(ctx, store.JobParams{Kind: "order_effects", QueueKey: fmt.Sprintf("bench-claim-%d", e.n), Args: map[string]int{"n": e.n}})
		return err
	})
}

// scaleClaim claims a job and finishes it, as a worker of the queue does.
func scaleClaim(ctx context.Context, e *scaleEnv) error {
	jobs, err := e.db.JobClaim(ctx, "bench", 1, time.Now(), 30*time.Second)
	if err != nil {
		return err
	}
	if len(jobs) != 1 {
		return fmt.Errorf("claimed %d jobs, want 1", len(jobs))
	}
	return e.db.JobFinish(ctx, jobs[0].ID, "bench", domain.JobDone, time.Now(), "", true)
}

// BenchmarkScale compares ingest, claiming a job and every listing on a
// loaded database with the same on a small one, in one run. Each
// sub-benchmark runs its operation on both databases in turn and reports
// small-ns/op, loaded-ns/op and their ratio, loaded/small (the goal is at
// most 1.10).
//
//	STAGECOACH_BENCH_SCALE=1 go test ./internal/store -run '^$' -bench Scale -benchtime 200x -timeout 60m -v
//	STAGECOACH_BENCH_SCALE=1 go test ./internal/store -run '^$' -bench Scale -benchtime 50x -scale-orders 10000
//
// With -v it logs the plan of each listing's query on the loaded database.
func BenchmarkScale(b *testing.B) {
	if os.Getenv("STAGECOACH_BENCH_SCALE") == "" {
		b.Skip("set STAGECOACH_BENCH_SCALE=1 to load a database of -scale-orders orders (default 1,000,000) and compare it with a small one")
	}
	ctx := context.Background()
	now := time.Now()
	small, loaded := storetest.Open(b), storetest.Open(b)
	generateScale(b, small, scaleSmallSpec(now))
	generateScale(b, loaded, scaleSpecFor(*scaleOrders, now))
	es, el := newScaleEnv(b, small, now), newScaleEnv(b, loaded, now)

	if testing.Verbose() {
		for _, r := range scaleReads {
			b.Logf("%s\n%s", r.name, strings.Join(scalePlan(b, el, r), "\n"))
		}
	}

	type op struct {
		name    string
		prep    func(context.Context, *scaleEnv) error // not timed
		run     func(context.Context, *scaleEnv) error
		maxRuns int // 0: b.N
	}
	ops := []op{{name: "ingest", run: scaleIngest}, {name: "claim", prep: scaleClaimPrep, run: scaleClaim}}
	for _, r := range scaleReads {
		maxRuns := 0
		if r.scans {
			maxRuns = 5
		}
		ops = append(ops, op{name: r.name, maxRuns: maxRuns, run: func(ctx context.Context, e *scaleEnv) error {
			return e.db.ReadTx(ctx, func(tx *store.Tx) error {
				n, err := r.run(ctx, tx, e)
				if err == nil && n == 0 {
					err = fmt.Errorf("%s listed nothing", r.name)
				}
				return err
			})
		}})
	}
	for _, o := range ops {
		b.Run(o.name, func(b *testing.B) {
			var took [2]time.Duration
			envs := [2]*scaleEnv{es, el}
			step := func(k int, timed bool) {
				e := envs[k]
				if o.prep != nil {
					if err := o.prep(ctx, e); err != nil {
						b.Fatal(err)
					}
				}
				start := time.Now()
				if err := o.run(ctx, e); err != nil {
					b.Fatal(err)
				}
				if timed {
					took[k] += time.Since(start)
				}
			}
			n := b.N
			if o.maxRuns > 0 {
				n = min(n, o.maxRuns)
			}
			for i := 0; i < min(10, n); i++ { // warm both databases' caches
				step(0, false)
				step(1, false)
			}
			for i := 0; i < n; i++ {
				// Alternate which goes first, so that neither always
				// follows the other's misses or the machine's hiccups.
				first := i % 2
				step(first, true)
				step(1-first, true)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(took[0].Nanoseconds())/float64(n), "small-ns/op")
			b.ReportMetric(float64(took[1].Nanoseconds())/float64(n), "loaded-ns/op")
			b.ReportMetric(float64(took[1])/float64(took[0]), "loaded/small")
		})
	}
}

// scalePlan returns the database's plan for the query r sends (SQLite's
// EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN).
func scalePlan(tb testing.TB, e *scaleEnv, r scaleRead) []string {
	tb.Helper()
	ctx := context.Background()
	var q string
	var args []any
	e.db.TraceQueries(func(s string, a []any) { q, args = s, a })
	err := e.db.ReadTx(ctx, func(tx *store.Tx) error { _, err := r.run(ctx, tx, e); return err })
	e.db.TraceQueries(nil)
	if err != nil {
		tb.Fatal(err)
	}
	explain := "EXPLAIN QUERY PLAN "
	if e.db.Dialect() == store.Postgres {
		explain = "EXPLAIN "
	}
	conn, err := e.db.SQL().Conn(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	if e.db.Dialect() == store.Postgres && e.pricedOut {
		if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off; SET enable_sort = off`); err != nil {
			tb.Fatal(err)
		}
		defer conn.ExecContext(ctx, `RESET enable_seqscan; RESET enable_sort`)
	}
	rows, err := conn.QueryContext(ctx, explain+q, args...)
	if err != nil {
		tb.Fatalf("%s: explain: %v", r.name, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		if len(cols) == 1 {
			var line string
			if err := rows.Scan(&line); err != nil {
				tb.Fatal(err)
			}
			plan = append(plan, line)
			continue
		}
		// SQLite: id, parent, notused, detail.
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return plan
}
