package cli

import (
	"context"
	"flag"
	"fmt"
	"strconv"

	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

func jobsListFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	status := fs.String("status", domain.JobDead, "available, running, done or dead (the dead letters)")
	return func(ctx context.Context, c *call) error {
		jobs, err := c.admin.Jobs(ctx, store.JobFilter{Status: *status})
		if err != nil {
			return err
		}
		t := newRows("ID", "KIND", "STATUS", "ATTEMPT", "UPDATED", "LAST ERROR")
		for _, j := range jobs {
			t.add(j.ID, j.Kind, j.Status, attempts{j.Attempt, j.MaxAttempts}, j.UpdatedAt, j.LastError)
		}
		return t.print(c)
	}
}

// attempts is a job's attempt out of its most: "2/5" in columns,
// {"attempt":2,"max":5} in JSON.
type attempts struct {
	Attempt int `json:"attempt"`
	Max     int `json:"max"`
}

func (a attempts) String() string { return fmt.Sprintf("%d/%d", a.Attempt, a.Max) }

func jobsRetryFlags(*flag.FlagSet, *app.Config) runFunc {
	return func(ctx context.Context, c *call) error {
		if len(c.args) == 0 {
			return fmt.Errorf("jobs retry: give the ids of dead jobs")
		}
		ids := make([]int64, len(c.args))
		for i, a := range c.args {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return fmt.Errorf("jobs retry: %q is not a job id", a)
			}
			ids[i] = id
		}
		for _, id := range ids {
			if err := c.admin.RetryDeadJob(ctx, id); err != nil {
				return err
			}
			c.note("job.retry", fmt.Sprintf("job:%d", id), "")
			fmt.Fprintf(c.stdout, "job %d queued again\n", id)
		}
		return nil
	}
}
