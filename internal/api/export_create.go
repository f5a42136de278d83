package api

import (
	"net/http"

	"stagecoach/internal/engine"
	"stagecoach/internal/web"
)

// exportMaxBody caps an export: a 10 MiB CV is about 13.4 MiB in base64,
// plus the profile.
const exportMaxBody = 15 << 20

// handleExportCreate exports a candidate into Lever: 201 with the new
// export, or 200 when the provider exported the candidate before (the
// record is updated; Lever never gets a second opportunity).
func (a *API) handleExportCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var in engine.ExportInput
	if err := web.DecodeJSON(r, &in, exportMaxBody); err != nil {
		return err
	}
	x, created, err := a.eng.Export(r.Context(), p, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	web.WriteJSON(w, status, engine.ViewExport(x))
	return nil
}
