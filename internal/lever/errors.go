package lever

import (
	"errors"
	"fmt"
	"net/http"
)

// Sentinel errors. An *Error matches the sentinel for its HTTP status with
// errors.Is, so callers never look at status codes or messages directly.
var (
	// ErrBadRequest matches 400 and any other 4xx without a more specific
	// sentinel (405, 409, 413, 422 …): Lever refused the request as sent and
	// sending it again will not help. Client-side validation failures (an
	// empty id, a missing required perform_as) wrap it too.
	ErrBadRequest = errors.New("lever: bad request")
	// ErrUnauthorized matches 401: the API key or access token is not valid.
	ErrUnauthorized = errors.New("lever: unauthorized")
	// ErrForbidden matches 403: the key's permissions or the grant's scopes
	// do not cover the call (or the record is confidential).
	ErrForbidden = errors.New("lever: forbidden")
	// ErrNotFound matches 404: unknown object (or unknown route).
	ErrNotFound = errors.New("lever: not found")
	// ErrRateLimited matches 429, returned once the client's retries are spent.
	ErrRateLimited = errors.New("lever: rate limited")
	// ErrServer matches any 5xx.
	ErrServer = errors.New("lever: server error")

	// ErrUncertain marks a write (POST, PUT, DELETE) whose outcome is unknown:
	// the request may have been applied. It is returned for a timeout or a
	// broken connection after the request was sent, for any 5xx answer to a
	// write, and for a 2xx answer whose body could not be read. The client
	// never retries such a write; the caller must re-read Lever's state first.
	// The underlying cause is wrapped as well.
	ErrUncertain = errors.New("lever: outcome of write unknown")

	// ErrConnectionBroken means the Lever connection needs to be authorized
	// again: the OAuth refresh was refused (revoked grant, expired or reused
	// refresh token), or the API answered 401. An *Error with status 401
	// matches both ErrUnauthorized and ErrConnectionBroken.
	ErrConnectionBroken = errors.New("lever: connection broken")
)

// Error is an error answer from the Lever API. Code and Message come from
// Lever's {"code","message"} body when it has one; otherwise Message holds the
// start of the raw body.
type Error struct {
	StatusCode int    // HTTP status
	Code       string // Lever's machine code, e.g. "ResourceNotFound"; may be empty
	Message    string // Lever's human message
	Method     string // HTTP method of the request
	Path       string // request path below the API root, e.g. "/opportunities/abc"
}

// Error returns a one-line description with the status, Lever's code and
// message, and the request.
func (e *Error) Error() string {
	s := fmt.Sprintf("lever: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is reports whether the sentinel target matches e's status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode >= 400 && e.StatusCode < 500 && !e.specific4xx()
	case ErrUnauthorized, ErrConnectionBroken:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

func (e *Error) specific4xx() bool {
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
		return true
	}
	return false
}

// uncertainError wraps the cause of an uncertain write together with
// ErrUncertain, so both errors.Is(err, ErrUncertain) and checks on the cause
// (context.DeadlineExceeded, *Error …) hold.
type uncertainError struct {
	method, path string
	cause        error
}

func (e *uncertainError) Error() string {
	return fmt.Sprintf("lever: %s %s: outcome unknown, the write may have been applied: %v", e.method, e.path, e.cause)
}

func (e *uncertainError) Unwrap() []error { return []error{ErrUncertain, e.cause} }

// badRequest builds a client-side validation error that matches ErrBadRequest.
func badRequest(op, format string, args ...any) error {
	return fmt.Errorf("lever: %s: %s: %w", op, fmt.Sprintf(format, args...), ErrBadRequest)
}
