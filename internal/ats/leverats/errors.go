package leverats

import (
	"context"
	"errors"
	"fmt"

	"stagecoach/internal/ats"
	"stagecoach/internal/lever"
)

// mapErr matches a Lever client error to the port's sentinel, keeping it
// wrapped: errors.Is holds for both ats.ErrNotFound and lever.ErrNotFound.
// An uncertain write stays uncertain whatever its cause (a 5xx to a write
// is uncertain, not merely unavailable). Cancellation is returned as is.
func mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var ae *ats.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) && !errors.Is(err, lever.ErrUncertain) {
		return err
	}
	kind := ats.ErrUnavailable
	switch {
	case errors.Is(err, lever.ErrUncertain):
		kind = ats.ErrUncertain
	case errors.Is(err, lever.ErrNotFound):
		kind = ats.ErrNotFound
	case errors.Is(err, lever.ErrConnectionBroken), errors.Is(err, lever.ErrUnauthorized):
		kind = ats.ErrUnauthorized
	case errors.Is(err, lever.ErrForbidden):
		kind = ats.ErrForbidden
	case errors.Is(err, lever.ErrRateLimited):
		kind = ats.ErrRateLimited
	case errors.Is(err, lever.ErrBadRequest):
		kind = ats.ErrRefused
	}
	return &ats.Error{Kind: kind, Op: op, Cause: err}
}

// refused is a request the driver refuses before sending, naming what is
// wrong.
func refused(op, format string, args ...any) error {
	return &ats.Error{Kind: ats.ErrRefused, Op: op, Cause: fmt.Errorf(format, args...)}
}
