package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"stagecoach/internal/domain"
)

// Delivery is one accepted webhook delivery to store: its event, the
// delivery's token (kept until TokenExpires, to refuse a replay) and the
// job that routes the event.
type Delivery struct {
	Event        *domain.LeverEvent
	Token        string
	TokenExpires time.Time
	Job          JobParams // inserted only when the event is new
}

// DeliveryOutcome is what IngestDelivery did with a delivery.
type DeliveryOutcome int

// The outcomes of IngestDelivery.
const (
	// DeliveryStored: the event and its job were stored.
	DeliveryStored DeliveryOutcome = iota
	// DeliveryDuplicate: an event with the same dedupe key was stored
	// before (Lever delivered it again); the token is recorded, nothing
	// else is stored.
	DeliveryDuplicate
	// DeliveryReplayed: the token was recorded before (the same delivery
	// sent again); nothing is stored.
	DeliveryReplayed
)

// IngestConfig tunes group commit: concurrent deliveries are written in
// one transaction, and each caller returns once its own transaction
// commits.
type IngestConfig struct {
	// MaxBatch is the most deliveries one transaction writes. Default 64.
	MaxBatch int
	// MaxWait is how long a batch waits for more deliveries before it
	// commits, and only while deliveries arrive together (the previous
	// batch held more than one): a lone delivery is committed at once.
	// Default 1ms; negative for no wait.
	MaxWait time.Duration
	// Committers is how many batches may commit at once. Default 1 on
	// SQLite (it has one writer) and 2 on PostgreSQL (one batch on the
	// wire while the other commits; with 4 the batches were half the
	// size and the rate no better).
	Committers int
}

// DefaultIngestConfig returns the group-commit settings DB uses for dialect.
func DefaultIngestConfig(dialect Dialect) IngestConfig {
	c := IngestConfig{MaxBatch: 64, MaxWait: time.Millisecond, Committers: 1}
	if dialect == Postgres {
		c.Committers = 2
	}
	return c
}

func (c IngestConfig) withDefaults(dialect Dialect) IngestConfig {
	def := DefaultIngestConfig(dialect)
	if c.MaxBatch <= 0 {
		c.MaxBatch = def.MaxBatch
	}
	if c.MaxWait == 0 {
		c.MaxWait = def.MaxWait
	}
	if c.MaxWait < 0 {
		c.MaxWait = 0
	}
	if c.Committers <= 0 {
		c.Committers = def.Committers
	}
	return c
}

// IngestStats count what IngestDelivery has committed since Open.
type IngestStats struct {
	Batches    int64 // transactions committed
	Deliveries int64 // deliveries in them
	Waiting    int64 // deliveries given to IngestDelivery and not yet answered
}

// IngestStats returns how many deliveries were committed in how many
// transactions, and how many wait for theirs.
func (d *DB) IngestStats() IngestStats {
	d.ingest.mu.Lock()
	defer d.ingest.mu.Unlock()
	return d.ingest.stats
}

// errIngestClosed is returned to deliveries offered after Close.
var errIngestClosed = errors.New("store is closed")

// ingestTimeout bounds one batch's transaction. A caller that gives up
// does not cancel the batch: the other deliveries in it still commit.
const ingestTimeout = 30 * time.Second

type ingestReq struct {
	d    Delivery
	args []byte // the job's arguments, encoded by the caller
	out  DeliveryOutcome
	err  error
	done chan struct{}
}

// groupCommit collects deliveries and commits them in batches.
type groupCommit struct {
	cfg   IngestConfig
	reqs  chan *ingestReq
	quit  chan struct{}
	start sync.Once
	stop  sync.Once
	wg    sync.WaitGroup

	mu        sync.Mutex
	stats     IngestStats
	lastSize  int                  // the size of the last batch taken
	lastPrune time.Time            // when expired tokens were last deleted
	sqlite    map[string]*sql.Stmt // prepared statements, SQLite
}

