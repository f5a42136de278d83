package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"stagecoach/internal/domain"
)

const jobColumns = `id, kind, queue_key, unique_key, args, status, attempt, max_attempts, run_at, last_error, created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }) (*domain.Job, error) {
	var j domain.Job
	var unique sql.NullString
	var args string
	var runAt, created, updated int64
	if err := row.Scan(&j.ID, &j.Kind, &j.QueueKey, &unique, &args, &j.Status, &j.Attempt, &j.MaxAttempts, &runAt, &j.LastError, &created, &updated); err != nil {
		return nil, err
	}
	j.UniqueKey, j.Args = unique.String, []byte(args)
	j.RunAt, j.CreatedAt, j.UpdatedAt = fromMS(runAt), fromMS(created), fromMS(updated)
	return &j, nil
}

// JobParams describes a job to enqueue.
type JobParams struct {
	Kind        string
	QueueKey    string    // jobs with the same key run one at a time, in order; "" for none
	UniqueKey   string    // a second job with the same key is not inserted; "" for none
	Args        any       // marshalled to JSON
	RunAt       time.Time // zero: now
	MaxAttempts int       // zero: 25
}

// JobInsert enqueues a job in the transaction; it reports false when a job
// with the same unique key exists.
func (tx *Tx) JobInsert(ctx context.Context, p JobParams) (bool, error) {
	args, err := json.Marshal(p.Args)
	if err != nil {
		return false, fmt.Errorf("job %s args: %w", p.Kind, err)
	}
	if p.RunAt.IsZero() {
		p.RunAt = tx.now
	}
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 25
	}
	var unique any
	if p.UniqueKey != "" {
		unique = p.UniqueKey
	}
	res, err := tx.exec(ctx, `INSERT INTO jobs (kind, queue_key, unique_key, args, status, attempt, max_attempts, run_at, created_at, updated_at)
		VALUES (?,?,?,?,?,0,?,?,?,?) ON CONFLICT (unique_key) DO NOTHING`,
		p.Kind, p.QueueKey, unique, string(args), domain.JobAvailable, p.MaxAttempts, ms(p.RunAt), ms(tx.now), ms(tx.now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 {
		tx.jobs = true
	}
	return n == 1, err
}

// JobWaiting reports whether a job of kind on queueKey waits to run (not
// yet taken, or due again after a failed attempt).
func (tx *Tx) JobWaiting(ctx context.Context, kind, queueKey string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND queue_key = ? AND status = ?`, kind, queueKey, domain.JobAvailable).Scan(&n)
	return n > 0, err
}

// JobClaim takes up to n jobs that are due at now, for worker, leasing them
// until now+lease. A job waits while an earlier job with the same queue key
// is not finished, so the events of one opportunity run in order. Jobs whose
// lease ran out by now (their worker died) are taken again. now is the
// runner's clock, so that a test can move it.
func (d *DB) JobClaim(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) ([]*domain.Job, error) {
	var out []*domain.Job
	err := d.InTx(ctx, func(tx *Tx) error {
		now := ms(now)
		// Running jobs whose worker stopped renewing the lease are due again.
		if _, err := tx.exec(ctx, `UPDATE jobs SET status = ?, run_at = ?, updated_at = ? WHERE status = ? AND locked_until < ?`,
			domain.JobAvailable, now, now, domain.JobRunning, now); err != nil {
			return err
		}
		q := `SELECT id FROM jobs j WHERE j.status = ? AND j.run_at <= ?
			AND (j.queue_key = '' OR NOT EXISTS (
				SELECT 1 FROM jobs p WHERE p.queue_key = j.queue_key AND p.id < j.id AND p.status IN (?, ?)))
			ORDER BY j.run_at, j.id LIMIT ?`
		if d.dialect == Postgres {
			q += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.query(ctx, q, domain.JobAvailable, now, domain.JobAvailable, domain.JobRunning, n)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			j, err := scanJob(tx.queryRow(ctx, `UPDATE jobs SET status = ?, attempt = attempt + 1, locked_until = ?, locked_by = ?, updated_at = ? WHERE id = ? AND status = ? RETURNING `+jobColumns,
				domain.JobRunning, now+lease.Milliseconds(), worker, now, id, domain.JobAvailable))
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			if err != nil {
				return err
			}
			out = append(out, j)
		}
		return nil
	})
	return out, err
}

