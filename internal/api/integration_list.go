package api

import (
	"net/http"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// integrationJSON is an integration as its provider sees it: the settings
// are the effective ones, defaults filled in.
type integrationJSON struct {
	ID           string          `json:"id"`
	ConnectionID string          `json:"connectionId"`
	Enabled      bool            `json:"enabled"`
	Settings     engine.Settings `json:"settings"`
	CreatedAt    time.Time       `json:"createdAt"`
	UpdatedAt    time.Time       `json:"updatedAt"`
}

func viewIntegration(in *domain.Integration, s engine.Settings) integrationJSON {
	return integrationJSON{ID: in.ID, ConnectionID: in.ConnectionID, Enabled: in.Enabled, Settings: s, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
}

// handleIntegrationList lists the provider's integrations (one per Lever
// connection it is enabled on).
func (a *API) handleIntegrationList(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var ins []*domain.Integration
	err = a.db.ReadTx(r.Context(), func(tx *store.Tx) (err error) {
		ins, err = tx.IntegrationList(r.Context(), store.IntegrationFilter{ProviderID: p.ID})
		return err
	})
	if err != nil {
		return err
	}
	views := make([]integrationJSON, 0, len(ins))
	for _, in := range ins {
		s, err := engine.ParseSettings(in.Settings)
		if err != nil {
			return err
		}
		views = append(views, viewIntegration(in, s.WithDefaults(p)))
	}
	web.WriteJSON(w, http.StatusOK, newPage(views, ""))
	return nil
}
