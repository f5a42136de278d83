package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/interviewservice"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// Job sync: Lever sends no webhook when a posting changes, so stagecoach
// polls. A sync lists only the postings that carry an integration's
// jobSyncTag (Lever filters by tag, 100 a page), compares each with the hash
// of what the provider last got, and sends only what changed: job.synced
// for a new or edited job, job.removed for one whose tag went, or that was
// closed or deleted. A posting that left the list costs one GET to say why.
// Every call goes through the connection's rate limiter.

// JobPostingSync is the job kind of a connection's posting sync. Stored:
// never rename it.
const JobPostingSync = "posting_sync"

// Provider webhook types of the job sync.
const (
	WebhookJobSynced  = interviewservice.WebhookJobSynced
	WebhookJobRemoved = interviewservice.WebhookJobRemoved
)

// Reasons a job is removed.
const (
	RemovedTagRemoved = "tag_removed"
	RemovedClosed     = "closed"
	RemovedDeleted    = "deleted"
)

// DefaultPostingSyncInterval is how often postings are polled when the
// engine's PostingSyncInterval is zero.
const DefaultPostingSyncInterval = 5 * time.Minute

// postingSyncArgs poll one connection's postings for its interview
// service integrations.
type postingSyncArgs struct {
	ConnectionID string `json:"connectionId"`
}

func (postingSyncArgs) Kind() string                 { return JobPostingSync }
func (a postingSyncArgs) QueueKey() string           { return "postings:" + a.ConnectionID }
func (postingSyncArgs) InsertOpts() queue.InsertOpts { return queue.InsertOpts{MaxAttempts: 5} }

// JobJSON is a posting as an interview service provider gets it.
type JobJSON struct {
	ConnectionID  string   `json:"connectionId"`
	IntegrationID string   `json:"integrationId"`
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	State         string   `json:"state"`
	Team          string   `json:"team,omitempty"`
	Department    string   `json:"department,omitempty"`
	Location      string   `json:"location,omitempty"`
	Commitment    string   `json:"commitment,omitempty"`
	Owner         OwnerRef `json:"owner"`
	HiringManager OwnerRef `json:"hiringManager"`
	URL           string   `json:"url,omitempty"`
}

// RemovedJobJSON is the data of a job.removed webhook.
type RemovedJobJSON struct {
	ConnectionID  string `json:"connectionId"`
	IntegrationID string `json:"integrationId"`
	ID            string `json:"id"`
	Title         string `json:"title"`
	// Reason is tag_removed, closed or deleted.
	Reason string `json:"reason"`
}

func jobOf(conn *domain.Connection, integ *domain.Integration, p *ats.Job) JobJSON {
	return JobJSON{
		ConnectionID: conn.ID, IntegrationID: integ.ID, ID: p.ID, Title: p.Title, State: p.State,
		Team: p.Team, Department: p.Department, Location: p.Location, Commitment: p.Commitment,
		Owner:         OwnerRef{ID: p.Owner.ID, Name: p.Owner.Name, Email: p.Owner.Email},
		HiringManager: OwnerRef{ID: p.HiringManager.ID, Name: p.HiringManager.Name, Email: p.HiringManager.Email},
		URL:           p.URL,
	}
}

func hashJob(j JobJSON) string {
	sum := sha256.Sum256(mustJSON(j))
	return hex.EncodeToString(sum[:])
}

// closedState reports whether a posting in state takes no candidates.
func closedState(state string) bool { return state == "closed" || state == "rejected" }

// SyncPostings enqueues a posting sync of a connection now, unless one
// already waits to run; it reports whether it enqueued one.
func (e *Engine) SyncPostings(ctx context.Context, connectionID string) (queued bool, err error) {
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConnectionGet(ctx, connectionID); err != nil {
			return err
		}
		// One waiting sync lists every posting when it runs: a second
		// would only spend the connection's Lever rate limit again.
		args := postingSyncArgs{ConnectionID: connectionID}
		waiting, err := queue.Waiting(ctx, tx, args)
		if err != nil || waiting {
			return err
		}
		queued, err = queue.Insert(ctx, tx, args, nil)
		return err
	})
	if queued {
		e.q.Notify()
	}
	return queued, err
}

