package cli

import (
	"fmt"
	"io"

	"stagecoach/internal/demo"
)

// printSourcing tells what the demo's sourcing integration does.
func printSourcing(stdout io.Writer, env *demo.Env) {
	fmt.Fprintf(stdout, `  - Sourcing: the sample marketplace "hackajob" (%s/stats, provider API key
    %s) invites its candidates to interview and schedules
    the interviews; once both are done it exports each into Lever (role "backend"
    -> Backend Engineer, "Phone Interview - 1st Round" -> Phone interview), the
    unsuccessful one under a pseudonym, then moves the first one to Onsite (-> On-site).
    Move an exported candidate on the sandbox page and the marketplace follows.
`, env.Sourcer.URL(), env.SourcingAPIKey)
}
