package engine

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow/sourcing"
	"stagecoach/internal/store"
)

// routeExports passes a Lever event about an exported candidate to the
// sourcing provider that exported it, as a signed webhook
// "export.<Lever event name>". Events about opportunities no export made are
// not passed on. candidateDeleted also purges the export's personal data.
// Destructive and interview events reach it confirmed by Lever (facts).
func (e *Engine) routeExports(ctx context.Context, log *slog.Logger, conn *domain.Connection, ev *domain.LeverEvent, data ats.Event, facts *leverFacts) error {
	if !slices.Contains(exportEvents, data.Kind) || ev.OpportunityID == "" {
		return nil
	}
	var exports []*domain.Export
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		exports, err = tx.ExportsByOpportunity(ctx, conn.ID, ev.OpportunityID)
		return err
	})
	if err != nil || len(exports) == 0 {
		return err
	}
	routes, err := e.routes(ctx, conn.ID)
	if err != nil {
		return err
	}
	for _, x := range exports {
		if x.Status == domain.ExportDeleted {
			continue
		}
		routed := false
		for _, r := range routes {
			if r.integ.ID == x.IntegrationID {
				routed = true
				if err := e.routeExportEvent(ctx, log, conn, ev, data, facts, r, x); err != nil {
					return err
				}
			}
		}
		if !routed && data.Kind == ats.EventDeleted {
			// The integration is switched off: nobody is told, but the
			// personal data goes all the same.
			err := e.db.InTx(ctx, func(tx *store.Tx) error {
				cur, err := tx.ExportGet(ctx, x.ID)
				if err != nil || cur.Status == domain.ExportDeleted {
					return err
				}
				return tx.ExportPurge(ctx, cur)
			})
			if err != nil {
				return err
			}
			log.Info("purged the personal data of an export of a disabled integration", slog.String("export_id", x.ID))
		}
	}
	return nil
}

// leverToProviderStage maps a Lever stage to the provider's: leverStageMap
// first, else the inverse of stageMap (the provider's current stage when
// several map to it), else "".
func leverToProviderStage(s Settings, stages []ats.Stage, stageID, current string) string {
	for _, k := range sortedStringKeys(s.LeverStageMap) {
		if st, err := findStage(stages, k); err == nil && st.ID == stageID {
			return s.LeverStageMap[k]
		}
	}
	var cands []string
	for p, l := range s.StageMap {
		if st, err := findStage(stages, l); err == nil && st.ID == stageID {
			cands = append(cands, p)
		}
	}
	if slices.Contains(cands, current) {
		return current
	}
	sort.Strings(cands)
	if len(cands) > 0 {
		return cands[0]
	}
	return ""
}

