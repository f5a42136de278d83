package provider

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Problem codes: the last segment of a Problem's Type.
const (
	CodeInvalid      = "invalid"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeTooLarge     = "too_large"
	CodeInternal     = "internal"
)

// Problem is an error answer of the API (RFC 9457 problem details), for
// example a 409 conflict when an event is not allowed in the order's status.
type Problem struct {
	// Type is a URI whose last segment is one of the Code… constants,
	// e.g. "https://stagecoach.dev/problems/conflict".
	Type string `json:"type"`
	// Title is a short summary of the kind of problem.
	Title string `json:"title"`
	// Status is the HTTP status.
	Status int `json:"status"`
	// Detail explains this occurrence.
	Detail string `json:"detail,omitempty"`
	// Instance identifies this occurrence (for an internal error, the id
	// the server's log carries).
	Instance string `json:"instance,omitempty"`
	// Errors lists the invalid fields of an "invalid" problem.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stagecoach: %d", p.Status)
	if p.Title != "" {
		b.WriteString(" " + p.Title)
	}
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	return b.String()
}

// Code returns the problem's code (the last segment of Type, e.g.
// "conflict"), or "" if Type is empty.
func (p *Problem) Code() string {
	if p.Type == "" {
		return ""
	}
	return p.Type[strings.LastIndexByte(p.Type, '/')+1:]
}

// parseProblem turns a non-2xx answer into a *Problem, also when the body is
// not problem+json (a proxy's error page, say).
func parseProblem(status int, body []byte) *Problem {
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil || (p.Title == "" && p.Type == "") {
		p = Problem{Title: http.StatusText(status), Detail: snippet(body)}
	}
	if p.Status == 0 {
		p.Status = status
	}
	if p.Type == "" {
		p.Type = "about:blank"
	}
	return &p
}

// snippet returns the start of a non-JSON answer for an error message.
func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}
