package api

import (
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/web"
)

// handlePostingSyncCreate asks for a sync of an interview service
// integration's postings now; the job.synced and job.removed webhooks follow.
// A sync that already waits to run is not queued twice: the answer says
// which (queued false, status "already_queued").
func (a *API) handlePostingSyncCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	in, prov, _, err := a.eng.ProviderIntegration(r.Context(), p.ID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if prov.Kind != domain.KindInterviewService {
		return domain.Errorf(domain.EInvalid, "integration %s is of a %s provider: only interview service integrations sync postings", in.ID, prov.Kind)
	}
	queued, err := a.eng.SyncPostings(r.Context(), in.ConnectionID)
	if err != nil {
		return err
	}
	status := "queued"
	if !queued {
		status = "already_queued"
	}
	web.WriteJSON(w, http.StatusAccepted, postingSyncJSON{Status: status, Queued: queued})
	return nil
}

// postingSyncJSON answers a posting sync request: a sync waits to run
// either way; Queued says whether this request added it.
type postingSyncJSON struct {
	Status string `json:"status"`
	Queued bool   `json:"queued"`
}
