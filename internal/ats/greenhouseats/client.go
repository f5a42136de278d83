package greenhouseats

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces calls to Greenhouse. The client calls Wait before every
// HTTP attempt, retries included. Every process using the same connection
// must share one Limiter (the budget is the credential's, not the
// process's).
type Limiter interface {
	// Wait blocks until one call may be made, or returns ctx's error.
	Wait(ctx context.Context) error
}

// NewTokenBucket returns an in-process token bucket of perSecond calls a
// second in bursts of burst. Zero or negative arguments mean 5 and 5:
// Greenhouse does not publish Harvest v3's limit, and v1's documented
// window was 50 calls per 10 seconds.
func NewTokenBucket(perSecond float64, burst int) Limiter {
	if perSecond <= 0 {
		perSecond = 5
	}
	if burst <= 0 {
		burst = 5
	}
	return rate.NewLimiter(rate.Limit(perSecond), burst)
}

type unlimited struct{}

func (unlimited) Wait(ctx context.Context) error { return ctx.Err() }

// Unlimited returns a Limiter that never waits, for tests against a local
// sandbox; never use it against Greenhouse.
func Unlimited() Limiter { return unlimited{} }

// apiError is an answer other than 2xx: the status and Greenhouse's
// message, with the field it names when it names one.
type apiError struct {
	Method, Path string
	Status       int
	Message      string
	Field        string
	RetryAfter   time.Duration
}

func (e *apiError) Error() string {
	msg := e.Message
	if e.Field != "" && !strings.Contains(msg, e.Field) {
		msg = e.Field + ": " + msg
	}
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

// transportError is a request that got no answer; Applied says whether a
// write may have been applied (the request may have reached Greenhouse).
type transportError struct {
	Method, Path string
	Write        bool
	MaybeApplied bool
	Err          error
}

func (e *transportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

func (e *transportError) Unwrap() error { return e.Err }

// parseError reads Harvest's error body: {"message", "errors": [{"message",
// "field"}]}, or an OAuth error {"error", "error_description"}.
func parseError(method, path string, resp *http.Response) *apiError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &apiError{Method: method, Path: path, Status: resp.StatusCode}
	var body struct {
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"errors"`
		Error     string `json:"error"`
		ErrorDesc string `json:"error_description"`
	}
	if json.Unmarshal(raw, &body) == nil {
		e.Message = body.Message
		if len(body.Errors) > 0 {
			e.Message, e.Field = body.Errors[0].Message, body.Errors[0].Field
		}
		if body.Error != "" {
			e.Message = strings.TrimSpace(body.Error + " " + body.ErrorDesc)
		}
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(raw))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200]
		}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// client is a small Harvest v3 client: bearer tokens from a tokenSource,
// the limiter before every attempt, retries of reads (and of writes that
// certainly were not applied), and cursor pagination.
type client struct {
	base    string // Harvest base URL, e.g. https://harvest.greenhouse.io
	http    *http.Client
	tokens  *tokenSource
	limiter Limiter
	timeout time.Duration
	retries int
	// maxWait caps a Retry-After the client is willing to sleep.
	maxWait time.Duration
}

func isWrite(method string) bool { return method != http.MethodGet && method != http.MethodHead }

// do sends one call, retrying what is safe to retry, and decodes a 2xx
// body into out. A target of the form "https://…" is a Link URL followed
// verbatim (it must be on the Harvest base).
func (c *client) do(ctx context.Context, method, target string, body, out any) (http.Header, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	u := target
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = c.base + target
	} else if !strings.HasPrefix(u, c.base+"/") {
		return nil, fmt.Errorf("greenhouse: the next page %q is not on %s; not sending the token there", target, c.base)
	}
	path := target
	if p, err := url.Parse(u); err == nil {
		path = p.Path
	}
	reauthed := false
	var last error
	for attempt := 0; attempt <= c.retries; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, err
		}
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return nil, err
		}
		h, err := c.once(ctx, method, u, path, tok, payload, out)
		if err == nil {
			return h, nil
		}
		last = err
		var ae *apiError
		var te *transportError
		final := attempt == c.retries
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized && !reauthed:
			// The token may have been revoked or rotated elsewhere: get a
			// new one once.
			reauthed = true
			c.tokens.invalidate(tok)
			attempt--
			continue
		case errors.As(err, &ae) && ae.Status == http.StatusTooManyRequests:
			// A 429 was not applied: safe to send again, reads and writes.
			if final || ae.RetryAfter > c.maxWait {
				return h, err
			}
			if !sleep(ctx, max(ae.RetryAfter, backoff(attempt))) {
				return h, err
			}
		case errors.As(err, &ae) && ae.Status >= 500 && !isWrite(method):
			if final || !sleep(ctx, backoff(attempt)) {
				return h, err
			}
		case errors.As(err, &te) && !te.MaybeApplied && ctx.Err() == nil:
			if final || !sleep(ctx, backoff(attempt)) {
				return nil, err
			}
		default:
			return h, err
		}
	}
	return nil, last
}

func backoff(attempt int) time.Duration {
	return min(100*time.Millisecond<<attempt, 2*time.Second)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (c *client) once(ctx context.Context, method, u, path, tok string, payload []byte, out any) (http.Header, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, method, u, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// A write whose connection could not even be made was not sent;
		// anything later (a timeout, a reset) may have been applied.
		var op *net.OpError
		dial := errors.As(err, &op) && op.Op == "dial"
		return nil, &transportError{Method: method, Path: path, Write: isWrite(method), MaybeApplied: isWrite(method) && !dial, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, parseError(method, path, resp)
	}
	if out != nil && resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.Header, &transportError{Method: method, Path: path, Write: isWrite(method), MaybeApplied: isWrite(method),
				Err: fmt.Errorf("decode answer: %w", err)}
		}
	}
	return resp.Header, nil
}

// maxPages bounds a listing: a cursor loop stops there with an error.
const maxPages = 10000

// list follows a v3 list endpoint's pages: the first request with its
// filters, then each Link rel="next" URL as given (a cursor must be the
// only parameter, so the URL is never rebuilt).
func list[T any](ctx context.Context, c *client, path string, q url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		target := path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		seen := map[string]bool{}
		for page := 0; target != ""; page++ {
			if page == maxPages || seen[target] {
				yield(zero, fmt.Errorf("greenhouse: GET %s: the pages do not end (page %d)", path, page))
				return
			}
			seen[target] = true
			var items []T
			h, err := c.do(ctx, http.MethodGet, target, nil, &items)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			target = nextLink(h.Get("Link"))
		}
	}
}

// nextLink returns the rel="next" URL of a Link header, or "".
func nextLink(h string) string {
	for part := range strings.SplitSeq(h, ",") {
		u, params, ok := strings.Cut(strings.TrimSpace(part), ";")
		if !ok || !strings.Contains(params, `rel="next"`) {
			continue
		}
		return strings.Trim(strings.TrimSpace(u), "<>")
	}
	return ""
}

// all collects a listing.
func all[T any](ctx context.Context, c *client, path string, q url.Values) ([]T, error) {
	var out []T
	for it, err := range list[T](ctx, c, path, q) {
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}