// PostingSyncScheduler returns the loop that enqueues a posting sync of
// every active connection each PostingSyncInterval, once per interval
// across the processes sharing the database.
func (e *Engine) PostingSyncScheduler() *Schedule {
	return &Schedule{e: e, name: "posting-sync-scheduler", what: "posting sync", every: orDefault(e.cfg.PostingSyncInterval, DefaultPostingSyncInterval),
		enqueue: perConnection("postings", nil, func(id string) queue.Args { return postingSyncArgs{ConnectionID: id} })}
}

// PostingSyncStats counts what one sync did.
type PostingSyncStats struct {
	Listed, Synced, Removed, Unchanged int
}

func (e *Engine) workPostingSync(ctx context.Context, job *queue.Job, args postingSyncArgs) error {
	_, err := e.SyncPostingsNow(ctx, args.ConnectionID)
	if store.IsNotFound(err) {
		return queue.Cancel(err)
	}
	if domain.ErrorCode(err) == domain.EConflict {
		return queue.Snooze(time.Minute, err.Error())
	}
	return err
}

// SyncPostingsNow syncs the postings of a connection's interview service
// integrations and returns what it did, by integration id. The webhooks it
// records are delivered by the job runner.
func (e *Engine) SyncPostingsNow(ctx context.Context, connectionID string) (map[string]PostingSyncStats, error) {
	var conn *domain.Connection
	if err := e.db.InTx(ctx, func(tx *store.Tx) (err error) { conn, err = tx.ConnectionGet(ctx, connectionID); return }); err != nil {
		return nil, err
	}
	switch conn.Status {
	case domain.ConnBroken:
		return nil, domain.Errorf(domain.EConflict, "connection %s is broken: reconnect it first", conn.ID)
	case domain.ConnDisconnected:
		return nil, domain.Errorf(domain.EConflict, "connection %s is disconnected", conn.ID)
	}
	routes, err := e.routes(ctx, conn.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]PostingSyncStats{}
	for _, r := range routes {
		if !flow.Is[flow.JobSyncer](r.provider.Kind) {
			continue
		}
		st, err := e.syncIntegrationPostings(ctx, conn, r)
		if err != nil {
			return out, err
		}
		out[r.integ.ID] = st
		if st.Synced+st.Removed > 0 {
			e.log.Info("postings synced", slog.String("connection_id", conn.ID), slog.String("integration_id", r.integ.ID),
				slog.Int("listed", st.Listed), slog.Int("synced", st.Synced), slog.Int("removed", st.Removed), slog.Int("unchanged", st.Unchanged))
		}
	}
	return out, nil
}

// syncIntegrationPostings brings one integration's provider up to date with
// the postings carrying its tag.
func (e *Engine) syncIntegrationPostings(ctx context.Context, conn *domain.Connection, r route) (PostingSyncStats, error) {
	d, err := e.Driver(conn)
	if err != nil {
		return PostingSyncStats{}, err
	}
	var rows []*domain.SyncedPosting
	if err := e.db.InTx(ctx, func(tx *store.Tx) (err error) { rows, err = tx.SyncedPostingList(ctx, r.integ.ID); return }); err != nil {
		return PostingSyncStats{}, err
	}
	// Confidential postings too, when the credentials may see them.
	params := ats.JobListing{Tag: r.settings.JobSyncTag, Confidential: true}
	st, err := e.syncTagged(ctx, conn, r, d, params, rows)
	if errors.Is(err, errNoConfidential) {
		e.log.Info("no access to confidential postings: syncing the others", slog.String("connection_id", conn.ID))
		params.Confidential = false
		st, err = e.syncTagged(ctx, conn, r, d, params, rows)
	}
	return st, err
}

var errNoConfidential = errors.New("no access to confidential postings")

