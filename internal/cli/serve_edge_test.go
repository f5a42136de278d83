package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A bad --public-url or --trust-proxy stops serve at start with an error
// naming the flag, before anything is served.
func TestServeRefusesBadEdgeFlags(t *testing.T) {
	t.Setenv("STAGECOACH_DATA", t.TempDir())
	t.Setenv("STAGECOACH_DATABASE", "")
	t.Setenv("STAGECOACH_PUBLIC_URL", "")
	t.Setenv("STAGECOACH_TRUST_PROXY", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--public-url", "stagecoach.acme.example"}, "--public-url"},
		{[]string{"--public-url", "https://stagecoach.acme.example?x=1"}, "--public-url"},
		{[]string{"--trust-proxy", "proxy.internal"}, "--trust-proxy"},
		{[]string{"--trust-proxy", "10.0.0.0/40"}, "--trust-proxy"},
	} {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: err=%v, want one naming %s", tc.args, err, tc.want)
		}
		if strings.Contains(out.String(), "serving") {
			t.Errorf("serve %v started", tc.args)
		}
	}
}
