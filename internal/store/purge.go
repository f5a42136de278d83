package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"stagecoach/internal/domain"
)

// PurgedIdempotentBody is what a request replayed with an Idempotency-Key
// gets once the candidate it was about has been purged: the stored answer
// named them, so it is gone, and the request is not run again either.
// It is a problem+json document like the API's other errors.
const PurgedIdempotentBody = `{"type":"https://stagecoach.dev/problems/gone","title":"Gone","status":410,"detail":"the candidate this request was about was deleted in Lever and their personal data purged; the stored answer is gone and the request is not run again"}`

// PurgeStats counts what a purge did.
type PurgeStats struct {
	// Orders and Exports are the records of the candidate whose personal
	// data was removed.
	Orders, Exports int
	// Messages is how many provider webhooks about them were dropped,
	// undelivered ones included.
	Messages int64
	// Answers is how many stored answers to Idempotency-Keys were replaced.
	Answers int64
}

// CandidatePurge removes the personal data of the candidate behind a Lever
// opportunity from every table that may hold it: the name, e-mail, links
// and results of the orders placed for them, their timelines, the exports
// that made or follow the opportunity, the payloads of the Lever events and
// effect journal rows about it, the stored answers to the providers'
// Idempotency-Keys that mention any of these, and the provider webhooks
// about them, delivered or not (one still waiting for a provider that is
// down is dropped, not sent later). What stays is what links the records
// to Lever and to the providers: ids, statuses, stages and times.
//
// Orders keep their status: the caller cancels live ones first and then
// tells their providers, with what is left after the purge.
func (tx *Tx) CandidatePurge(ctx context.Context, connectionID, opportunityID string) (PurgeStats, error) {
	var st PurgeStats
	if opportunityID == "" {
		return st, domain.Errorf(domain.EInvalid, "purge: no opportunity id")
	}
	exports, err := tx.ExportsByOpportunity(ctx, connectionID, opportunityID)
	if err != nil {
		return st, err
	}
	for _, x := range exports {
		if x.Status == domain.ExportDeleted {
			continue // purged already; its deletion notice may be on its way
		}
		n, err := tx.exportPurge(ctx, x)
		if err != nil {
			return st, err
		}
		st.Exports++
		st.Messages += n
	}
	s, err := tx.purgeOpportunity(ctx, connectionID, opportunityID)
	st.Orders, st.Messages, st.Answers = s.Orders, st.Messages+s.Messages, st.Answers+s.Answers
	return st, err
}

// ExportPurge removes an export's personal data: its profile, CV and
// recruiter, its webhooks, and, through the opportunity it made,
// everything CandidatePurge removes. The export is marked deleted and x is
// updated to what is left.
func (tx *Tx) ExportPurge(ctx context.Context, x *domain.Export) error {
	if _, err := tx.exportPurge(ctx, x); err != nil {
		return err
	}
	if x.OpportunityID == "" {
		return nil
	}
	_, err := tx.purgeOpportunity(ctx, x.ConnectionID, x.OpportunityID)
	return err
}

// exportPurge empties one export and drops its webhooks; it reports how
// many webhooks it dropped.
func (tx *Tx) exportPurge(ctx context.Context, x *domain.Export) (int64, error) {
	needles := append([]string{x.ID}, x.Profile.Emails...)
	x.Profile, x.CV, x.CVName, x.CVURL, x.RecruiterEmail = domain.Profile{}, nil, "", "", ""
	x.Status, x.LastError = domain.ExportDeleted, ""
	if x.DeletedAt.IsZero() {
		x.DeletedAt = tx.now
	}
	if err := tx.ExportUpdate(ctx, x); err != nil {
		return 0, err
	}
	// Journal rows written before the opportunity existed carry no
	// opportunity id: they are found by their key.
	if _, err := tx.exec(ctx, `UPDATE effects SET payload = '{}', result = '', last_error = '' WHERE key LIKE ?`, "exp:"+x.ID+":%"); err != nil {
		return 0, err
	}
	n, err := tx.dropMessages(ctx, "hook:"+x.ProviderID+":export:"+x.ID, "export:"+x.ID)
	if err != nil {
		return n, err
	}
	_, err = tx.forgetAnswers(ctx, needles)
	return n, err
}

