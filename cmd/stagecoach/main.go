// Command stagecoach connects hiring tools to the Lever ATS.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"stagecoach/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
