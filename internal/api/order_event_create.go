package api

import (
	"net/http"

	"stagecoach/internal/engine"
	"stagecoach/internal/web"
)

// handleOrderEventCreate records what the provider reports about one of its
// orders and answers with the order as it now is. An event the order's
// status does not allow is a 409 conflict and changes nothing.
func (a *API) handleOrderEventCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var in engine.OrderEventInput
	if err := web.DecodeJSON(r, &in, eventMaxBody); err != nil {
		return err
	}
	o, err := a.eng.ReportOrderEvent(r.Context(), p.ID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, engine.ViewOrder(o))
	return nil
}
