package api

import (
	"net/http"

	"stagecoach/internal/engine"
	"stagecoach/internal/web"
)

// handleKitMapPut replaces a video interview integration's kit map: which
// interview kit each Lever posting gets, and the default kit.
func (a *API) handleKitMapPut(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var in engine.KitMap
	if err := web.DecodeJSON(r, &in, defaultMaxBody); err != nil {
		return err
	}
	m, err := a.eng.SetKitMap(r.Context(), p.ID, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}
