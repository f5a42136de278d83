package api

import (
	"net/http"

	"stagecoach/internal/domain"
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
		offset := 0
		if cur != nil {
			offset = cur.offset
		}
		window := offset + limit + 1
		evs, err := tx.LeverEventList(r.Context(), store.LeverEventFilter{ConnectionIDs: s.connectionIDs, OpportunityID: q.Get("opportunity"), Limit: window})
		if err != nil {
			return err
		}
		more := false
		var lastEv *domain.LeverEvent
		last := 0 // how many events of evs are at or above the last one shown
		for i, ev := range evs {
			if cur != nil && !cur.olderThan(ev) {
				continue
			}
			if len(views) == limit {
				more = true
				break
			}
			v, err := viewLeverEvent(r.Context(), tx, s, ev)
			if err != nil {
				return err
			}
			views = append(views, v)
			lastEv, last = ev, i+1
		}
		// A full window may have more events beyond it.
		if len(evs) == window {
			more = true
		}
		switch {
		case !more:
		case lastEv != nil:
			next = leverEventCursor{offset: last, receivedAt: lastEv.ReceivedAt.UnixMilli(), id: lastEv.ID}.encode()
		case cur != nil:
			// Every event of the window arrived after the previous page:
			// look further down next time, from the same place.
			c := *cur
			c.offset = len(evs)
			next = c.encode()
		}
		return nil
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, newPage(views, next))
	return nil
}
