package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// serve refuses a retention that is not a positive duration, naming the
// flag, before it opens anything.
func TestServeRefusesABadRetention(t *testing.T) {
	for _, args := range [][]string{{"--retain-jobs", "0s"}, {"--retain-idempotency", "-1h"}} {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), append([]string{"serve", "--data", t.TempDir()}, args...), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("serve %v: %v, want an error naming %s", args, err, args[0])
		}
	}
}
