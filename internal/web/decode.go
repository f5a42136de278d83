package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"stagecoach/internal/domain"
)

// DecodeJSON decodes r's body into v strictly: one JSON value, no unknown
// fields, at most maxBytes bytes. A body that breaks a rule is an invalid
// error naming what is wrong (a syntax error and its offset, an unknown
// field, a field of the wrong type); one over the limit is too_large.
func DecodeJSON(r *http.Request, v any, maxBytes int64) error {
	if r.Body == nil {
		return invalid("", "the request body is empty: a JSON value is expected")
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, maxBytes)
	}
	// A second value (or trailing garbage) after the first is a mistake the
	// client should hear about rather than have silently dropped.
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err, maxBytes)
		}
		return invalid("", "the request body must hold a single JSON value")
	}
	return nil
}

func decodeError(err error, maxBytes int64) error {
	var (
		syntax    *json.SyntaxError
		typ       *json.UnmarshalTypeError
		tooLarge  *http.MaxBytesError
		badTarget *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &tooLarge):
		return domain.Errorf(domain.ETooLarge, "the request body is larger than %d bytes", maxBytes)
	case errors.As(err, &syntax):
		return invalid("", fmt.Sprintf("the request body is not valid JSON: syntax error at offset %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: ")))
	case errors.Is(err, io.EOF):
		return invalid("", "the request body is empty: a JSON value is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("", "the request body is not valid JSON: it ends too early")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return invalid("", fmt.Sprintf("the request body is a JSON %s, but %s is expected", typ.Value, jsonKind(typ.Type)))
		}
		return &domain.Error{
			Code:    domain.EInvalid,
			Message: fmt.Sprintf("wrong type for field %q: want %s, got %s", typ.Field, jsonKind(typ.Type), typ.Value),
			Fields:  []domain.FieldError{{Field: typ.Field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typ.Type), typ.Value)}},
		}
	case errors.As(err, &badTarget):
		return fmt.Errorf("decode json: %w", err) // a programming mistake: internal
	}
	// encoding/json has no error type for an unknown field; its message is
	// the only place the field's name is found.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return &domain.Error{
			Code:    domain.EInvalid,
			Message: fmt.Sprintf("unknown field %q", name),
			Fields:  []domain.FieldError{{Field: name, Message: "is not a known field"}},
		}
	}
	return invalid("", "the request body cannot be read: "+err.Error())
}

func invalid(field, msg string) error {
	e := &domain.Error{Code: domain.EInvalid, Message: msg}
	if field != "" {
		e.Fields = []domain.FieldError{{Field: field, Message: msg}}
	}
	return e
}

// jsonKind names, as JSON would, what a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

func asDomainError(err error) (*domain.Error, bool) {
	var e *domain.Error
	ok := errors.As(err, &e)
	return e, ok
}
