// Command stagecoach connects hiring tools to the Lever ATS.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"stagecoach/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "stagecoach:", err)
		os.Exit(1)
	}
}
