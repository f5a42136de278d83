package cli

import (
	"context"
	"flag"
	"fmt"

	"stagecoach/internal/app"
)

func reconcileFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	conn := fs.String("connection", "", "connection id")
	return func(ctx context.Context, c *call) error {
		if err := c.engine.Reconcile(ctx, *conn); err != nil {
			return err
		}
		c.note("connection.reconcile", "connection:"+*conn, "")
		fmt.Fprintf(c.stdout, "a sweep of connection %s is queued; a running `stagecoach serve` does it\n", *conn)
		return nil
	}
}
