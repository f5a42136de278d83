package leversandbox

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	_, b := setup(t, Config{Seed: "demo", Logger: slog.New(slog.NewTextHandler(&out, nil))})
	b.call(t, "GET", "/v1/stages?limit=5", nil).must(t, 200)
	b.call(t, "GET", "/v1/stages", nil, basicKey("wrong-key")).must(t, 401)
	logged := out.String()
	for _, want := range []string{"method=GET", "path=/v1/stages", "status=200", "duration_ms=", "credential=default", "status=401"} {
		if !strings.Contains(logged, want) {
			t.Fatalf("log lacks %q:\n%s", want, logged)
		}
	}
	if strings.Contains(logged, testKey) || strings.Contains(logged, "wrong-key") {
		t.Fatalf("log holds a key:\n%s", logged)
	}
}
