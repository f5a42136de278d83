package cli

import (
	"context"
	"flag"

	"stagecoach/internal/app"
	"stagecoach/internal/store"
)

// exportsFlags is `stagecoach exports`: the sourcing exports, with the
// opportunity each became and what went wrong.
func exportsFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	conn := fs.String("connection", "", "only this connection's exports")
	prov := fs.String("provider", "", "only this provider's exports")
	status := fs.String("status", "", "only exports in this status: pending, exported, failed or deleted")
	limit := fs.Int("limit", 50, "how many exports (oldest update first)")
	return func(ctx context.Context, c *call) error {
		xs, _, err := c.admin.Exports(ctx, store.ExportFilter{ConnectionID: *conn, ProviderID: *prov, Status: *status, Limit: *limit})
		if err != nil {
			return err
		}
		t := newRows("ID", "PROVIDER", "CANDIDATE", "STATUS", "OUTCOME", "STAGE", "OPPORTUNITY", "LAST ERROR")
		for _, x := range xs {
			cand := x.ProviderCandidateID
			if x.Pseudonym != "" {
				cand += " (" + x.Pseudonym + ")"
			}
			t.add(x.ID, x.ProviderID, cand, x.Status, x.Outcome, x.ProviderStage, x.OpportunityID, x.LastError)
		}
		return t.print(c)
	}
}
