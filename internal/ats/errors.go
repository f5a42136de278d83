package ats

import "errors"

// Sentinel errors. Drivers return errors that match these with errors.Is
// (and keep their own error wrapped beside it), so callers never look at
// one ATS's status codes or messages.
var (
	// ErrNotFound: the application, job, file or webhook does not exist (or
	// was deleted).
	ErrNotFound = errors.New("ats: not found")
	// ErrRefused: the ATS refused the request as sent (a bad value, an
	// unknown stage, a required field missing); sending it again will not
	// help. The error names what is wrong.
	ErrRefused = errors.New("ats: refused")
	// ErrForbidden: the credentials may not do this (permissions, scopes,
	// a confidential record).
	ErrForbidden = errors.New("ats: forbidden")
	// ErrUnauthorized: the credentials are not valid any more; the account
	// must be connected again.
	ErrUnauthorized = errors.New("ats: unauthorized")
	// ErrRateLimited: the ATS's rate limit held after the driver's retries;
	// try later.
	ErrRateLimited = errors.New("ats: rate limited")
	// ErrUnavailable: the ATS failed (5xx, timeout) on a read or on a write
	// it certainly did not apply; try again.
	ErrUnavailable = errors.New("ats: unavailable")
	// ErrUncertain: a write whose outcome is unknown; it may have been
	// applied. Look in the ATS before sending it again.
	ErrUncertain = errors.New("ats: outcome of write unknown")
	// ErrInvalidWebhook: an inbound delivery is not signed by any of the
	// account's secrets, or is malformed. Nothing in it may be acted on.
	ErrInvalidWebhook = errors.New("ats: invalid webhook delivery")
)

// Error is a driver's error matched to a sentinel: errors.Is holds for Kind
// and for everything Cause matches.
type Error struct {
	Kind  error // one of the sentinels
	Op    string
	Cause error
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Op + ": " + e.Kind.Error()
	}
	return e.Op + ": " + e.Cause.Error()
}

// Unwrap returns the sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}