// purgeOpportunity removes what the orders, events and journal of one
// opportunity hold about the candidate.
func (tx *Tx) purgeOpportunity(ctx context.Context, connectionID, opportunityID string) (PurgeStats, error) {
	var st PurgeStats
	secrets := []string{opportunityID}
	rows, err := tx.query(ctx, `SELECT id, provider_id, candidate FROM orders WHERE connection_id = ? AND opportunity_id = ?`, connectionID, opportunityID)
	if err != nil {
		return st, err
	}
	var queues []string
	for rows.Next() {
		var id, prov, cand string
		if err := rows.Scan(&id, &prov, &cand); err != nil {
			rows.Close()
			return st, err
		}
		var c domain.Candidate
		_ = json.Unmarshal([]byte(cand), &c)
		secrets = append(secrets, id, c.Email)
		queues = append(queues, "hook:"+prov+":order:"+id)
		st.Orders++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, err
	}
	empty, _ := json.Marshal(domain.Candidate{})
	if _, err := tx.exec(ctx, `UPDATE orders SET candidate = ?, result = NULL, candidate_url = '', evaluation_url = '', last_error = '',
		purged_at = CASE WHEN purged_at = 0 THEN ? ELSE purged_at END WHERE connection_id = ? AND opportunity_id = ?`,
		string(empty), ms(tx.now), connectionID, opportunityID); err != nil {
		return st, err
	}
	if _, err := tx.exec(ctx, `UPDATE order_events SET payload = '{}' WHERE order_id IN (SELECT id FROM orders WHERE connection_id = ? AND opportunity_id = ?)`,
		connectionID, opportunityID); err != nil {
		return st, err
	}
	if _, err := tx.exec(ctx, `UPDATE effects SET payload = '{}', result = '', last_error = '' WHERE connection_id = ? AND opportunity_id = ?`, connectionID, opportunityID); err != nil {
		return st, err
	}
	if _, err := tx.exec(ctx, `UPDATE lever_events SET payload = '{}' WHERE connection_id = ? AND opportunity_id = ?`, connectionID, opportunityID); err != nil {
		return st, err
	}
	if st.Messages, err = tx.dropMessages(ctx, queues...); err != nil {
		return st, err
	}
	st.Answers, err = tx.forgetAnswers(ctx, secrets)
	return st, err
}

// OrderPurged reports whether an order's candidate was purged: such an
// order takes no more events.
func (tx *Tx) OrderPurged(ctx context.Context, id string) (bool, error) {
	var at int64
	if err := tx.queryRow(ctx, `SELECT purged_at FROM orders WHERE id = ?`, id).Scan(&at); err != nil {
		return false, err
	}
	return at != 0, nil
}

// dropMessages deletes the jobs of the given queues, whatever their state:
// a webhook not yet delivered carries the candidate's data as it was when
// it was recorded, and must not reach the provider after the purge.
func (tx *Tx) dropMessages(ctx context.Context, queues ...string) (int64, error) {
	var n int64
	for _, q := range queues {
		res, err := tx.exec(ctx, `DELETE FROM jobs WHERE queue_key = ?`, q)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// forgetAnswers replaces every stored answer to an Idempotency-Key that
// mentions one of needles (ids of the candidate's records, their e-mail)
// by PurgedIdempotentBody. The key itself stays, so that a replayed request
// is not run a second time.
func (tx *Tx) forgetAnswers(ctx context.Context, needles []string) (int64, error) {
	// The body is a BLOB (SQLite) or BYTEA (PostgreSQL): compare bytes.
	cond := `instr(CAST(body AS TEXT), ?) > 0`
	if tx.db.dialect == Postgres {
		cond = `position(convert_to(?, 'UTF8') in body) > 0`
	}
	var n int64
	seen := map[string]bool{}
	for _, s := range needles {
		s = strings.TrimSpace(s)
		// Too short a needle would match answers about other candidates.
		if len(s) < 6 || seen[s] {
			continue
		}
		seen[s] = true
		res, err := tx.exec(ctx, `UPDATE idempotency_keys SET status = 410, body = ? WHERE `+cond, []byte(PurgedIdempotentBody), s)
		if err != nil {
			return n, fmt.Errorf("purge idempotency answers: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	return n, nil
}

// Checkpoint copies SQLite's write-ahead log into the database file and
// truncates the log, so that the page images of rows a purge overwrote do
// not stay in the log. It does nothing on PostgreSQL.
func (d *DB) Checkpoint(ctx context.Context) error {
	if d.dialect != SQLite {
		return nil
	}
	var busy, logPages, done int
	if err := d.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if busy != 0 {
		return fmt.Errorf("checkpoint: the log is in use (%d of %d pages copied); the next checkpoint copies the rest", done, logPages)
	}
	return nil
}
