package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// scaleSpec sizes a generated database. The rows are made up, so the
// generator is a test helper rather than a command: nothing it writes belongs
// in an operator's database.
type scaleSpec struct {
	Connections int
	Orders      int
	Events      int
	Jobs        int // finished jobs kept for the retention, plus a few waiting
	Now         time.Time
	Seed        uint64
}

// scaleSpecFor returns the shape the benchmarks use for n orders: one
// connection per 100 orders, five Lever events and one job per order.
func scaleSpecFor(orders int, now time.Time) scaleSpec {
	return scaleSpec{Connections: max(orders/100, 1), Orders: orders, Events: 5 * orders, Jobs: orders, Now: now, Seed: 1}
}

// The generator's providers: one of each kind and a second assessment one.
var scaleProviders = []struct{ id, kind string }{
	{"prov-0", domain.KindAssessment},
	{"prov-1", domain.KindVideoInterview},
	{"prov-2", domain.KindInterviewService},
	{"prov-3", domain.KindAssessment},
	{"prov-4", domain.KindSourcing},
}

// Order statuses by share: most orders are long finished.
var scaleStatuses = []struct {
	status string
	weight int
}{
	{domain.OrderCompleted, 55}, {domain.OrderInvited, 15}, {domain.OrderCancelled, 10}, {domain.OrderStarted, 8},
	{domain.OrderScheduled, 5}, {domain.OrderExpired, 5}, {domain.OrderCreated, 2},
}

const (
	scaleHistory       = 90 * 24 * time.Hour // orders and events spread over the last 90 days
	scalePostingsEach  = 20                  // postings per connection
	scaleProvidersEach = 2                   // integrations per connection
)

func scaleConnID(i int) string { return fmt.Sprintf("conn-%05d", i) }
func scaleOppID(i int) string  { return fmt.Sprintf("opp-%08d", i) }

// scaleProviderOf returns the index of the k-th provider enabled on
// connection c.
func scaleProviderOf(c, k int) int { return (c + k) % len(scaleProviders) }

// scaleConnOf picks a connection for the i-th of n rows so that sizes are
// skewed, as customers' are: connection 0 gets about 1/sqrt(connections) of
// the rows, the last ones a handful. Rows of one connection are spread over
// the whole range of i, hence over the whole history.
func scaleConnOf(r *rand.Rand, connections int) int {
	u := r.Float64()
	return min(int(u*u*float64(connections)), connections-1)
}

