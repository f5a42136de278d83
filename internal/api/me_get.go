package api

import (
	"net/http"

	"stagecoach/internal/web"
)

// providerJSON is the calling provider (GET /v1/me).
type providerJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func (a *API) handleMeGet(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, providerJSON{ID: p.ID, Name: p.Name, Kind: p.Kind})
	return nil
}
