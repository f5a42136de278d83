package api

import (
	"context"
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// providerExport returns one of the provider's exports; another provider's
// export is not_found, exactly like a missing one.
func (a *API) providerExport(ctx context.Context, providerID, id string) (*domain.Export, error) {
	var x *domain.Export
	err := a.db.ReadTx(ctx, func(tx *store.Tx) (err error) {
		x, err = tx.ExportGet(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if x.ProviderID != providerID {
		return nil, domain.Errorf(domain.ENotFound, "export %q not found", id)
	}
	return x, nil
}

func (a *API) handleExportGet(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	x, err := a.providerExport(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, engine.ViewExport(x))
	return nil
}
