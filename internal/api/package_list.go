package api

import (
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// handlePackageList lists the provider's published packages, in one page.
func (a *API) handlePackageList(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var pkgs []domain.Package
	err = a.db.ReadTx(r.Context(), func(tx *store.Tx) (err error) {
		pkgs, err = tx.PackageList(r.Context(), p.ID)
		return err
	})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, newPage(viewPackages(pkgs), ""))
	return nil
}