// exportChange gathers what the provider is told about an event: stage
// names, the archive reason, the interview. It reads Lever, so it runs
// before the transaction. data is as confirmed by Lever: the archived state
// and the interview's panel are Lever's, not the webhook's.
func (e *Engine) exportChange(ctx context.Context, conn *domain.Connection, ev *domain.LeverEvent, data ats.Event, facts *leverFacts) (map[string]any, error) {
	d, err := e.Driver(conn)
	if err != nil {
		return nil, err
	}
	switch data.Kind {
	case ats.EventStageChanged:
		stages, err := e.Stages(ctx, conn)
		if err != nil {
			return nil, err
		}
		return map[string]any{"leverStageId": data.ToStageID, "leverStage": stageText(stages, data.ToStageID),
			"fromLeverStageId": optString(data.FromStageID)}, nil
	case ats.EventArchived:
		if data.Archived == nil || !*data.Archived || data.ArchiveReasonID == "" {
			return map[string]any{"archived": false}, nil
		}
		c := map[string]any{"archived": true, "reasonId": data.ArchiveReasonID, "archivedAt": data.ArchivedAt.UTC()}
		reasons, err := d.ArchiveReasons(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range reasons {
			if r.ID == data.ArchiveReasonID {
				// Lever has two types of archive reason, hired and non-hired
				// (GET /archive_reasons, documented in Lever's API reference).
				c["reason"], c["reasonType"] = r.Name, "non-hired"
				if r.Hired {
					c["reasonType"] = "hired"
				}
			}
		}
		return c, nil
	case ats.EventHired:
		return map[string]any{"hired": true}, nil
	case ats.EventDeleted:
		return map[string]any{"deleted": true, "deletedBy": optString(data.DeletedBy)}, nil
	case ats.EventInterviewCreated, ats.EventInterviewUpdated, ats.EventInterviewDeleted:
		c := map[string]any{"interviewId": data.InterviewID, "panelId": optString(data.PanelID), "interview": nil}
		if facts != nil && facts.interview != nil {
			c["interview"] = viewInterview(facts.interview)
		}
		return c, nil
	}
	return map[string]any{}, nil
}

// interviewJSON is an interview as a sourcing provider is told about it.
// Its subject and note are left out: recruiters often write the
// candidate's name there.
type interviewJSON struct {
	ID           string            `json:"id"`
	PanelID      string            `json:"panelId,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	Duration     int               `json:"durationMinutes"`
	Timezone     string            `json:"timezone,omitempty"`
	Location     string            `json:"location,omitempty"`
	StageID      string            `json:"stageId,omitempty"`
	Interviewers []interviewerJSON `json:"interviewers"`
	CanceledAt   *time.Time        `json:"canceledAt"`
}

type interviewerJSON struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

func viewInterview(iv *ats.Interview) interviewJSON {
	v := interviewJSON{ID: iv.ID, PanelID: iv.PanelID, StartsAt: iv.Start.UTC(), Duration: int(iv.Duration / time.Minute), Timezone: iv.Timezone,
		Location: iv.Location, StageID: iv.StageID, Interviewers: []interviewerJSON{}}
	for _, in := range iv.Interviewers {
		v.Interviewers = append(v.Interviewers, interviewerJSON{Name: in.Name, Email: in.Email})
	}
	if !iv.CanceledAt.IsZero() {
		t := iv.CanceledAt.UTC()
		v.CanceledAt = &t
	}
	return v
}

// routeExportEvent tells one export's provider about one Lever event, once.
func (e *Engine) routeExportEvent(ctx context.Context, log *slog.Logger, conn *domain.Connection, ev *domain.LeverEvent, data ats.Event, facts *leverFacts, r route, x *domain.Export) error {
	change, err := e.exportChange(ctx, conn, ev, data, facts)
	if err != nil {
		return e.leverError(ctx, conn.ID, err)
	}
	var stages []ats.Stage
	if data.Kind == ats.EventStageChanged {
		if stages, err = e.Stages(ctx, conn); err != nil {
			return e.leverError(ctx, conn.ID, err)
		}
	}
	typ := sourcing.WebhookType(data.Kind)
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := tx.ExportGet(ctx, x.ID)
		if err != nil {
			return err
		}
		if x.Status == domain.ExportDeleted {
			return nil
		}
		prior, err := tx.DecisionList(ctx, ev.ID)
		if err != nil {
			return err
		}
		for _, d := range prior {
			if d.IntegrationID == r.integ.ID {
				return nil // routed on an earlier attempt
			}
		}
		d := &domain.Decision{EventID: ev.ID, IntegrationID: r.integ.ID, OpportunityID: ev.OpportunityID, Decision: domain.DecisionNotified}
		switch data.Kind {
		case ats.EventStageChanged:
			if data.ToStageID == x.LeverStageID {
				d.Decision = domain.DecisionIgnored
				d.Reason = fmt.Sprintf("export %s: the opportunity reached %q, where stagecoach moved it for %s; not echoed back", x.ID, stageText(stages, data.ToStageID), r.provider.Name)
				return tx.DecisionInsert(ctx, d)
			}
			x.LeverStageID = data.ToStageID
			// An unmapped Lever stage leaves the provider's stage unknown,
			// so that the provider's next stage report moves the
			// opportunity again.
			ps := leverToProviderStage(r.settings, stages, data.ToStageID, x.ProviderStage)
			x.ProviderStage = ps
			change["stage"] = optString(ps)
			if err := tx.ExportUpdate(ctx, x); err != nil {
				return err
			}
			d.Reason = fmt.Sprintf("export %s moved to %q in Lever; %s told (its stage: %q)", x.ID, stageText(stages, data.ToStageID), r.provider.Name, ps)
		case ats.EventDeleted:
			if err := tx.ExportPurge(ctx, x); err != nil {
				return err
			}
			d.Reason = fmt.Sprintf("export %s: the opportunity was deleted in Lever; the candidate's personal data was purged and %s told", x.ID, r.provider.Name)
		default:
			d.Reason = fmt.Sprintf("export %s: %s passed on to %s", x.ID, ev.Event, r.provider.Name)
		}
		if _, err := e.enqueueExportWebhook(ctx, tx, x, typ, "exphook:"+ev.ID+":"+x.ID, change); err != nil {
			return err
		}
		log.Info("Lever event passed on to the sourcing provider", slog.String("export_id", x.ID), slog.String("type", typ))
		return tx.DecisionInsert(ctx, d)
	})
}
