package greenhouseats

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"stagecoach/internal/ats"
)

// mapErr matches a client error to the port's sentinel, keeping it
// wrapped. A write that may have been applied (no answer, a timeout, a 5xx)
// is ats.ErrUncertain; the same on a read is ats.ErrUnavailable.
// Cancellation of a read is returned as is.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *ats.Error
	if errors.As(err, &ae) {
		return err
	}
	kind := ats.ErrUnavailable
	var he *apiError
	var te *transportError
	var tk *tokenError
	switch {
	case errors.As(err, &te):
		if te.MaybeApplied {
			kind = ats.ErrUncertain
		} else if errors.Is(err, context.Canceled) {
			return err
		}
	case errors.As(err, &tk):
		if tk.unauthorized {
			kind = ats.ErrUnauthorized
		}
	case errors.As(err, &he):
		switch {
		case he.Status == http.StatusNotFound:
			kind = ats.ErrNotFound
		case he.Status == http.StatusUnauthorized:
			kind = ats.ErrUnauthorized
		case he.Status == http.StatusForbidden:
			kind = ats.ErrForbidden
		case he.Status == http.StatusTooManyRequests:
			kind = ats.ErrRateLimited
		case he.Status >= 500 && isWrite(he.Method):
			kind = ats.ErrUncertain
		case he.Status >= 500:
			kind = ats.ErrUnavailable
		case he.Status >= 400:
			kind = ats.ErrRefused
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return &ats.Error{Kind: kind, Op: op, Cause: err}
}

// refused is a request the driver refuses before sending, naming what is
// wrong.
func refused(op, format string, args ...any) error {
	return &ats.Error{Kind: ats.ErrRefused, Op: op, Cause: fmt.Errorf(format, args...)}
}

func notFound(op, format string, args ...any) error {
	return &ats.Error{Kind: ats.ErrNotFound, Op: op, Cause: fmt.Errorf(format, args...)}
}
