package api

import (
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// handleLeverEventGet returns one Lever event of the provider's connections
// with the decisions taken for the provider's integrations.
func (a *API) handleLeverEventGet(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	var v leverEventJSON
	err = a.db.ReadTx(r.Context(), func(tx *store.Tx) error {
		s, err := providerScope(r.Context(), tx, p.ID)
		if err != nil {
			return err
		}
		ev, err := tx.LeverEventGet(r.Context(), id)
		if err != nil {
			return err
		}
		if !s.hasConnection(ev.ConnectionID) {
			return domain.Errorf(domain.ENotFound, "lever event %q not found", id)
		}
		v, err = viewLeverEvent(r.Context(), tx, s, ev)
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, v)
	return nil
}
