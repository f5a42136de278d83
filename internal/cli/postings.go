package cli

import (
	"context"
	"flag"
	"fmt"

	"stagecoach/internal/app"
)

// postingsSyncFlags syncs the postings interview service integrations send
// to their providers as jobs, now.
func postingsSyncFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	conn := fs.String("connection", "", "connection id (required)")
	return func(ctx context.Context, c *call) error {
		stats, err := c.engine.SyncPostingsNow(ctx, *conn)
		if err == nil {
			c.note("connection.sync_postings", "connection:"+*conn, "")
		}
		if err != nil {
			return err
		}
		if len(stats) == 0 {
			fmt.Fprintf(c.stdout, "connection %s has no enabled interview service integration\n", *conn)
		}
		for id, st := range stats {
			fmt.Fprintf(c.stdout, "integration %s: %d tagged postings in Lever, %d sent as job.synced, %d as job.removed, %d unchanged\n", id, st.Listed, st.Synced, st.Removed, st.Unchanged)
		}
		if len(stats) > 0 {
			fmt.Fprintln(c.stdout, "a running `stagecoach serve` delivers the webhooks")
		}
		return nil
	}
}

// postingsListFlags lists the postings a connection's integrations sent as
// jobs.
func postingsListFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	conn := fs.String("connection", "", "connection id (required)")
	return func(ctx context.Context, c *call) error {
		ps, err := c.admin.SyncedPostings(ctx, *conn)
		if err != nil {
			return err
		}
		t := newRows("INTEGRATION", "POSTING", "TITLE", "STATUS", "REASON", "UPDATED")
		t.timeLayout = "2006-01-02 15:04"
		for _, p := range ps {
			t.add(p.IntegrationID, p.PostingID, p.Title, p.Status, orDash(p.Reason), p.UpdatedAt)
		}
		return t.print(c)
	}
}
