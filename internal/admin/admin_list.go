package admin

import (
	"context"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/store"
)

// What the operator's command line lists and removes. Each method reads or
// writes in one transaction, so that a surface asks the service for what it
// shows instead of reaching into the store.

// Connections returns every connection, by id.
func (svc *Service) Connections(ctx context.Context) (cs []*domain.Connection, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error { cs, err = tx.ConnectionList(ctx); return err })
	return cs, err
}

// DeleteConnection disconnects a connection (removing the webhooks
// registered in Lever, as far as Lever can still be reached) and deletes
// it with its webhooks and integrations. It returns a not_found error for
// an unknown connection.
func (svc *Service) DeleteConnection(ctx context.Context, id string) error {
	// A connection Lever no longer accepts is deleted all the same.
	_ = svc.Disconnect(ctx, id)
	return svc.db.InTx(ctx, func(tx *store.Tx) error { return tx.ConnectionDelete(ctx, id) })
}

// Providers returns every provider, by id.
func (svc *Service) Providers(ctx context.Context) (ps []*domain.Provider, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error { ps, err = tx.ProviderList(ctx); return err })
	return ps, err
}

// DeleteProvider deletes a provider with its packages and integrations. It
// returns a not_found error for an unknown provider.
func (svc *Service) DeleteProvider(ctx context.Context, id string) error {
	return svc.db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderDelete(ctx, id) })
}

// Integration returns an integration, or a not_found error.
func (svc *Service) Integration(ctx context.Context, id string) (in *domain.Integration, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error { in, err = tx.IntegrationGet(ctx, id); return err })
	return in, err
}

// Integrations returns the integrations f selects, by id.
func (svc *Service) Integrations(ctx context.Context, f store.IntegrationFilter) (ins []*domain.Integration, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error { ins, err = tx.IntegrationList(ctx, f); return err })
	return ins, err
}

// DeleteIntegration deletes an integration. It returns a not_found error
// for an unknown integration.
func (svc *Service) DeleteIntegration(ctx context.Context, id string) error {
	return svc.db.InTx(ctx, func(tx *store.Tx) error { return tx.IntegrationDelete(ctx, id) })
}

// Jobs returns the jobs f selects, newest first.
func (svc *Service) Jobs(ctx context.Context, f store.JobFilter) (jobs []*domain.Job, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error { jobs, err = tx.JobList(ctx, f); return err })
	return jobs, err
}

// RetryDeadJob makes a dead-lettered job available again with a fresh
// attempt count. It returns a not_found error when no dead job has the id.
func (svc *Service) RetryDeadJob(ctx context.Context, id int64) error {
	return svc.db.InTx(ctx, func(tx *store.Tx) error { return tx.JobRetryDead(ctx, id) })
}

// EventDecisions is a received Lever event with what was decided about it
// for each integration, oldest decision first.
type EventDecisions struct {
	Event     *domain.LeverEvent
	Decisions []*domain.Decision
}

// LeverEvents returns the Lever events f selects, newest first, each with
// its decisions.
func (svc *Service) LeverEvents(ctx context.Context, f store.LeverEventFilter) (out []EventDecisions, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error {
		evs, err := tx.LeverEventList(ctx, f)
		if err != nil {
			return err
		}
		out = make([]EventDecisions, 0, len(evs))
		for _, ev := range evs {
			ds, err := tx.DecisionList(ctx, ev.ID)
			if err != nil {
				return err
			}
			out = append(out, EventDecisions{Event: ev, Decisions: ds})
		}
		return nil
	})
	return out, err
}

// Exports returns a page of the sourcing exports f selects, oldest update
// first, and the cursor of the next page ("" on the last).
func (svc *Service) Exports(ctx context.Context, f store.ExportFilter) (xs []*domain.Export, next string, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error { xs, next, err = tx.ExportList(ctx, f); return err })
	return xs, next, err
}

// InterviewFilter selects the interviews of one connection.
type InterviewFilter struct {
	ConnectionID string // required
	PostingID    string // empty: every posting
	ProviderID   string // empty: every video interview and interview service provider
	Status       string // empty: every status
	Limit        int    // at most this many; default 200
}

// Interviews returns the orders of video interview and interview service
// providers on a connection, oldest update first. It returns a not_found
// error for an unknown connection.
func (svc *Service) Interviews(ctx context.Context, f InterviewFilter) (out []*domain.Order, err error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConnectionGet(ctx, f.ConnectionID); err != nil {
			return err
		}
		providers, err := tx.ProviderList(ctx)
		if err != nil {
			return err
		}
		interviewer := map[string]bool{}
		for _, p := range providers {
			if flow.Is[flow.Interviewer](p.Kind) && (f.ProviderID == "" || p.ID == f.ProviderID) {
				interviewer[p.ID] = true
			}
		}
		of := store.OrderFilter{ConnectionID: f.ConnectionID, PostingID: f.PostingID, Status: f.Status, Limit: 200}
		for len(out) < f.Limit {
			orders, next, err := tx.OrderList(ctx, of)
			if err != nil {
				return err
			}
			for _, o := range orders {
				if interviewer[o.ProviderID] && len(out) < f.Limit {
					out = append(out, o)
				}
			}
			if next == "" {
				break
			}
			of.Cursor = next
		}
		return nil
	})
	return out, err
}

// SyncedPostings returns the postings the integrations of a connection sent
// to their providers as jobs, by integration.
func (svc *Service) SyncedPostings(ctx context.Context, connectionID string) (out []*domain.SyncedPosting, err error) {
	err = svc.db.ReadTx(ctx, func(tx *store.Tx) error {
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: connectionID})
		if err != nil {
			return err
		}
		for _, in := range ins {
			rows, err := tx.SyncedPostingList(ctx, in.ID)
			if err != nil {
				return err
			}
			out = append(out, rows...)
		}
		return nil
	})
	return out, err
}