// generateScale writes s.Connections connections with their integrations,
// s.Orders orders, s.Events Lever events about the orders' opportunities and
// s.Jobs jobs into db, whose schema is migrated and which holds no such rows
// yet. SQLite gets multi-row INSERTs in large transactions, PostgreSQL COPY.
// The same spec always writes the same rows.
func generateScale(tb testing.TB, db *store.DB, s scaleSpec) {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	w, err := newScaleWriter(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	defer w.close()
	r := rand.New(rand.NewPCG(s.Seed, 0x5ca1e))
	now := s.Now.UnixMilli()
	history := scaleHistory.Milliseconds()

	must := func(err error) {
		if err != nil {
			tb.Helper()
			tb.Fatalf("generate: %v", err)
		}
	}
	must(w.write(ctx, "providers", []string{"id", "name", "kind", "api_key_hash", "webhook_url", "created_at", "updated_at"}, len(scaleProviders),
		func(i int, v []any) {
			p := scaleProviders[i]
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = p.id, "Provider "+p.id, p.kind, "hash-"+p.id, "https://provider.example/hooks", now-history, now-history
		}))
	must(w.write(ctx, "connections", []string{"id", "name", "environment", "auth_kind", "status", "version", "created_at", "updated_at"}, s.Connections,
		func(i int, v []any) {
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = scaleConnID(i), fmt.Sprintf("Customer %d", i), "production", "api_key", domain.ConnActive, "v1", now-history, now-history
		}))
	must(w.write(ctx, "integrations", []string{"id", "connection_id", "provider_id", "settings", "enabled", "activated_at", "created_at", "updated_at"}, s.Connections*scaleProvidersEach,
		func(i int, v []any) {
			c, k := i/scaleProvidersEach, i%scaleProvidersEach
			p := scaleProviders[scaleProviderOf(c, k)].id
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = "int-"+scaleConnID(c)+"-"+p, scaleConnID(c), p, `{}`, int64(1), now-history, now-history, now-history
		}))

	// Orders: order i is for opportunity i, so an opportunity has at most
	// one live order per integration, as the unique index wants.
	orderConn := make([]int32, s.Orders)
	weights := 0
	for _, st := range scaleStatuses {
		weights += st.weight
	}
	must(w.write(ctx, "orders", []string{"id", "integration_id", "connection_id", "provider_id", "package_id", "package_name", "opportunity_id", "posting_id",
		"status", "candidate", "details", "candidate_url", "evaluation_url", "result", "last_error", "created_at", "updated_at"}, s.Orders,
		func(i int, v []any) {
			c := scaleConnOf(r, s.Connections)
			orderConn[i] = int32(c)
			p := scaleProviders[scaleProviderOf(c, r.IntN(scaleProvidersEach))].id
			status := ""
			for x := r.IntN(weights); status == ""; {
				for _, st := range scaleStatuses {
					if x < st.weight {
						status = st.status
						break
					}
					x -= st.weight
				}
			}
			created := now - history + history*int64(i)/int64(max(s.Orders, 1))
			updated := min(created+r.Int64N(14*24*3600*1000), now)
			var result any
			evaluation := ""
			if status == domain.OrderCompleted {
				result = fmt.Sprintf(`{"score":%d,"passed":%t}`, r.IntN(101), r.IntN(3) > 0)
				evaluation = fmt.Sprintf("https://provider.example/results/ord-%08d", i)
			}
			v[0] = fmt.Sprintf("ord-%08d", i)
			v[1] = "int-" + scaleConnID(c) + "-" + p
			v[2] = scaleConnID(c)
			v[3] = p
			v[4] = fmt.Sprintf("pkg-%d", r.IntN(8))
			v[5] = fmt.Sprintf("Package %d", r.IntN(8))
			v[6] = scaleOppID(i)
			v[7] = fmt.Sprintf("post-%05d-%02d", c, r.IntN(scalePostingsEach))
			v[8] = status
			v[9] = fmt.Sprintf(`{"name":"Candidate %d","email":"candidate%d@example.com"}`, i, i)
			v[10] = fmt.Sprintf(`{"opportunityUrl":"https://hire.lever.co/candidates/%s","stageId":"stage-assessment","postingTitle":"Engineer %d","ownerId":"user-%d","ownerName":"Recruiter %d"}`, scaleOppID(i), r.IntN(50), c, c)
			v[11] = fmt.Sprintf("https://provider.example/candidates/ord-%08d", i)
			v[12] = evaluation
			v[13] = result
			v[14] = ""
			v[15] = created
			v[16] = updated
		}))

	// Events arrive in time order, each about an opportunity that has an
	// order, in that order's connection: the stage changes that made the
	// order and the ones after it.
	must(w.write(ctx, "lever_events", []string{"id", "connection_id", "event", "dedupe_key", "opportunity_id", "triggered_at", "payload", "source", "received_at"}, s.Events,
		func(i int, v []any) {
			o := r.IntN(s.Orders)
			event, source := "candidateStageChange", "webhook"
			switch x := r.IntN(100); {
			case x < 8:
				event = "candidateArchiveChange"
			case x < 10:
				event = "candidateHired"
			case x < 12:
				source = "reconcile"
			}
			at := now - history + history*int64(i)/int64(max(s.Events, 1))
			v[0] = fmt.Sprintf("evt-%09d", i)
			v[1] = scaleConnID(int(orderConn[o]))
			v[2] = event
			v[3] = fmt.Sprintf("dk-%09d", i)
			v[4] = scaleOppID(o)
			v[5] = at - r.Int64N(2000)
			v[6] = fmt.Sprintf(`{"opportunityId":"%s","contactId":"contact-%08d","fromStageId":"stage-%d","toStageId":"stage-%d","userId":"user-%d"}`, scaleOppID(o), o, r.IntN(9), r.IntN(9), orderConn[o])
			v[7] = source
			v[8] = at
		}))

	// Jobs: finished within the retention (a week), a few dead letters and
	// a few retries waiting for their backoff.
	week := (7 * 24 * time.Hour).Milliseconds()
	must(w.write(ctx, "jobs", []string{"kind", "queue_key", "args", "status", "attempt", "max_attempts", "run_at", "last_error", "created_at", "updated_at"}, s.Jobs,
		func(i int, v []any) {
			o := r.IntN(s.Orders)
			kinds := [...]string{"lever_event", "order_effects", "provider_webhook"}
			status, attempt, runAt, lastErr := domain.JobDone, int64(1), now-week+week*int64(i)/int64(max(s.Jobs, 1)), ""
			switch x := r.IntN(1000); {
			case x < 5:
				status, attempt, lastErr = domain.JobDead, 25, "lever: 404 opportunity not found"
			case x < 15:
				status, attempt, lastErr = domain.JobAvailable, 3, "lever: 503 service unavailable"
				runAt = now + r.Int64N(10*60*1000) + 60*1000 // still backing off when the benchmarks run
			}
			v[0] = kinds[r.IntN(len(kinds))]
			v[1] = "opp:" + scaleConnID(int(orderConn[o])) + ":" + scaleOppID(o)
			v[2] = fmt.Sprintf(`{"eventId":"evt-%09d","connectionId":"%s","opportunityId":"%s"}`, i, scaleConnID(int(orderConn[o])), scaleOppID(o))
			v[3] = status
			v[4] = attempt
			v[5] = int64(25)
			v[6] = runAt
			v[7] = lastErr
			v[8] = runAt
			v[9] = min(runAt, now)
		}))
	must(w.analyze(ctx))
	tb.Logf("generated %d connections, %d orders, %d events, %d jobs on %s in %s",
		s.Connections, s.Orders, s.Events, s.Jobs, db.Dialect(), time.Since(start).Round(time.Millisecond))
}

// scaleWriter bulk-loads rows into one table at a time.
type scaleWriter struct {
	dialect store.Dialect
	conn    *sql.Conn
}

func newScaleWriter(ctx context.Context, db *store.DB) (*scaleWriter, error) {
	conn, err := db.SQL().Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &scaleWriter{dialect: db.Dialect(), conn: conn}
	if w.dialect == store.SQLite {
		// Rows go into a dozen indexes in no order of theirs: a cache of
		// 256 MiB keeps their pages at hand while loading.
		if _, err := conn.ExecContext(ctx, `PRAGMA cache_size = -262144`); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return w, nil
}

// close gives the connection back to the pool with SQLite's default cache,
// so that the benchmarks see the cache every connection has.
func (w *scaleWriter) close() {
	if w.dialect == store.SQLite {
		_, _ = w.conn.ExecContext(context.Background(), `PRAGMA cache_size = -2000`)
	}
	w.conn.Close()
}

// write stores n rows of cols in table; row fills in the values of row i.
// Rows are made in order, i from 0 to n-1.
func (w *scaleWriter) write(ctx context.Context, table string, cols []string, n int, row func(i int, v []any)) error {
	if w.dialect == store.Postgres {
		return w.conn.Raw(func(dc any) error {
			c := dc.(*stdlib.Conn).Conn()
			v := make([]any, len(cols))
			_, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
				row(i, v)
				return v, nil
			}))
			if err != nil {
				return fmt.Errorf("copy into %s: %w", table, err)
			}
			return nil
		})
	}
	// SQLite: as many rows a statement as its 32,766 variables allow (at
	// most 500), and 100,000 rows a transaction.
	per := min(500, 32766/len(cols))
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	stmt := func(rows int) string {
		return "INSERT INTO " + table + " (" + strings.Join(cols, ",") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
	}
	full := stmt(per)
	args := make([]any, 0, per*len(cols))
	v := make([]any, len(cols))
	for i := 0; i < n; {
		tx, err := w.conn.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		ps, err := tx.PrepareContext(ctx, full)
		if err != nil {
			tx.Rollback()
			return err
		}
		for end := min(i+100_000, n); i < end; {
			k := min(per, end-i)
			args = args[:0]
			for j := 0; j < k; j++ {
				row(i+j, v)
				args = append(args, v...)
			}
			if k == per {
				_, err = ps.ExecContext(ctx, args...)
			} else {
				_, err = tx.ExecContext(ctx, stmt(k), args...)
			}
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			i += k
		}
		ps.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// analyze leaves the planner the statistics it would have after the
// database had grown to this size in use: on PostgreSQL autovacuum analyzes
// a table as it grows, so the load is analyzed; stagecoach never analyzes a
// SQLite database, so neither does the generator, and SQLite plans from its
// schema alone.
func (w *scaleWriter) analyze(ctx context.Context) error {
	if w.dialect != store.Postgres {
		return nil
	}
	_, err := w.conn.ExecContext(ctx, "ANALYZE")
	return err
}

func TestScaleGeneratorWritesRowsTheStoreReads(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	now := time.Now()
	s := scaleSpecFor(3000, now)
	generateScale(t, db, s)

	count := func(q string, args ...any) int {
		t.Helper()
		if db.Dialect() == store.Postgres {
			q = strings.Replace(q, "?", "$1", 1)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	for table, want := range map[string]int{"connections": 30, "integrations": 60, "orders": 3000, "lever_events": 15000, "jobs": 3000} {
		if got := count(`SELECT COUNT(*) FROM ` + table); got != want {
			t.Errorf("%s: %d rows, want %d", table, got, want)
		}
	}
	// Every status appears; connections differ in size, the first largest.
	if got := count(`SELECT COUNT(DISTINCT status) FROM orders`); got != len(scaleStatuses) {
		t.Errorf("%d order statuses, want %d", got, len(scaleStatuses))
	}
	first := count(`SELECT COUNT(*) FROM orders WHERE connection_id = 'conn-00000'`)
	if first < 3*3000/30 {
		t.Errorf("conn-00000 has %d orders, want at least three times the mean of 100", first)
	}
	// An event is about an opportunity with an order in the event's connection.
	if got := count(`SELECT COUNT(*) FROM lever_events e LEFT JOIN orders o ON o.opportunity_id = e.opportunity_id AND o.connection_id = e.connection_id WHERE o.id IS NULL`); got != 0 {
		t.Errorf("%d events about an opportunity without an order in their connection", got)
	}
	// Times spread over the history and none lies ahead.
	var oldest, newest int64
	if err := db.SQL().QueryRowContext(ctx, `SELECT MIN(received_at), MAX(received_at) FROM lever_events`).Scan(&oldest, &newest); err != nil {
		t.Fatal(err)
	}
	if span := time.Duration(newest-oldest) * time.Millisecond; span < scaleHistory*9/10 || newest > now.UnixMilli() {
		t.Errorf("events from %v to %v, want about %v up to now", time.UnixMilli(oldest), time.UnixMilli(newest), scaleHistory)
	}
	if got := count(`SELECT COUNT(*) FROM orders WHERE updated_at < created_at OR updated_at > ?`, now.UnixMilli()); got != 0 {
		t.Errorf("%d orders updated before their creation or in the future", got)
	}

	// The store reads the rows back.
	err := db.ReadTx(ctx, func(tx *store.Tx) error {
		orders, next, err := tx.OrderList(ctx, store.OrderFilter{ConnectionID: "conn-00000"})
		if err != nil {
			return err
		}
		if len(orders) != 50 || next == "" || orders[0].Candidate.Email == "" || orders[0].Details.OpportunityURL == "" {
			t.Errorf("OrderList: %d orders, next %q, first %+v", len(orders), next, orders[0])
		}
		evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{ConnectionIDs: []string{"conn-00000"}, Limit: 10})
		if err != nil {
			return err
		}
		if len(evs) != 10 || !strings.Contains(string(evs[0].Payload), evs[0].OpportunityID) {
			t.Errorf("LeverEventList: %d events, first %+v", len(evs), evs[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The waiting jobs are backing off: nothing is due.
	jobs, err := db.JobClaim(ctx, "test", 10, now, time.Minute)
	if err != nil || len(jobs) != 0 {
		t.Fatalf("JobClaim = %d jobs, %v; want none due", len(jobs), err)
	}
	if got := count(`SELECT COUNT(*) FROM jobs WHERE status = ?`, domain.JobAvailable); got == 0 {
		t.Error("no job waits for a retry")
	}
}