// JobExtend renews worker's lease on a running job until until.
func (d *DB) JobExtend(ctx context.Context, id int64, worker string, until time.Time) error {
	return d.InTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `UPDATE jobs SET locked_until = ? WHERE id = ? AND locked_by = ? AND status = ?`, ms(until), id, worker, domain.JobRunning)
		return err
	})
}

// JobFinish records the outcome of a job run by worker: status done or dead,
// or available again at runAt (a retry). A job no longer leased by worker is
// left alone.
func (d *DB) JobFinish(ctx context.Context, id int64, worker, status string, runAt time.Time, lastError string, countAttempt bool) error {
	return d.InTx(ctx, func(tx *Tx) error {
		adj := 0
		if !countAttempt {
			adj = 1
		}
		_, err := tx.exec(ctx, `UPDATE jobs SET status = ?, run_at = ?, last_error = ?, attempt = attempt - ?, locked_until = 0, locked_by = '', updated_at = ? WHERE id = ? AND locked_by = ? AND status = ?`,
			status, ms(runAt), lastError, adj, ms(tx.now), id, worker, domain.JobRunning)
		return err
	})
}

// JobFilter narrows JobList.
type JobFilter struct {
	Status string
	Kind   string
	Limit  int // default 100
}

// JobList returns jobs, newest first.
func (tx *Tx) JobList(ctx context.Context, f JobFilter) ([]*domain.Job, error) {
	q := `SELECT ` + jobColumns + ` FROM jobs WHERE 1=1`
	var args []any
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*domain.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// JobRetryDead makes a dead job available again with a fresh attempt count.
func (tx *Tx) JobRetryDead(ctx context.Context, id int64) error {
	res, err := tx.exec(ctx, `UPDATE jobs SET status = ?, attempt = 0, run_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
		domain.JobAvailable, ms(tx.now), ms(tx.now), id, domain.JobDead)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ENotFound, "no dead job %d", id)
	}
	tx.jobs = true
	return nil
}

// JobCounts returns the number of jobs by status.
func (d *DB) JobCounts(ctx context.Context) (map[string]int, error) {
	return d.countBy(ctx, `SELECT status, COUNT(*) FROM jobs GROUP BY status`)
}

// JobPending reports the number of jobs not yet finished.
func (d *DB) JobPending(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM jobs WHERE status IN (?, ?)`), domain.JobAvailable, domain.JobRunning).Scan(&n)
	return n, err
}

// JobPrune deletes finished jobs (done, or dead-lettered) last updated
// before before, and reports how many it deleted.
func (d *DB) JobPrune(ctx context.Context, before time.Time) (int64, error) {
	// The statuses are written out, not bound, so that the planner sees the
	// query matches the partial index jobs_finished (migration 0030); SQLite
	// is told to use it, having no statistics to prefer it to jobs_ready.
	indexed := ""
	if d.dialect == SQLite {
		indexed = ` INDEXED BY jobs_finished`
	}
	res, err := d.db.ExecContext(ctx, d.rebind(`DELETE FROM jobs`+indexed+` WHERE status IN ('`+domain.JobDone+`', '`+domain.JobDead+`') AND updated_at < ?`), ms(before))
	if err != nil {
		return 0, fmt.Errorf("prune jobs: %w", err)
	}
	return res.RowsAffected()
}

// JobWake makes the waiting jobs whose last error contains reason (a
// snooze's reason) due now, and returns how many. Work a broken connection
// held resumes as soon as it is reconnected, not at the end of its snooze.
func (tx *Tx) JobWake(ctx context.Context, reason string) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE jobs SET run_at = ?, updated_at = ? WHERE status = ? AND run_at > ? AND last_error LIKE ?`,
		ms(tx.now), ms(tx.now), domain.JobAvailable, ms(tx.now), "%"+reason+"%")
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if n > 0 {
		tx.jobs = true
	}
	return n, err
}
