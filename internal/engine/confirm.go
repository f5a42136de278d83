package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// confirmedEvents are the events stagecoach does not act on from the
// webhook's word alone: the destructive ones (an order cancelled, an export's
// personal data purged, a provider told a candidate was hired), and the
// interview events, whose interviewId and panelId Lever's documentation does
// not show. Before acting, the opportunity (or interview) is read back from
// Lever and what Lever shows decides.
var confirmedEvents = []ats.EventKind{
	ats.EventDeleted, ats.EventArchived, ats.EventHired,
	ats.EventInterviewCreated, ats.EventInterviewUpdated, ats.EventInterviewDeleted,
}

// leverFacts is what the ATS showed when an event was read back.
type leverFacts struct {
	interview *ats.Interview // interviewCreated/Updated: the interview as the ATS has it
}

// confirmEvent reads back from the ATS what ev claims. It returns the facts
// and "" when the ATS confirms it, else why not (and nothing is to be done).
// For an archive change it replaces the event's archived state with the one
// the ATS shows; for interview events data.PanelID with the interview's
// panel.
func (e *Engine) confirmEvent(ctx context.Context, conn *domain.Connection, ev *domain.LeverEvent, data *ats.Event) (*leverFacts, string, error) {
	facts := &leverFacts{}
	d, err := e.Driver(conn)
	if err != nil {
		return nil, "", err
	}
	oppID := ev.OpportunityID
	// getOpp reads the application; nil when it is gone (deleted).
	getOpp := func() (*ats.Application, error) {
		app, err := d.Application(ctx, oppID)
		if errors.Is(err, ats.ErrNotFound) {
			return nil, nil
		}
		return app, err
	}
	switch data.Kind {
	case ats.EventDeleted:
		opp, err := getOpp()
		if err != nil {
			return nil, "", err
		}
		if opp != nil {
			return nil, fmt.Sprintf("Lever does not confirm the deletion: opportunity %s is still there (%s), so nothing was purged or cancelled", oppID, oppState(opp)), nil
		}
		return facts, "", nil
	case ats.EventArchived:
		opp, err := getOpp()
		if err != nil {
			return nil, "", err
		}
		if opp == nil {
			return nil, fmt.Sprintf("opportunity %s is not in Lever any more; its deletion decides what happens", oppID), nil
		}
		if claimed := data.Archived; claimed != nil && *claimed != opp.Archived {
			return nil, fmt.Sprintf("Lever does not confirm the archive change: the webhook says the opportunity was %s, Lever shows it %s, so nothing was cancelled or passed on", archivedWord(*claimed), oppState(opp)), nil
		}
		archived := opp.Archived
		data.Archived, data.ArchivedAt, data.ArchiveReasonID = &archived, opp.ArchivedAt, opp.ArchiveReasonID
		return facts, "", nil
	case ats.EventHired:
		opp, err := getOpp()
		if err != nil {
			return nil, "", err
		}
		if opp == nil {
			return nil, fmt.Sprintf("Lever does not confirm the hire: opportunity %s is not in Lever any more", oppID), nil
		}
		if !opp.Archived {
			return nil, fmt.Sprintf("Lever does not confirm the hire: opportunity %s is %s, not archived as hired, so nothing was passed on", oppID, oppState(opp)), nil
		}
		reasons, err := d.ArchiveReasons(ctx)
		if err != nil {
			return nil, "", err
		}
		if !ats.Hired(opp, reasons) {
			text := opp.ArchiveReasonID
			if i := slices.IndexFunc(reasons, func(r ats.ArchiveReason) bool { return r.ID == opp.ArchiveReasonID }); i >= 0 {
				text = reasons[i].Name
			}
			return nil, fmt.Sprintf("Lever does not confirm the hire: opportunity %s is archived for %q, not a hired reason, so nothing was passed on", oppID, text), nil
		}
		return facts, "", nil
	case ats.EventInterviewCreated, ats.EventInterviewUpdated, ats.EventInterviewDeleted:
		if data.InterviewID == "" {
			return nil, "the webhook names no interview, so there is nothing to read back from Lever", nil
		}
		iv, err := d.Interview(ctx, oppID, data.InterviewID)
		if errors.Is(err, ats.ErrNotFound) {
			iv, err = nil, nil
		}
		if err != nil {
			return nil, "", err
		}
		if data.Kind == ats.EventInterviewDeleted {
			if iv != nil {
				return nil, fmt.Sprintf("Lever does not confirm the deletion: interview %s is still on opportunity %s, so nothing was passed on", data.InterviewID, oppID), nil
			}
			data.PanelID = "" // nothing in Lever to check it against
			return facts, "", nil
		}
		if iv == nil {
			return nil, fmt.Sprintf("Lever shows no interview %s on opportunity %s, so nothing was passed on", data.InterviewID, oppID), nil
		}
		data.PanelID = iv.PanelID
		facts.interview = iv
		return facts, "", nil
	}
	return facts, "", nil
}

