package engine

import (
	"context"
	"encoding/json"
	"iter"
	"slices"
	"strconv"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/store"
)

// sweepSince is the earliest stage entry the sweep for missed webhooks
// considers for an integration: its activation, or the last change of its
// trigger stage, whichever is later. Candidates who entered the stage
// before were never sent a webhook stagecoach acted on, and turning an
// integration on must not invite everyone already sitting there.
func sweepSince(in *domain.Integration) time.Time {
	since := in.ActivatedAt
	if in.TriggerChangedAt.After(since) {
		since = in.TriggerChangedAt
	}
	if since.IsZero() {
		since = in.CreatedAt
	}
	return since
}

// StageOccupant is a candidate sitting in an integration's trigger stage
// with no live order.
type StageOccupant struct {
	OpportunityID string
	Name          string
	EnteredAt     time.Time // when they entered the stage (Lever's lastAdvancedAt)
	entered       int64
	contactID     string
}

// StageOccupants lists the candidates already in the trigger stage of an
// integration, with settings (nil: its stored ones), that have no live
// order: the candidates Activate leaves alone unless the operator includes
// them. It also returns the trigger stage's name. Archived opportunities are
// left out.
func (e *Engine) StageOccupants(ctx context.Context, integrationID string, settings json.RawMessage) (string, []StageOccupant, error) {
	var in *domain.Integration
	var conn *domain.Connection
	var p *domain.Provider
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, integrationID); err != nil {
			return err
		}
		if conn, err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
			return err
		}
		p, err = tx.ProviderGet(ctx, in.ProviderID)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if !flow.TakesOrders(p.Kind) {
		return "", nil, nil // a kind without orders (sourcing) has no trigger stage
	}
	if settings == nil {
		settings = in.Settings
	}
	s, err := ParseSettings(settings)
	if err != nil {
		return "", nil, err
	}
	s = s.WithDefaults(p)
	trigger, err := e.ResolveStage(ctx, conn, s.TriggerStage)
	if err != nil {
		return "", nil, err
	}
	d, err := e.Driver(conn)
	if err != nil {
		return "", nil, err
	}
	var out []StageOccupant
	// Confidential candidates too, when the credentials may see them, as
	// the sweep lists them.
	list := func(confidential bool) iter.Seq2[*ats.Application, error] {
		return d.ApplicationsInStage(ctx, ats.StageListing{Stage: trigger.ID, Confidential: confidential})
	}
	for opp, err := range withConfidential(conn, nil, list) {
		if err != nil {
			return "", nil, e.leverError(ctx, conn.ID, err)
		}
		live, err := e.hasLiveOrder(ctx, in.ID, opp.ID)
		if err != nil {
			return "", nil, err
		}
		if live {
			continue
		}
		out = append(out, StageOccupant{OpportunityID: opp.ID, Name: opp.Candidate.Name, EnteredAt: opp.StageEnteredAt, entered: opp.StageEnteredAt.UnixMilli(), contactID: opp.Candidate.ID})
	}
	return trigger.Name, out, nil
}

func (e *Engine) hasLiveOrder(ctx context.Context, integrationID, oppID string) (bool, error) {
	var live bool
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.OrderLive(ctx, integrationID, oppID)
		live = err == nil
		if store.IsNotFound(err) {
			err = nil
		}
		return err
	})
	return live, err
}

// OrderOccupants routes, as a sweep's finds and by the same rules as a
// webhook, the candidates among occupants (as StageOccupants listed them,
// before in was activated) that include names; those still in the trigger
// stage with no live order are ordered, and their ids returned.
func (e *Engine) OrderOccupants(ctx context.Context, in *domain.Integration, occupants []StageOccupant, include []string) ([]string, error) {
	if len(include) == 0 {
		return nil, nil
	}
	var conn *domain.Connection
	var p *domain.Provider
	if err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if conn, err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
			return err
		}
		p, err = tx.ProviderGet(ctx, in.ProviderID)
		return err
	}); err != nil {
		return nil, err
	}
	s, err := e.integrationSettings(in, p)
	if err != nil {
		return nil, err
	}
	trigger, err := e.ResolveStage(ctx, conn, s.TriggerStage)
	if err != nil {
		return nil, err
	}
	var routed []string
	for _, o := range occupants {
		if !slices.Contains(include, o.OpportunityID) {
			continue
		}
		// Routed as a sweep's find: the router orders what a webhook
		// would have, by the same rules.
		ev := &domain.LeverEvent{
			ID: domain.NewID("evt"), ConnectionID: conn.ID, Event: e.cfg.Events.Native(ats.EventStageChanged), OpportunityID: o.OpportunityID,
			DedupeKey:   "activate:" + in.ID + ":" + o.OpportunityID + ":" + strconv.FormatInt(o.entered, 10),
			TriggeredAt: o.entered, Source: SourceReconcile,
			Payload: mustJSON(map[string]string{"opportunityId": o.OpportunityID, "contactId": o.contactID, "toStageId": trigger.ID}),
		}
		ok, err := e.AcceptEvent(ctx, ev)
		if err != nil {
			return routed, err
		}
		if ok {
			routed = append(routed, o.OpportunityID)
		}
	}
	return routed, nil
}

// sameStage reports whether two trigger stage settings (ids or names) name
// the same Lever stage. When Lever cannot say (a stage it does not have, or
// an error), the settings are compared as written.
func (e *Engine) sameStage(ctx context.Context, conn *domain.Connection, a, b string) bool {
	if a == b {
		return true
	}
	sa, errA := e.ResolveStage(ctx, conn, a)
	sb, errB := e.ResolveStage(ctx, conn, b)
	return errA == nil && errB == nil && sa.ID == sb.ID
}

// TriggerStageChanges reports whether saving settings would move an
// integration's trigger stage to another Lever stage (a stage written by
// name or by id is the same stage).
func (e *Engine) TriggerStageChanges(ctx context.Context, integrationID string, settings json.RawMessage) (bool, error) {
	var in *domain.Integration
	var conn *domain.Connection
	var p *domain.Provider
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, integrationID); err != nil {
			return err
		}
		if conn, err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
			return err
		}
		p, err = tx.ProviderGet(ctx, in.ProviderID)
		return err
	})
	if err != nil {
		return false, err
	}
	old, err := ParseSettings(in.Settings)
	if err != nil {
		return false, err
	}
	next, err := ParseSettings(settings)
	if err != nil {
		return false, err
	}
	return !e.sameStage(ctx, conn, old.WithDefaults(p).TriggerStage, next.WithDefaults(p).TriggerStage), nil
}
