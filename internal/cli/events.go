package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/store"
)

func eventsFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	opp := fs.String("opportunity", "", "only this Lever opportunity's events")
	conn := fs.String("connection", "", "only this connection's events")
	limit := fs.Int("limit", 20, "how many events")
	return func(ctx context.Context, c *call) error {
		f := store.LeverEventFilter{OpportunityID: *opp, Limit: *limit}
		if *conn != "" {
			f.ConnectionIDs = []string{*conn}
		}
		evs, err := c.admin.LeverEvents(ctx, f)
		if err != nil {
			return err
		}
		if c.json {
			return printJSON(c.stdout, eventsJSON(evs))
		}
		for _, ed := range evs {
			ev := ed.Event
			fmt.Fprintf(c.stdout, "%s  %s  %s  opportunity %s  (%s, %s)\n", ev.ReceivedAt.Format("2006-01-02 15:04:05"), ev.ID, ev.Event, ev.OpportunityID, ev.Source, ev.ConnectionID)
			for _, d := range ed.Decisions {
				order := ""
				if d.OrderID != "" {
					order = " [" + d.OrderID + "]"
				}
				fmt.Fprintf(c.stdout, "    %s %s: %s%s\n", d.IntegrationID, d.Decision, d.Reason, order)
			}
		}
		return nil
	}
}

// eventJSON is an event as `events --json` prints it: what the text shows,
// not the event's payload.
type eventJSON struct {
	ID            string         `json:"id"`
	Event         string         `json:"event"`
	ConnectionID  string         `json:"connectionId"`
	OpportunityID string         `json:"opportunityId"`
	Source        string         `json:"source"`
	ReceivedAt    time.Time      `json:"receivedAt"`
	Decisions     []decisionJSON `json:"decisions"`
}

type decisionJSON struct {
	IntegrationID string `json:"integrationId"`
	Decision      string `json:"decision"`
	Reason        string `json:"reason"`
	OrderID       string `json:"orderId,omitempty"`
}

func eventsJSON(evs []admin.EventDecisions) []eventJSON {
	out := make([]eventJSON, 0, len(evs))
	for _, ed := range evs {
		ev := ed.Event
		j := eventJSON{ID: ev.ID, Event: ev.Event, ConnectionID: ev.ConnectionID, OpportunityID: ev.OpportunityID, Source: ev.Source, ReceivedAt: ev.ReceivedAt, Decisions: []decisionJSON{}}
		for _, d := range ed.Decisions {
			j.Decisions = append(j.Decisions, decisionJSON{IntegrationID: d.IntegrationID, Decision: d.Decision, Reason: d.Reason, OrderID: d.OrderID})
		}
		out = append(out, j)
	}
	return out
}
