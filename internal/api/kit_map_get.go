package api

import (
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/web"
)

// handleKitMapGet returns a video interview integration's kit map.
func (a *API) handleKitMapGet(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	in, prov, s, err := a.eng.ProviderIntegration(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if prov.Kind != domain.KindVideoInterview {
		return domain.Errorf(domain.EInvalid, "integration %s is of a %s provider: only video interview integrations have a kit map", in.ID, prov.Kind)
	}
	web.WriteJSON(w, http.StatusOK, engine.KitMapOf(s))
	return nil
}
