package e2e

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// loggedRequest is one line of the sandbox's request log.
type loggedRequest struct {
	Method, Path, Credential string
	Route                    string // the Data API route matched, e.g. "GET /postings/{posting}"
	Status                   int
	// Arrived is when the sandbox got the request: the line's time less the
	// request's duration (the line is written when the answer is done).
	Arrived time.Time
}

// requestLog is a slog.Handler that keeps the sandbox's request lines, so a
// test can read what Lever was asked and when.
type requestLog struct {
	mu    sync.Mutex
	lines []loggedRequest
}

func (l *requestLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *requestLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *requestLog) WithGroup(string) slog.Handler            { return l }

func (l *requestLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	var lr loggedRequest
	var dur int64
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "method":
			lr.Method = a.Value.String()
		case "path":
			lr.Path = a.Value.String()
		case "credential":
			lr.Credential = a.Value.String()
		case "route":
			lr.Route = a.Value.String()
		case "status":
			lr.Status = int(a.Value.Int64())
		case "duration_ms":
			dur = a.Value.Int64()
		}
		return true
	})
	lr.Arrived = r.Time.Add(-time.Duration(dur) * time.Millisecond)
	l.mu.Lock()
	l.lines = append(l.lines, lr)
	l.mu.Unlock()
	return nil
}

// requests returns the lines for which keep holds.
func (l *requestLog) requests(keep func(loggedRequest) bool) []loggedRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loggedRequest
	for _, lr := range l.lines {
		if keep(lr) {
			out = append(out, lr)
		}
	}
	return out
}

var _ slog.Handler = (*requestLog)(nil)
