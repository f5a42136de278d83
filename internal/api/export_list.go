package api

import (
	"net/http"
	"slices"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

var exportStatuses = []string{domain.ExportPending, domain.ExportExported, domain.ExportFailed, domain.ExportDeleted}

// handleExportList lists the provider's exports, oldest update first;
// filters connection, status and providerCandidateId.
func (a *API) handleExportList(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := store.ExportFilter{ProviderID: p.ID, ConnectionID: q.Get("connection"), ProviderCandidateID: q.Get("providerCandidateId"), Cursor: q.Get("cursor")}
	if s := q.Get("status"); s != "" {
		if !slices.Contains(exportStatuses, s) {
			return fieldError("status", "must be one of "+strings.Join(exportStatuses, ", "), s)
		}
		f.Status = s
	}
	if f.Limit, err = parseLimit(q.Get("limit")); err != nil {
		return err
	}
	var exports []*domain.Export
	var next string
	err = a.db.ReadTx(r.Context(), func(tx *store.Tx) (err error) {
		exports, next, err = tx.ExportList(r.Context(), f)
		return err
	})
	if err != nil {
		if f.Cursor != "" && domain.ErrorCode(err) == domain.EInvalid {
			return fieldError("cursor", "is not a cursor this API handed out", "")
		}
		return err
	}
	views := make([]engine.ExportJSON, 0, len(exports))
	for _, x := range exports {
		views = append(views, engine.ViewExport(x))
	}
	web.WriteJSON(w, http.StatusOK, newPage(views, next))
	return nil
}