// tokenPruneEvery is how often a batch also deletes the delivery tokens
// whose time has passed. Every batch doing it would have concurrent
// batches on PostgreSQL wait on each other's deletes.
const tokenPruneEvery = time.Second

// pruneDue reports whether the batch committing at now should delete
// expired tokens.
func (g *groupCommit) pruneDue(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.lastPrune) < tokenPruneEvery && !now.Before(g.lastPrune) {
		return false
	}
	g.lastPrune = now
	return true
}

// IngestDelivery stores a delivery durably: on a new token and a new event,
// the token, the event and its job; on a new token and an event stored
// before, the token alone (DeliveryDuplicate); on a token seen before,
// nothing (DeliveryReplayed). Concurrent calls are committed together, one
// transaction for many deliveries; each returns after the transaction
// holding its delivery commits. When a batch fails, each of its deliveries
// is tried again in a transaction of its own, so a delivery that cannot be
// stored fails alone.
func (d *DB) IngestDelivery(ctx context.Context, dl Delivery) (DeliveryOutcome, error) {
	if dl.Event == nil || dl.Token == "" {
		return 0, errors.New("ingest delivery: an event and its delivery token are required")
	}
	if dl.Job.Kind == "" {
		return 0, errors.New("ingest delivery: the event's job has no kind")
	}
	args, err := json.Marshal(dl.Job.Args)
	if err != nil {
		return 0, fmt.Errorf("job %s args: %w", dl.Job.Kind, err)
	}
	g := &d.ingest
	g.start.Do(func() { d.startIngest() })
	g.mu.Lock()
	g.stats.Waiting++
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.stats.Waiting--
		g.mu.Unlock()
	}()
	r := &ingestReq{d: dl, args: args, done: make(chan struct{})}
	select {
	case g.reqs <- r:
	case <-g.quit:
		return 0, errIngestClosed
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	select {
	case <-r.done:
		return r.out, r.err
	case <-ctx.Done():
		// The batch may still commit it; the caller is gone either way.
		return 0, ctx.Err()
	}
}

func (d *DB) startIngest() {
	g := &d.ingest
	g.cfg = g.cfg.withDefaults(d.dialect)
	g.reqs = make(chan *ingestReq)
	for range g.cfg.Committers {
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			d.commitLoop()
		}()
	}
}

// closeIngest stops the committers; deliveries offered later fail.
func (d *DB) closeIngest() {
	g := &d.ingest
	g.stop.Do(func() { close(g.quit) })
	g.wg.Wait()
}

func (d *DB) commitLoop() {
	g := &d.ingest
	batch := make([]*ingestReq, 0, g.cfg.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		batch = batch[:0]
		select {
		case r := <-g.reqs:
			batch = append(batch, r)
		case <-g.quit:
			return
		}
		g.mu.Lock()
		busy := g.lastSize > 1
		g.mu.Unlock()
		// Take what is waiting; while deliveries arrive together, wait a
		// little for more.
		wait := busy && g.cfg.MaxWait > 0
		if wait {
			timer.Reset(g.cfg.MaxWait)
		}
	collect:
		for len(batch) < g.cfg.MaxBatch {
			if !wait {
				select {
				case r := <-g.reqs:
					batch = append(batch, r)
					continue
				default:
					break collect
				}
			}
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			case <-timer.C:
				wait = false
				break collect
			}
		}
		if wait {
			// Since Go 1.23 a stopped timer delivers nothing stale
			// after the next Reset, so there is nothing to drain.
			timer.Stop()
		}
		g.mu.Lock()
		g.lastSize = len(batch)
		g.mu.Unlock()
		d.commitBatch(batch)
	}
}

