package lever

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

const (
	defaultTimeout    = 30 * time.Second
	defaultMaxRetries = 4
	defaultRetryBase  = 250 * time.Millisecond
	defaultRetryMax   = 8 * time.Second
	// A 429 without a usable header backs off from rateLimitBase to
	// rateLimitMax (equal jitter): Lever refills its bucket within seconds,
	// but a shared budget drained by other processes can stay empty longer.
	defaultRateLimitBase   = time.Second
	defaultRateLimitMax    = 16 * time.Second
	defaultRateLimitBudget = 2 * time.Minute
	// maxRetryAfter caps how long a Retry-After header can make one retry wait.
	maxRetryAfter = time.Minute
	// maxBody caps a response body; Lever files are at most 30 MB.
	maxBody   = 64 << 20
	userAgent = "stagecoach-lever/1"
)

// Config configures a Client. Exactly one of APIKey and TokenSource is set.
type Config struct {
	// Environment is the Lever deployment to talk to; APIBaseURL is required.
	Environment Environment
	// APIKey authenticates with HTTP basic auth (the key as user name, empty
	// password). Mutually exclusive with TokenSource.
	APIKey string
	// TokenSource supplies OAuth bearer tokens, typically from NewTokenSource.
	TokenSource oauth2.TokenSource
	// HTTPClient sends the requests. Nil means a client with dial, TLS and
	// idle timeouts; per-call deadlines come from Timeout either way.
	HTTPClient *http.Client
	// Limiter paces every HTTP attempt. Nil means NewTokenBucket(10, 20),
	// which is only right when this process is the connection's sole user.
	Limiter Limiter
	// Timeout is the deadline of each HTTP attempt, including reading the
	// body. Zero means 30s.
	Timeout time.Duration
	// MaxRetries is how many times a read, or a write answered with 429, is
	// tried again (exponential backoff with jitter, Retry-After honoured).
	// Zero means 4; negative means never retry.
	MaxRetries int
	// RateLimitBudget is how long one call keeps retrying while Lever
	// answers 429, counted from the first 429: a 429 means Lever refused the
	// request, so reads and writes alike may be sent again. Each wait honours
	// Retry-After, else X-RateLimit-Reset, else backs off exponentially with
	// jitter (1s doubling to 16s). Zero means 2 minutes; negative means 429s
	// count against MaxRetries like any other retryable failure.
	RateLimitBudget time.Duration
	// Logger receives debug lines about retries. Nil discards. Keys, tokens
	// and Authorization headers are never logged.
	Logger *slog.Logger
	// ObserveFunc, when set, is called after every HTTP attempt with the
	// method, the route template (e.g. "/opportunities/:id/notes"), the
	// status (0 for a transport error) and the attempt's duration.
	ObserveFunc func(method, route string, status int, d time.Duration)
}

// Client calls the Lever Data API. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	apiKey     string
	tokens     oauth2.TokenSource
	hc         *http.Client
	limiter    Limiter
	timeout    time.Duration
	maxRetries int
	logger     *slog.Logger
	observe    func(method, route string, status int, d time.Duration)

	// retryBase and retryMax shape the backoff; tests shorten them.
	retryBase, retryMax time.Duration
	// rateLimitBase and rateLimitMax shape the backoff after a 429 without
	// a usable header; rateLimitBudget bounds the time spent retrying 429s.
	rateLimitBase, rateLimitMax, rateLimitBudget time.Duration
	// nowFunc and sleepFunc are the clock; tests replace them.
	nowFunc   func() time.Time
	sleepFunc func(ctx context.Context, d time.Duration) error
}

// New validates cfg, fills in defaults and returns a Client.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Client{
		base:       base,
		apiKey:     cfg.APIKey,
		tokens:     cfg.TokenSource,
		hc:         withSafeRedirects(cfg.HTTPClient, base, cfg.Environment.Hosts),
		limiter:    cfg.Limiter,
		timeout:    cfg.Timeout,
		maxRetries: max(cfg.MaxRetries, 0),
		logger:     cfg.Logger.With("component", "lever"),
		observe:    cfg.ObserveFunc,
		retryBase:  defaultRetryBase,
		retryMax:   defaultRetryMax,

		rateLimitBase:   defaultRateLimitBase,
		rateLimitMax:    defaultRateLimitMax,
		rateLimitBudget: cfg.RateLimitBudget,
		nowFunc:         time.Now,
		sleepFunc:       sleep,
	}, nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c Config) withDefaults() Config {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Transport: defaultTransport()}
	}
	if c.Limiter == nil {
		c.Limiter = NewTokenBucket(10, 20)
	}
	if c.Timeout <= 0 {
		c.Timeout = defaultTimeout
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = defaultMaxRetries
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.RateLimitBudget == 0 {
		c.RateLimitBudget = defaultRateLimitBudget
	}
	return c
}

