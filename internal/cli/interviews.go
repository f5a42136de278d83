package cli

import (
	"context"
	"flag"
	"fmt"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
)

// interviewsFlags is the interview listing: the orders of video interview
// and interview service providers on a connection, or on one posting.
func interviewsFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var f admin.InterviewFilter
	fs.StringVar(&f.ConnectionID, "connection", "", "connection id (required)")
	fs.StringVar(&f.PostingID, "posting", "", "only this Lever posting's interviews")
	fs.StringVar(&f.ProviderID, "provider", "", "only this provider's interviews")
	fs.StringVar(&f.Status, "status", "", "only interviews in this status (created, invited, scheduled, started, completed, cancelled, expired)")
	fs.IntVar(&f.Limit, "limit", 200, "at most this many interviews")
	return func(ctx context.Context, c *call) error {
		orders, err := c.admin.Interviews(ctx, f)
		if err != nil {
			return err
		}
		t := newRows("ORDER", "PROVIDER", "STATUS", "CANDIDATE", "E-MAIL", "POSTING", "KIT", "CREATED", "UPDATED", "EVALUATION")
		t.timeLayout = "2006-01-02 15:04"
		for _, o := range orders {
			t.add(o.ID, o.ProviderID, o.Status, o.Candidate.Name, o.Candidate.Email, orDash(firstOf(o.Details.PostingTitle, o.PostingID)),
				o.PackageName, o.CreatedAt, o.UpdatedAt, orDash(o.EvaluationURL))
		}
		if err := t.print(c); err != nil {
			return err
		}
		if len(orders) == 0 && !c.json {
			fmt.Fprintln(c.stdout, "no interviews")
		}
		return nil
	}
}
