package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// leverEventJSON is a Lever event with the routing decisions taken for the
// provider's integrations.
type leverEventJSON struct {
	ID            string `json:"id"`
	Event         string `json:"event"`
	OpportunityID string `json:"opportunityId"`
	// Source is "webhook" (Lever delivered it) or "reconcile" (a sweep
	// found what a lost webhook would have brought).
	Source     string         `json:"source"`
	ReceivedAt time.Time      `json:"receivedAt"`
	Decisions  []decisionJSON `json:"decisions"`
}

// decisionJSON is what stagecoach did with a Lever event for one
// integration, and why.
type decisionJSON struct {
	IntegrationID string  `json:"integrationId"`
	Decision      string  `json:"decision"`
	Reason        string  `json:"reason"`
	OrderID       *string `json:"orderId"`
}

// scope is what of the Lever events a provider may see: the events of the
// connections it has integrations on, and the decisions of its own
// integrations.
type scope struct {
	connectionIDs  []string
	integrationIDs map[string]bool
}

func (s scope) hasConnection(id string) bool {
	for _, c := range s.connectionIDs {
		if c == id {
			return true
		}
	}
	return false
}

func providerScope(ctx context.Context, tx *store.Tx, providerID string) (scope, error) {
	integs, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: providerID})
	if err != nil {
		return scope{}, err
	}
	s := scope{integrationIDs: map[string]bool{}}
	for _, in := range integs {
		s.integrationIDs[in.ID] = true
		if !s.hasConnection(in.ConnectionID) {
			s.connectionIDs = append(s.connectionIDs, in.ConnectionID)
		}
	}
	return s, nil
}

// viewLeverEvent loads an event's decisions, keeping those of the
// provider's integrations.
func viewLeverEvent(ctx context.Context, tx *store.Tx, s scope, ev *domain.LeverEvent) (leverEventJSON, error) {
	ds, err := tx.DecisionList(ctx, ev.ID)
	if err != nil {
		return leverEventJSON{}, err
	}
	v := leverEventJSON{ID: ev.ID, Event: ev.Event, OpportunityID: ev.OpportunityID, Source: ev.Source, ReceivedAt: ev.ReceivedAt, Decisions: []decisionJSON{}}
	for _, d := range ds {
		if !s.integrationIDs[d.IntegrationID] {
			continue
		}
		dj := decisionJSON{IntegrationID: d.IntegrationID, Decision: d.Decision, Reason: d.Reason}
		if d.OrderID != "" {
			id := d.OrderID
			dj.OrderID = &id
		}
		v.Decisions = append(v.Decisions, dj)
	}
	return v, nil
}

// leverEventCursor marks where a page of Lever events (newest first) ended:
// the last event shown. The next page is the events received before it, read
// from the store's index from there on, so a page deep down costs what the
// first does and events arriving meanwhile shift nothing. Encoded as
// "k|receivedAt|id"; cursors handed out before carried an offset where the k
// is, which is ignored.
type leverEventCursor struct {
	receivedAt int64 // Unix milliseconds
	id         string
}

func (c leverEventCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "k|%d|%s", c.receivedAt, c.id))
}

func decodeLeverEventCursor(s string) (leverEventCursor, error) {
	bad := fieldError("cursor", "is not a cursor this API handed out", "")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return leverEventCursor{}, bad
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 {
		return leverEventCursor{}, bad
	}
	if parts[0] != "k" {
		if offset, err := strconv.Atoi(parts[0]); err != nil || offset < 1 {
			return leverEventCursor{}, bad
		}
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || parts[2] == "" {
		return leverEventCursor{}, bad
	}
	return leverEventCursor{receivedAt: at, id: parts[2]}, nil
}
