// Command healthcheck is the container image's HEALTHCHECK: it asks
// stagecoach's /readyz (the database answers and its schema is current) and
// exits 0 on a 200, 1 otherwise. The image has no shell or curl, so the
// check is this static binary.
//
//	healthcheck [URL]   # default http://127.0.0.1:8080/readyz, or $STAGECOACH_HEALTHCHECK_URL
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

const defaultURL = "http://127.0.0.1:8080/readyz"

func main() {
	os.Exit(check(os.Args[1:], os.Getenv("STAGECOACH_HEALTHCHECK_URL"), os.Stderr))
}

// check asks the URL (the argument, else env, else defaultURL) and returns
// the exit code.
func check(args []string, env string, stderr io.Writer) int {
	url := defaultURL
	switch {
	case len(args) > 0:
		url = args[0]
	case env != "":
		url = env
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: %s: %s %s\n", url, resp.Status, body)
		return 1
	}
	return 0
}
