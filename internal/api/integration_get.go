package api

import (
	"net/http"

	"stagecoach/internal/web"
)

// handleIntegrationGet returns one of the provider's integrations.
func (a *API) handleIntegrationGet(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	in, _, s, err := a.eng.ProviderIntegration(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, viewIntegration(in, s))
	return nil
}
