package api

import (
	"net/http"
	"time"

	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// handleLeverEventList lists, newest first, the Lever events of the
// connections the provider has integrations on, optionally for one
// opportunity, each with the decisions taken for the provider's
// integrations.
func (a *API) handleLeverEventList(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := parseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	var cur *leverEventCursor
	if s := q.Get("cursor"); s != "" {
		c, err := decodeLeverEventCursor(s)
		if err != nil {
			return err
		}
		cur = &c
	}
	views := []leverEventJSON{}
	next := ""
	err = a.db.ReadTx(r.Context(), func(tx *store.Tx) error {
		s, err := providerScope(r.Context(), tx, p.ID)
		if err != nil {
			return err
		}
		if len(s.connectionIDs) == 0 {
			return nil // an empty filter would list every connection's events
		}
		f := store.LeverEventFilter{ConnectionIDs: s.connectionIDs, OpportunityID: q.Get("opportunity"), Limit: limit + 1}
		if cur != nil {
			f.Before = &store.LeverEventKey{ReceivedAt: time.UnixMilli(cur.receivedAt), ID: cur.id}
		}
		evs, err := tx.LeverEventList(r.Context(), f)
		if err != nil {
			return err
		}
		if len(evs) > limit {
			evs = evs[:limit]
			last := evs[len(evs)-1]
			next = leverEventCursor{receivedAt: last.ReceivedAt.UnixMilli(), id: last.ID}.encode()
		}
		for _, ev := range evs {
			v, err := viewLeverEvent(r.Context(), tx, s, ev)
			if err != nil {
				return err
			}
			views = append(views, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, newPage(views, next))
	return nil
}
