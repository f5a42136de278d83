package api

import (
	"net/http"

	"stagecoach/internal/engine"
	"stagecoach/internal/web"
)

type exportStageInput struct {
	Stage string `json:"stage"`
}

// handleExportStage records a stage change at the provider; the Lever
// opportunity follows to the mapped stage.
func (a *API) handleExportStage(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var in exportStageInput
	if err := web.DecodeJSON(r, &in, defaultMaxBody); err != nil {
		return err
	}
	x, err := a.eng.ExportStage(r.Context(), p, r.PathValue("id"), in.Stage)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, engine.ViewExport(x))
	return nil
}
