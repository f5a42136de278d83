package leverats

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/lever"
)

// TestMapErr: each Lever answer matches the port's sentinel the engine will
// decide on (retry, snooze, cancel, reconnect), and still matches Lever's.
func TestMapErr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		want   error
		lever  error
	}{
		{http.StatusBadRequest, ats.ErrRefused, lever.ErrBadRequest},
		{http.StatusUnprocessableEntity, ats.ErrRefused, lever.ErrBadRequest},
		{http.StatusUnauthorized, ats.ErrUnauthorized, lever.ErrConnectionBroken},
		{http.StatusForbidden, ats.ErrForbidden, lever.ErrForbidden},
		{http.StatusNotFound, ats.ErrNotFound, lever.ErrNotFound},
		{http.StatusTooManyRequests, ats.ErrRateLimited, lever.ErrRateLimited},
		{http.StatusServiceUnavailable, ats.ErrUnavailable, lever.ErrServer},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			err := mapErr("op", fmt.Errorf("wrapped: %w", &lever.Error{StatusCode: tc.status, Method: "GET", Path: "/x"}))
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.lever) {
				t.Errorf("mapErr(%d) = %v, want it to match %v and %v", tc.status, err, tc.want, tc.lever)
			}
			for _, other := range []error{ats.ErrRefused, ats.ErrUnauthorized, ats.ErrForbidden, ats.ErrNotFound, ats.ErrRateLimited, ats.ErrUnavailable, ats.ErrUncertain} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("mapErr(%d) also matches %v", tc.status, other)
				}
			}
		})
	}
	if err := mapErr("op", context.Canceled); err != context.Canceled {
		t.Errorf("mapErr(context.Canceled) = %v, want it unchanged", err)
	}
	if mapErr("op", nil) != nil {
		t.Error("mapErr(nil) is not nil")
	}
}