// validate checks c and returns the parsed API root.
func (c Config) validate() (*url.URL, error) {
	if c.Environment.APIBaseURL == "" {
		return nil, errors.New("lever: config: Environment.APIBaseURL is required")
	}
	base, err := url.Parse(strings.TrimRight(c.Environment.APIBaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("lever: config: Environment.APIBaseURL %q is not an absolute http(s) URL", c.Environment.APIBaseURL)
	}
	switch {
	case c.APIKey == "" && c.TokenSource == nil:
		return nil, errors.New("lever: config: one of APIKey and TokenSource is required")
	case c.APIKey != "" && c.TokenSource != nil:
		return nil, errors.New("lever: config: APIKey and TokenSource are mutually exclusive")
	}
	return base, nil
}

func defaultTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// withSafeRedirects returns a copy of hc that follows redirects only where
// Lever may send them, and carries the credentials there:
//   - a redirect that would change the method is not followed (net/http turns
//     a POST answered with 301/302 into a GET without body; for a write that
//     silently drops it): the redirect response is returned instead;
//   - a redirect to another host is followed only to the API root's host or
//     one of hosts (the environment's other data centre), never from https to
//     http, and the Authorization header, which net/http drops on a change
//     of host, is sent again;
//   - a redirect anywhere else is refused with an error, so that neither the
//     credentials nor the request reach a host that is not Lever's.
func withSafeRedirects(hc *http.Client, base *url.URL, hosts []string) *http.Client {
	cp := *hc
	next := hc.CheckRedirect
	allowed := map[string]bool{strings.ToLower(base.Host): true}
	for _, h := range hosts {
		allowed[strings.ToLower(h)] = true
	}
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && req.Method != via[0].Method {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if !allowed[strings.ToLower(req.URL.Host)] {
			return fmt.Errorf("%w: %s is not a Lever API host of this environment", errRedirectRefused, req.URL.Host)
		}
		if req.URL.Scheme != "https" && base.Scheme == "https" {
			return fmt.Errorf("%w: %s is not https", errRedirectRefused, req.URL.Host)
		}
		if len(via) > 0 && req.Header.Get("Authorization") == "" {
			if a := via[0].Header.Get("Authorization"); a != "" {
				req.Header.Set("Authorization", a)
			}
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
	return &cp
}

// errRedirectRefused marks a redirect the client would not follow. Lever
// answered, so a write was not applied; no retry can change the answer.
var errRedirectRefused = errors.New("redirect refused")

// call describes one logical API call.
type call struct {
	method      string
	route       string // template for metrics, e.g. "/opportunities/:id"
	path        string // escaped path below the API root
	query       url.Values
	body        []byte
	contentType string
	accept      string
}

func (cl *call) write() bool { return cl.method != http.MethodGet && cl.method != http.MethodHead }

// withPerformAs adds perform_as to the query when set.
func (cl *call) withPerformAs(performAs string) *call {
	if performAs != "" {
		if cl.query == nil {
			cl.query = url.Values{}
		}
		cl.query.Set("perform_as", performAs)
	}
	return cl
}

// response is a successful (2xx) answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// attemptResult is what one HTTP attempt produced.
type attemptResult struct {
	resp   *response
	err    error
	status int  // 0 when no response arrived
	sent   bool // a connection was obtained, so bytes may have reached Lever
	retry  time.Duration
	// permanent marks a failure that no retry can fix (the request could
	// not even be built).
	permanent bool
}

// do runs cl with pacing, retries and error classification. It returns the
// 2xx response, or an error that is an *Error (possibly wrapped) for a non-2xx
// answer and wraps ErrUncertain for a write with unknown outcome.
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	var last error
	var limitedSince time.Time // first 429 of this call; zero before any
	retries := 0               // retries that count against maxRetries
	for attempt := 0; ; attempt++ {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, joinLast(fmt.Errorf("lever: %s %s: wait for rate limiter: %w", cl.method, cl.path, err), last)
		}
		r := c.attempt(ctx, cl)
		if r.err == nil {
			return r.resp, nil
		}
		last = r.err
		retryable := c.retryable(cl, r)
		if !retryable && cl.write() && r.sent && !isDefinite(r) {
			return nil, &uncertainError{method: cl.method, path: cl.path, cause: r.err}
		}
		if !retryable || ctx.Err() != nil {
			return nil, r.err
		}
		var delay time.Duration
		if r.status == http.StatusTooManyRequests && c.rateLimitBudget > 0 && c.maxRetries > 0 {
			// Lever refused the request: keep trying within the budget,
			// whatever the method, so that a drained bucket shared with other
			// processes does not fail the step after a few seconds.
			now := c.nowFunc()
			if limitedSince.IsZero() {
				limitedSince = now
			}
			delay = r.retry
			if delay <= 0 {
				delay = c.rateLimitBackoff(attempt)
			}
			if now.Sub(limitedSince)+delay > c.rateLimitBudget {
				return nil, fmt.Errorf("lever: %s %s: still rate limited after %v: %w", cl.method, cl.path, now.Sub(limitedSince).Round(time.Second), r.err)
			}
		} else {
			if retries >= c.maxRetries {
				return nil, r.err
			}
			retries++
			delay = c.backoff(retries - 1)
			if r.retry > 0 {
				delay = r.retry
			}
		}
		c.logger.DebugContext(ctx, "lever call will be retried",
			slog.String("method", cl.method), slog.String("route", cl.route),
			slog.Int("attempt", attempt+1), slog.Int("status", r.status),
			slog.Duration("delay", delay), slog.Any("error", r.err))
		if err := c.sleepFunc(ctx, delay); err != nil {
			return nil, joinLast(fmt.Errorf("lever: %s %s: give up retrying: %w", cl.method, cl.path, err), last)
		}
	}
}

// joinLast adds the last attempt's error, if any, so that a caller giving up
// on a 429 still sees ErrRateLimited.
func joinLast(err, last error) error {
	if last == nil {
		return err
	}
	return fmt.Errorf("%w (last attempt: %w)", err, last)
}

// isDefinite reports whether a failed attempt's outcome is known: Lever
// answered with a status below 500, so the request was refused as a whole.
func isDefinite(r attemptResult) bool { return r.permanent || (r.status > 0 && r.status < 500) }

// retryable decides whether a failed attempt may be tried again.
// Reads retry on 429, on 500/502/503/504 and on transport errors. Writes retry
// only when Lever certainly did not apply them: a 429, or a failure before a
// connection was obtained.
func (c *Client) retryable(cl *call, r attemptResult) bool {
	if r.permanent || (errors.Is(r.err, ErrConnectionBroken) && r.status == 0) {
		return false // e.g. the token source gave up; retrying cannot help
	}
	if r.status == http.StatusTooManyRequests {
		return true
	}
	if cl.write() {
		return r.status == 0 && !r.sent
	}
	switch r.status {
	case 0, http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// rateLimitBackoff returns the delay before retrying a 429 that named no
// wait: exponential from rateLimitBase to rateLimitMax with equal jitter.
func (c *Client) rateLimitBackoff(attempt int) time.Duration {
	d := c.rateLimitBase << min(attempt, 16)
	if d <= 0 || d > c.rateLimitMax {
		d = c.rateLimitMax
	}
	half := d / 2
	return half + rand.N(half+1)
}

// backoff returns the delay before retry number attempt+1: exponential with
// "equal jitter" (half fixed, half random), capped at retryMax.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.retryBase << min(attempt, 16)
	if d <= 0 || d > c.retryMax {
		d = c.retryMax
	}
	half := d / 2
	return half + rand.N(half+1)
}

func (c *Client) attempt(ctx context.Context, cl *call) (r attemptResult) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	start := time.Now()
	defer func() {
		if c.observe != nil {
			c.observe(cl.method, cl.route, r.status, time.Since(start))
		}
	}()

	// The only proof that nothing reached Lever is never having had a
	// connection to write to.
	var sent atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { sent.Store(true) }}
	actx = httptrace.WithClientTrace(actx, trace)

	u, err := url.Parse(c.base.String() + cl.path)
	if err != nil {
		return attemptResult{err: fmt.Errorf("lever: %s %s: build URL: %w", cl.method, cl.path, err), permanent: true}
	}
	if len(cl.query) > 0 {
		u.RawQuery = cl.query.Encode()
	}
	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u.String(), body)
	if err != nil {
		return attemptResult{err: fmt.Errorf("lever: %s %s: build request: %w", cl.method, cl.path, err), permanent: true}
	}
	if cl.contentType != "" {
		req.Header.Set("Content-Type", cl.contentType)
	}
	accept := cl.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", userAgent)
	if err := c.authorize(req); err != nil {
		return attemptResult{err: fmt.Errorf("lever: %s %s: %w", cl.method, cl.path, err)}
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return attemptResult{err: fmt.Errorf("lever: %s %s: %w", cl.method, cl.path, stripURL(err)), sent: sent.Load(),
			permanent: errors.Is(err, errRedirectRefused)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err == nil && len(data) > maxBody {
		err = fmt.Errorf("response body larger than %d bytes", maxBody)
	}
	r = attemptResult{status: resp.StatusCode, sent: true}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		r.err = apiError(cl, resp.StatusCode, data)
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			r.retry = retryAfter(resp.Header.Get("Retry-After"), time.Now())
			if r.retry == 0 {
				r.retry = rateLimitReset(resp.Header.Get("X-RateLimit-Reset"), time.Now())
			}
		}
		return r
	}
	if err != nil {
		// The status says it worked but the answer is lost; for a write this
		// is uncertain, for a read it is worth another try.
		r.status = 0
		r.err = fmt.Errorf("lever: %s %s: read response: %w", cl.method, cl.path, err)
		return r
	}
	r.resp = &response{status: resp.StatusCode, header: resp.Header, body: data}
	return r
}

