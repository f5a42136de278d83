package cli

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"stagecoach/internal/app"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// runExports is `stagecoach exports`: the sourcing exports, with the
// opportunity each became and what went wrong.
func runExports(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("exports", stderr)
	var cfg app.Config
	storeFlags(fs, &cfg)
	conn := fs.String("connection", "", "only this connection's exports")
	prov := fs.String("provider", "", "only this provider's exports")
	status := fs.String("status", "", "only exports in this status: pending, exported, failed or deleted")
	limit := fs.Int("limit", 50, "how many exports (oldest update first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withEngine(ctx, cfg, func(e *engine.Engine) error {
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			xs, _, err := tx.ExportList(ctx, store.ExportFilter{ConnectionID: *conn, ProviderID: *prov, Status: *status, Limit: *limit})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROVIDER\tCANDIDATE\tSTATUS\tOUTCOME\tSTAGE\tOPPORTUNITY\tLAST ERROR")
			for _, x := range xs {
				cand := x.ProviderCandidateID
				if x.Pseudonym != "" {
					cand += " (" + x.Pseudonym + ")"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.ProviderID, cand, x.Status, x.Outcome, x.ProviderStage, x.OpportunityID, x.LastError)
			}
			return tw.Flush()
		})
	})
}