func archivedWord(archived bool) string {
	if archived {
		return "archived"
	}
	return "unarchived"
}

func oppState(o *ats.Application) string {
	if o.Archived {
		return "archived"
	}
	return "active"
}

// concernedIntegrations returns the integrations an event about an
// opportunity would act for: those of its live exports, and for an archive
// change or a deletion those of its orders (open ones for an archive).
// Empty means the event needs no reading back.
func (e *Engine) concernedIntegrations(ctx context.Context, conn *domain.Connection, ev *domain.LeverEvent, kind ats.EventKind) ([]string, error) {
	var ids []string
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		exports, err := tx.ExportsByOpportunity(ctx, conn.ID, ev.OpportunityID)
		if err != nil {
			return err
		}
		for _, x := range exports {
			if x.Status != domain.ExportDeleted && !slices.Contains(ids, x.IntegrationID) {
				ids = append(ids, x.IntegrationID)
			}
		}
		// Orders act only on an archive (cancelled) and a deletion (purged,
		// finished ones too); a hire or an interview event is passed on to
		// exports alone. So an order never makes stagecoach read archive
		// reasons or interviews, which the order kinds' scopes do not
		// cover (a hire reaches an order as the archive change Lever sends
		// with it).
		if kind != ats.EventArchived && kind != ats.EventDeleted {
			return nil
		}
		statuses := openOrderStatuses
		if kind == ats.EventDeleted {
			statuses = nil
		}
		orders, _, err := tx.OrderList(ctx, store.OrderFilter{ConnectionID: conn.ID, OpportunityID: ev.OpportunityID, Limit: 100, Statuses: statuses})
		if err != nil {
			return err
		}
		for _, o := range orders {
			if !slices.Contains(ids, o.IntegrationID) {
				ids = append(ids, o.IntegrationID)
			}
		}
		return nil
	})
	return ids, err
}

// openOrderStatuses are the statuses of an order an archive or deletion
// cancels.
var openOrderStatuses = []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted}

// refuseEvent records, for each integration concerned, that an event was
// not acted on and why, once (a retried job writes nothing twice).
func (e *Engine) refuseEvent(ctx context.Context, log *slog.Logger, ev *domain.LeverEvent, integrations []string, reason string) error {
	log.Warn("Lever event not confirmed by Lever: nothing done", slog.String("reason", reason))
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		prior, err := tx.DecisionList(ctx, ev.ID)
		if err != nil {
			return err
		}
		for _, id := range integrations {
			if slices.ContainsFunc(prior, func(d *domain.Decision) bool { return d.IntegrationID == id }) {
				continue
			}
			if err := tx.DecisionInsert(ctx, &domain.Decision{EventID: ev.ID, IntegrationID: id, OpportunityID: ev.OpportunityID, Decision: domain.DecisionIgnored, Reason: reason}); err != nil {
				return err
			}
		}
		return nil
	})
}
