package api

import (
	"net/http"

	"stagecoach/internal/domain"
	"stagecoach/internal/web"
)

// handlePostingSyncCreate asks for a sync of an interview service
// integration's postings now; the job.synced and job.removed webhooks follow.
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
	if err := a.eng.SyncPostings(r.Context(), in.ConnectionID); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "queued"})
	return nil
}