// stripURL drops the *url.Error wrapper, whose message repeats the full URL
// (with query); the caller's message already names method and path.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (c *Client) authorize(req *http.Request) error {
	if c.apiKey != "" {
		req.SetBasicAuth(c.apiKey, "")
		return nil
	}
	tok, err := c.tokens.Token()
	if err != nil {
		return fmt.Errorf("get access token: %w", err)
	}
	tok.SetAuthHeader(req)
	return nil
}

// apiError builds an *Error from a non-2xx answer.
func apiError(cl *call, status int, body []byte) *Error {
	e := &Error{StatusCode: status, Method: cl.method, Path: cl.path}
	var wire struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &wire) == nil && (wire.Code != "" || wire.Message != "" || wire.Error != "") {
		e.Code, e.Message = wire.Code, wire.Message
		if e.Message == "" {
			e.Message = wire.Error
		}
		return e
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 300 {
		n := 300
		for n > 0 && !utf8.RuneStart(msg[n]) {
			n--
		}
		msg = msg[:n] + "…"
	}
	e.Message = msg
	return e
}

// retryAfter parses a Retry-After header (seconds or HTTP date); 0 if absent
// or unparsable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// rateLimitReset parses an X-RateLimit-Reset header; 0 if absent or
// unparsable. Lever does not document the header; where it is read (the
// singer-io tap) it is a number of seconds to wait. A value that can only be
// a Unix time (seconds, or milliseconds) is read as the moment of the reset.
func rateLimitReset(v string, now time.Time) time.Duration {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || n <= 0 {
		return 0
	}
	var d time.Duration
	switch {
	case n >= 1e12: // Unix milliseconds
		d = time.UnixMilli(int64(n)).Sub(now)
	case n >= 1e9: // Unix seconds
		d = time.Unix(int64(n), 0).Sub(now)
	default:
		d = time.Duration(n * float64(time.Second))
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// getJSON performs a GET and decodes the unwrapped data into out.
func (c *Client) getJSON(ctx context.Context, route, path string, q url.Values, out any) error {
	resp, err := c.do(ctx, &call{method: http.MethodGet, route: route, path: path, query: q})
	if err != nil {
		return err
	}
	return decodeData(resp.body, out, http.MethodGet, path)
}

// send performs a write. out, if not nil, receives the unwrapped data.
// A 2xx answer whose body cannot be decoded is reported as uncertain: the
// write happened but its result is lost.
func (c *Client) send(ctx context.Context, cl *call, out any) error {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := decodeData(resp.body, out, cl.method, cl.path); err != nil {
		return &uncertainError{method: cl.method, path: cl.path, cause: err}
	}
	return nil
}

// jsonCall builds a JSON write call.
func jsonCall(method, route, path string, body any) (*call, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("lever: %s %s: encode body: %w", method, path, err)
	}
	return &call{method: method, route: route, path: path, body: b, contentType: "application/json"}, nil
}

// seg escapes one path segment.
func seg(s string) string { return url.PathEscape(s) }

// needID returns an ErrBadRequest error when id is empty: an empty id would
// silently turn "/opportunities/:id" into the list endpoint.
func needID(op, name, id string) error {
	if strings.TrimSpace(id) == "" {
		return badRequest(op, "%s is required", name)
	}
	return nil
}

// needPerformAs returns an ErrBadRequest error for a method where Lever
// requires perform_as.
func needPerformAs(op, performAs string) error {
	if performAs == "" {
		return badRequest(op, "perform_as is required by Lever for this call")
	}
	return nil
}
