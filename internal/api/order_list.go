package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

var orderStatuses = []string{
	domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted,
	domain.OrderCompleted, domain.OrderCancelled, domain.OrderExpired,
}

// orderFilter reads GET /v1/orders's query into a filter of the provider's
// orders, naming the parameter that is wrong.
func orderFilter(r *http.Request, providerID string) (store.OrderFilter, error) {
	q := r.URL.Query()
	f := store.OrderFilter{
		ProviderID:   providerID,
		ConnectionID: q.Get("connection"),
		PostingID:    q.Get("posting"),
		Cursor:       q.Get("cursor"),
	}
	if s := q.Get("status"); s != "" {
		if !slices.Contains(orderStatuses, s) {
			return f, fieldError("status", "must be one of "+strings.Join(orderStatuses, ", "), s)
		}
		f.Status = s
	}
	if s := q.Get("updatedSince"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return f, fieldError("updatedSince", "must be an RFC 3339 time, e.g. 2025-01-31T09:00:00Z", s)
		}
		f.UpdatedSince = t
	}
	var err error
	f.Limit, err = parseLimit(q.Get("limit"))
	return f, err
}

// handleOrderList lists the provider's orders, oldest update first.
func (a *API) handleOrderList(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	f, err := orderFilter(r, p.ID)
	if err != nil {
		return err
	}
	var orders []*domain.Order
	var next string
	err = a.db.ReadTx(r.Context(), func(tx *store.Tx) (err error) {
		orders, next, err = tx.OrderList(r.Context(), f)
		return err
	})
	if err != nil {
		if f.Cursor != "" && domain.ErrorCode(err) == domain.EInvalid {
			// The only invalid input OrderList can meet is the cursor.
			return fieldError("cursor", "is not a cursor this API handed out", "")
		}
		return err
	}
	views := make([]engine.OrderJSON, 0, len(orders))
	for _, o := range orders {
		views = append(views, engine.ViewOrder(o))
	}
	web.WriteJSON(w, http.StatusOK, newPage(views, next))
	return nil
}
