package web

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"stagecoach/internal/domain"
)

// ProblemTypeBase prefixes every problem type; the error code follows.
const ProblemTypeBase = "https://stagecoach.dev/problems/"

// Problem is an RFC 9457 problem details document.
type Problem struct {
	// Type is ProblemTypeBase followed by the domain error code.
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Instance is, for an internal error, the id the server's log carries.
	Instance string              `json:"instance,omitempty"`
	Errors   []domain.FieldError `json:"errors,omitempty"`
}

type codeInfo struct {
	status int
	title  string
}

var codes = map[string]codeInfo{
	domain.EInvalid:      {http.StatusBadRequest, "Invalid request"},
	domain.EUnauthorized: {http.StatusUnauthorized, "Unauthorized"},
	domain.EForbidden:    {http.StatusForbidden, "Forbidden"},
	domain.ENotFound:     {http.StatusNotFound, "Not found"},
	domain.EConflict:     {http.StatusConflict, "Conflict"},
	domain.ETooLarge:     {http.StatusRequestEntityTooLarge, "Request too large"},
	domain.EInternal:     {http.StatusInternalServerError, "Internal error"},
}

// StatusOf returns the HTTP status of a domain error code (500 for a code it
// does not know).
func StatusOf(code string) int {
	if c, ok := codes[code]; ok {
		return c.status
	}
	return http.StatusInternalServerError
}

// ProblemOf returns the problem document for err. An internal error's
// message never reaches the document: it says only that an error with the
// given id happened.
func ProblemOf(err error, errorID string) Problem {
	code := domain.ErrorCode(err)
	info, ok := codes[code]
	if !ok {
		code, info = domain.EInternal, codes[domain.EInternal]
	}
	p := Problem{Type: ProblemTypeBase + code, Title: info.title, Status: info.status}
	if code == domain.EInternal {
		p.Detail = "internal error (error id " + errorID + "): the server's log has the details"
		p.Instance = errorID
		return p
	}
	p.Detail = domain.ErrorMessage(err)
	if e, ok := asDomainError(err); ok && len(e.Fields) > 0 {
		p.Errors = e.Fields
	}
	return p
}

// WriteProblem answers err as application/problem+json, with the status of
// its domain error code. Internal errors are logged with the real error under
// a new error id, which the answer shows; other errors are the caller's to
// fix and are logged at debug level only. A nil log uses slog.Default.
func WriteProblem(w http.ResponseWriter, r *http.Request, err error, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	errorID := ""
	if code := domain.ErrorCode(err); code == domain.EInternal || codes[code].status == 0 {
		errorID = newErrorID()
		log.ErrorContext(r.Context(), "request failed",
			slog.String("error_id", errorID), slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	} else {
		log.DebugContext(r.Context(), "request refused",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("code", domain.ErrorCode(err)), slog.String("detail", domain.ErrorMessage(err)))
	}
	p := ProblemOf(err, errorID)
	writeJSON(w, p.Status, ContentTypeProblem, p)
}

func newErrorID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// WriteProblemDetails writes p as it is, for a problem no domain error
// describes (a 405, say).
func WriteProblemDetails(w http.ResponseWriter, p Problem) {
	writeJSON(w, p.Status, ContentTypeProblem, p)
}