// commitBatch writes batch in one transaction and, if that fails, each
// delivery in a transaction of its own.
func (d *DB) commitBatch(batch []*ingestReq) {
	ctx, cancel := context.WithTimeout(context.Background(), ingestTimeout)
	defer cancel()
	err := d.writeDeliveries(ctx, batch)
	g := &d.ingest
	if err == nil {
		g.mu.Lock()
		g.stats.Batches++
		g.stats.Deliveries += int64(len(batch))
		g.mu.Unlock()
	}
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			r.err = d.writeDeliveries(ctx, []*ingestReq{r})
			if r.err == nil {
				g.mu.Lock()
				g.stats.Batches++
				g.stats.Deliveries++
				g.mu.Unlock()
			}
		}
	} else {
		for _, r := range batch {
			r.err = err
		}
	}
	for _, r := range batch {
		if r.err != nil {
			r.err = fmt.Errorf("store delivery: %w", r.err)
		}
		close(r.done)
	}
}

func (d *DB) writeDeliveries(ctx context.Context, batch []*ingestReq) error {
	now := d.NowFunc().UTC().Truncate(time.Millisecond)
	if d.dialect == Postgres {
		return d.writeDeliveriesPostgres(ctx, now, batch)
	}
	return d.writeDeliveriesSQLite(ctx, now, batch)
}

const (
	sqlTokenPrune  = `DELETE FROM lever_webhook_tokens WHERE expires_at < ?`
	sqlTokenInsert = `INSERT INTO lever_webhook_tokens (connection_id, token, expires_at) VALUES (?,?,?) ON CONFLICT (connection_id, token) DO NOTHING`
	sqlEventInsert = `INSERT INTO lever_events (` + eventColumns + `) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (connection_id, dedupe_key) DO NOTHING`
	sqlJobInsert   = `INSERT INTO jobs (kind, queue_key, unique_key, args, status, attempt, max_attempts, run_at, created_at, updated_at)
		VALUES (?,?,?,?,?,0,?,?,?,?) ON CONFLICT (unique_key) DO NOTHING`
)

// tokenHash is how a delivery token is kept: its SHA-256, so that the
// table holds nothing that could sign a delivery again.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// jobRow returns a delivery's job columns with their defaults.
func jobRow(p JobParams, now time.Time) (unique any, maxAttempts int, runAt int64) {
	if p.UniqueKey != "" {
		unique = p.UniqueKey
	}
	maxAttempts = p.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 25
	}
	runAt = ms(now)
	if !p.RunAt.IsZero() {
		runAt = ms(p.RunAt)
	}
	return unique, maxAttempts, runAt
}

// sqliteStmts prepares the ingest statements once; database/sql prepares
// them again on each pooled connection the first time it is used there.
func (d *DB) sqliteStmts(ctx context.Context) (map[string]*sql.Stmt, error) {
	g := &d.ingest
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.sqlite != nil {
		return g.sqlite, nil
	}
	m := map[string]*sql.Stmt{}
	for _, q := range []string{sqlTokenPrune, sqlTokenInsert, sqlEventInsert, sqlJobInsert} {
		s, err := d.db.PrepareContext(ctx, q)
		if err != nil {
			for _, s := range m {
				s.Close()
			}
			return nil, err
		}
		m[q] = s
	}
	g.sqlite = m
	return m, nil
}

func (d *DB) writeDeliveriesSQLite(ctx context.Context, now time.Time, batch []*ingestReq) error {
	stmts, err := d.sqliteStmts(ctx)
	if err != nil {
		return err
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	st := func(q string) *sql.Stmt { return tx.StmtContext(ctx, stmts[q]) }
	if d.ingest.pruneDue(now) {
		if _, err := st(sqlTokenPrune).ExecContext(ctx, ms(now)); err != nil {
			return err
		}
	}
	tokenIns, eventIns, jobIns := st(sqlTokenInsert), st(sqlEventInsert), st(sqlJobInsert)
	for _, r := range batch {
		e := r.d.Event
		res, err := tokenIns.ExecContext(ctx, e.ConnectionID, tokenHash(r.d.Token), ms(r.d.TokenExpires))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			r.out = DeliveryReplayed
			continue
		}
		res, err = eventIns.ExecContext(ctx, e.ID, e.ConnectionID, e.Event, e.DedupeKey, e.OpportunityID, e.TriggeredAt, string(e.Payload), e.Source, ms(now))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			r.out = DeliveryDuplicate
			continue
		}
		unique, maxAttempts, runAt := jobRow(r.d.Job, now)
		if _, err := jobIns.ExecContext(ctx, r.d.Job.Kind, r.d.Job.QueueKey, unique, string(r.args), domain.JobAvailable, maxAttempts, runAt, ms(now), ms(now)); err != nil {
			return err
		}
		r.out = DeliveryStored
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, r := range batch {
		if r.out == DeliveryStored {
			r.d.Event.ReceivedAt = now
		}
	}
	return nil
}

