// Package domain holds stagecoach's entities, identifiers and the error type
// that every layer uses to say what went wrong.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. They are stable strings: the API puts them in problem types.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EConflict     = "conflict"
	EUnauthorized = "unauthorized"
	EForbidden    = "forbidden"
	ETooLarge     = "too_large"
	EInternal     = "internal"
)

// Error is a failure a caller can act on: a machine code and a message for a
// person. Fields optionally names what was wrong, field by field.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

// FieldError names one invalid field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err's *Error, or EInternal for anything else
// (and "" for nil).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of err's *Error, or a generic message for
// internal errors so that their details never reach a caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
