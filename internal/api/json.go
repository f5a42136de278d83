package api

import (
	"fmt"
	"strconv"

	"stagecoach/internal/domain"
)

// page is a list answer: {"data":[…],"nextCursor":"…"|null}.
type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"nextCursor"`
}

func newPage[T any](data []T, next string) page[T] {
	if data == nil {
		data = []T{}
	}
	p := page[T]{Data: data}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}

// Page sizes of list endpoints.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// parseLimit reads the limit query parameter: 1..200, default 50.
func parseLimit(v string) (int, error) {
	if v == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxLimit {
		return 0, fieldError("limit", fmt.Sprintf("must be a whole number from 1 to %d", maxLimit), v)
	}
	return n, nil
}

// fieldError is an invalid error naming one field (or query parameter).
func fieldError(field, msg, got string) error {
	m := field + " " + msg
	if got != "" {
		m += fmt.Sprintf(" (got %q)", got)
	}
	return &domain.Error{Code: domain.EInvalid, Message: m, Fields: []domain.FieldError{{Field: field, Message: msg}}}
}

// fieldErrors is an invalid error naming every field in errs; its message
// names the first.
func fieldErrors(errs []domain.FieldError) error {
	m := errs[0].Field + " " + errs[0].Message
	if len(errs) > 1 {
		m += fmt.Sprintf(" (and %d more problems)", len(errs)-1)
	}
	return &domain.Error{Code: domain.EInvalid, Message: m, Fields: errs}
}
