package provider

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// UserAgent is sent with every request of a Client.
const UserAgent = "stagecoach-provider-go"

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 3
	// maxRetryWait caps a wait between attempts, Retry-After included.
	maxRetryWait = 30 * time.Second
	// maxResponse bounds a response body the client reads.
	maxResponse = 32 << 20
)

// Client calls the stagecoach provider API. It is safe for concurrent use.
type Client struct {
	baseURL    string
	apiKey     string
	hc         *http.Client
	timeout    time.Duration
	maxRetries int
	// backoffFunc returns the wait before retry n (1, 2, …).
	backoffFunc func(n int) time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the client send its requests with hc (for a custom
// transport or proxy). The default is a client of its own on
// http.DefaultTransport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithTimeout bounds each attempt of a request (default 30s; zero or less
// means no bound beyond the context's).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.timeout = d }
}

// WithMaxRetries sets how many times a retryable request is retried after
// its first attempt (default 3; 0 disables retries).
func WithMaxRetries(n int) Option {
	return func(c *Client) { c.maxRetries = max(n, 0) }
}

// NewClient returns a client for the stagecoach server at baseURL (for
// example "https://stagecoach.example"; a trailing "/v1" is accepted too),
// authenticating with the provider's API key.
func NewClient(baseURL, apiKey string, opts ...Option) *Client {
	base := strings.TrimRight(baseURL, "/")
	base = strings.TrimSuffix(base, "/v1")
	c := &Client{
		baseURL:     base,
		apiKey:      apiKey,
		hc:          &http.Client{},
		timeout:     defaultTimeout,
		maxRetries:  defaultMaxRetries,
		backoffFunc: backoff,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// backoff is exponential from 250ms with full jitter, capped at 8s.
func backoff(n int) time.Duration {
	d := 250 * time.Millisecond << min(n-1, 5)
	return min(d, 8*time.Second)/2 + rand.N(min(d, 8*time.Second)/2+1)
}

// CallOption configures one call.
type CallOption func(*callOpts)

type callOpts struct {
	idempotencyKey string
}

// WithIdempotencyKey sends key as the call's Idempotency-Key: stagecoach
// answers a repeat of the same key and body with the first answer, and the
// same key with a different body with a 409 conflict. Use a key derived from
// what is being reported (for example "<order id>:completed") to make a
// report safe across restarts of the provider.
func WithIdempotencyKey(key string) CallOption {
	return func(o *callOpts) { o.idempotencyKey = key }
}

// newIdempotencyKey returns a random key, so that a call's own retries are
// recognised as one.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// request is one API call.
type request struct {
	method         string
	path           string // with the query, e.g. "/v1/orders?limit=50"
	body           any    // marshalled to JSON when not nil
	idempotencyKey string
	// created, when set, learns whether the answer was 201 Created.
	created *bool
}

// do sends r, retrying when that is safe, and decodes a 2xx answer into out
// (when out is not nil). A non-2xx answer is returned as a *Problem.
func (c *Client) do(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("%s %s: encode body: %w", r.method, r.path, err)
		}
	}
	retryable := r.method == http.MethodGet || r.method == http.MethodPut || r.idempotencyKey != ""
	for attempt := 0; ; attempt++ {
		retryAfter, err := c.attempt(ctx, r, body, out)
		if err == nil {
			return nil
		}
		if !retryable || attempt >= c.maxRetries || !shouldRetry(ctx, err) {
			return err
		}
		wait := c.backoffFunc(attempt + 1)
		if retryAfter > 0 {
			wait = min(retryAfter, maxRetryWait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// shouldRetry reports whether err is a 429, a 5xx or a network failure (and
// the caller still waits).
func shouldRetry(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var p *Problem
	if errors.As(err, &p) {
		return p.Status == http.StatusTooManyRequests || p.Status >= 500
	}
	var ee *encodeError
	return !errors.As(err, &ee)
}

// encodeError is a failure on the client's side that a retry cannot mend.
type encodeError struct{ err error }

func (e *encodeError) Error() string { return e.err.Error() }
func (e *encodeError) Unwrap() error { return e.err }

// attempt sends r once. It returns the answer's Retry-After, if any.
func (c *Client) attempt(ctx context.Context, r request, body []byte, out any) (time.Duration, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.baseURL+r.path, rd)
	if err != nil {
		return 0, &encodeError{fmt.Errorf("%s %s: %w", r.method, r.path, err)}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.idempotencyKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, fmt.Errorf("%s %s: read answer: %w", r.method, r.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return retryAfter(resp.Header.Get("Retry-After")), parseProblem(resp.StatusCode, data)
	}
	if r.created != nil {
		*r.created = resp.StatusCode == http.StatusCreated
	}
	if out == nil || len(data) == 0 {
		return 0, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return 0, &encodeError{fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)}
	}
	return 0, nil
}

// retryAfter parses a Retry-After header given in seconds (the HTTP-date
// form is rare from an API and ignored).
func retryAfter(h string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// page is the API's list wrapper.
type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"nextCursor"`
}

// escape escapes an id for use as a path segment.
func escape(id string) string { return url.PathEscape(id) }