// syncTagged lists the tagged postings and sends what changed since rows.
func (e *Engine) syncTagged(ctx context.Context, conn *domain.Connection, r route, d ats.FlowDriver, params ats.JobListing, rows []*domain.SyncedPosting) (PostingSyncStats, error) {
	var st PostingSyncStats
	known := map[string]*domain.SyncedPosting{}
	for _, row := range rows {
		known[row.PostingID] = row
	}
	listed := map[string]bool{}
	for p, err := range d.JobsWithTag(ctx, params) {
		if errors.Is(err, ats.ErrForbidden) && params.Confidential && st.Listed == 0 {
			return st, errNoConfidential
		}
		if err != nil {
			return st, e.leverError(ctx, conn.ID, err)
		}
		st.Listed++
		listed[p.ID] = true
		if closedState(p.State) {
			if row := known[p.ID]; row != nil && row.Status == domain.PostingSynced {
				if err := e.removeJob(ctx, conn, r, row, RemovedClosed); err != nil {
					return st, err
				}
				st.Removed++
			}
			continue
		}
		changed, err := e.syncJob(ctx, conn, r, known[p.ID], p)
		if err != nil {
			return st, err
		}
		if changed {
			st.Synced++
		} else {
			st.Unchanged++
		}
	}
	for _, row := range rows {
		if listed[row.PostingID] || row.Status != domain.PostingSynced {
			continue
		}
		reason := RemovedTagRemoved
		p, err := d.Job(ctx, row.PostingID)
		switch {
		case errors.Is(err, ats.ErrNotFound):
			reason = RemovedDeleted
		case errors.Is(err, ats.ErrForbidden):
			// A confidential posting the credentials can no longer see.
			reason = RemovedDeleted
		case err != nil:
			return st, e.leverError(ctx, conn.ID, err)
		case closedState(p.State):
			reason = RemovedClosed
		}
		if err := e.removeJob(ctx, conn, r, row, reason); err != nil {
			return st, err
		}
		st.Removed++
	}
	return st, nil
}

// syncJob sends a posting as a job unless the provider has it as it is. It
// reports whether it sent it.
func (e *Engine) syncJob(ctx context.Context, conn *domain.Connection, r route, row *domain.SyncedPosting, p *ats.Job) (bool, error) {
	job := jobOf(conn, r.integ, p)
	hash := hashJob(job)
	if row != nil && row.Status == domain.PostingSynced && row.ContentHash == hash {
		return false, nil
	}
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		sp := &domain.SyncedPosting{IntegrationID: r.integ.ID, PostingID: p.ID, Title: p.Title, ContentHash: hash, Status: domain.PostingSynced}
		if row != nil {
			sp.CreatedAt = row.CreatedAt
		}
		if err := tx.SyncedPostingPut(ctx, sp); err != nil {
			return err
		}
		return e.EnqueueProviderMessage(ctx, tx, r.provider.ID, "posting:"+p.ID, WebhookJobSynced, job)
	})
	if err == nil {
		e.q.Notify()
	}
	return err == nil, err
}

func (e *Engine) removeJob(ctx context.Context, conn *domain.Connection, r route, row *domain.SyncedPosting, reason string) error {
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		sp := *row
		sp.Status, sp.Reason, sp.ContentHash = domain.PostingRemoved, reason, ""
		if err := tx.SyncedPostingPut(ctx, &sp); err != nil {
			return err
		}
		return e.EnqueueProviderMessage(ctx, tx, r.provider.ID, "posting:"+row.PostingID, WebhookJobRemoved,
			RemovedJobJSON{ConnectionID: conn.ID, IntegrationID: r.integ.ID, ID: row.PostingID, Title: row.Title, Reason: reason})
	})
	if err == nil {
		e.q.Notify()
	}
	return err
}

// serviceJob is what an interview service order needs of its posting: the
// posting must carry the integration's tag. It syncs the job first when the
// provider does not have it as it is, and returns it for order.created, or
// says why there is no order.
func (e *Engine) serviceJob(ctx context.Context, conn *domain.Connection, r route, postingID string) (*JobJSON, string, error) {
	if postingID == "" {
		return nil, "the opportunity has no posting, so there is no job to interview for", nil
	}
	d, err := e.Driver(conn)
	if err != nil {
		return nil, "", err
	}
	p, err := d.Job(ctx, postingID)
	if errors.Is(err, ats.ErrNotFound) {
		return nil, fmt.Sprintf("posting %s no longer exists in Lever", postingID), nil
	}
	if err != nil {
		return nil, "", e.leverError(ctx, conn.ID, err)
	}
	if !containsExact(p.Tags, r.settings.JobSyncTag) {
		return nil, fmt.Sprintf("posting %q does not carry the tag %q, so %s has no job for it", p.Title, r.settings.JobSyncTag, r.provider.Name), nil
	}
	if closedState(p.State) {
		return nil, fmt.Sprintf("posting %q is %s", p.Title, p.State), nil
	}
	var row *domain.SyncedPosting
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.SyncedPostingList(ctx, r.integ.ID)
		for _, x := range rows {
			if x.PostingID == p.ID {
				row = x
			}
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	if _, err := e.syncJob(ctx, conn, r, row, p); err != nil {
		return nil, "", err
	}
	job := jobOf(conn, r.integ, p)
	return &job, "", nil
}
