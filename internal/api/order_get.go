package api

import (
	"context"
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// providerOrder returns one of the provider's orders; another provider's
// order is not_found, exactly like a missing one.
func (a *API) providerOrder(ctx context.Context, providerID, id string) (*domain.Order, error) {
	var o *domain.Order
	err := a.db.ReadTx(ctx, func(tx *store.Tx) (err error) {
		o, err = tx.OrderGet(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if o.ProviderID != providerID {
		return nil, domain.Errorf(domain.ENotFound, "order %q not found", id)
	}
	return o, nil
}

func (a *API) handleOrderGet(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	o, err := a.providerOrder(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, engine.ViewOrder(o))
	return nil
}