// pgIngest stores one delivery in one statement: the token, then the event
// if the token was new, then the job if the event was new. It returns
// whether the token and the event were new.
const pgIngest = `WITH tok AS (
	INSERT INTO lever_webhook_tokens (connection_id, token, expires_at) VALUES ($1::text, $2::text, $3::bigint)
	ON CONFLICT (connection_id, token) DO NOTHING RETURNING 1
), ev AS (
	INSERT INTO lever_events (` + eventColumns + `)
	SELECT $4::text, $1::text, $5::text, $6::text, $7::text, $8::bigint, $9::text, $10::text, $11::bigint WHERE EXISTS (SELECT 1 FROM tok)
	ON CONFLICT (connection_id, dedupe_key) DO NOTHING RETURNING 1
), job AS (
	INSERT INTO jobs (kind, queue_key, unique_key, args, status, attempt, max_attempts, run_at, created_at, updated_at)
	SELECT $12::text, $13::text, $14::text, $15::text, $16::text, 0, $17::bigint, $18::bigint, $11::bigint, $11::bigint FROM ev
	ON CONFLICT (unique_key) DO NOTHING RETURNING 1
)
SELECT (SELECT COUNT(*) FROM tok), (SELECT COUNT(*) FROM ev)`

// writeDeliveriesPostgres sends the batch as one pgx batch: one round trip,
// run by PostgreSQL as one implicit transaction ("All queries are run in an
// implicit transaction unless explicit transaction control statements are
// executed", pgx v5 Conn.SendBatch), so it commits whole or not at all.
// Its notification wakes the job runners of every process (JobsListen).
func (d *DB) writeDeliveriesPostgres(ctx context.Context, now time.Time, batch []*ingestReq) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		b := &pgx.Batch{}
		prune := d.ingest.pruneDue(now)
		if prune {
			b.Queue(`DELETE FROM lever_webhook_tokens WHERE expires_at < $1`, ms(now))
		}
		for _, r := range batch {
			e := r.d.Event
			unique, maxAttempts, runAt := jobRow(r.d.Job, now)
			b.Queue(pgIngest, e.ConnectionID, tokenHash(r.d.Token), ms(r.d.TokenExpires),
				e.ID, e.Event, e.DedupeKey, e.OpportunityID, e.TriggeredAt, string(e.Payload), e.Source, ms(now),
				r.d.Job.Kind, r.d.Job.QueueKey, unique, string(r.args), domain.JobAvailable, maxAttempts, runAt)
		}
		b.Queue(`SELECT pg_notify($1, '')`, JobsChannel)
		br := pc.SendBatch(ctx, b)
		if prune {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return err
			}
		}
		outs := make([]DeliveryOutcome, len(batch))
		for i := range batch {
			var tok, ev int64
			if err := br.QueryRow().Scan(&tok, &ev); err != nil {
				br.Close()
				return err
			}
			switch {
			case tok == 0:
				outs[i] = DeliveryReplayed
			case ev == 0:
				outs[i] = DeliveryDuplicate
			default:
				outs[i] = DeliveryStored
			}
		}
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
		// The implicit transaction commits at the batch's end; Close reads
		// that answer.
		if err := br.Close(); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		for i, r := range batch {
			r.out = outs[i]
			if r.out == DeliveryStored {
				r.d.Event.ReceivedAt = now
			}
		}
		return nil
	})
}
