// Package leverscope says which OAuth scope each Lever Data API endpoint
// needs. It is the one table both sides use: the local Lever sandbox
// refuses a call whose scope the credential lacks, and the engine derives
// the scopes it asks Lever for from the endpoints each flow calls.
//
// Lever's scopes are <resource>:<read|write>:admin, where write means "view
// and manage" and so covers read, plus offline_access (a refresh token)
// and confidential:access:admin (confidential postings, opportunities and
// requisitions). Endpoints are written as "METHOD /path" below /v1, with
// path parameters as :name; any parameter name matches any other.
package leverscope

import (
	"fmt"
	"slices"
	"strings"
)

// The two scopes that name no endpoint.
const (
	OfflineAccess = "offline_access"
	Confidential  = "confidential:access:admin"
)

// endpoints is the scope each Data API endpoint needs.
var endpoints = map[string]string{
	"GET /opportunities":                                       "opportunities:read:admin",
	"GET /opportunities/deleted":                               "opportunities:read:admin",
	"GET /opportunities/:opportunity":                          "opportunities:read:admin",
	"POST /opportunities":                                      "opportunities:write:admin",
	"PUT /opportunities/:opportunity/stage":                    "opportunities:write:admin",
	"PUT /opportunities/:opportunity/archived":                 "opportunities:write:admin",
	"POST /opportunities/:opportunity/addTags":                 "opportunities:write:admin",
	"POST /opportunities/:opportunity/removeTags":              "opportunities:write:admin",
	"POST /opportunities/:opportunity/addLinks":                "opportunities:write:admin",
	"POST /opportunities/:opportunity/removeLinks":             "opportunities:write:admin",
	"POST /opportunities/:opportunity/addSources":              "opportunities:write:admin",
	"POST /opportunities/:opportunity/removeSources":           "opportunities:write:admin",
	"GET /opportunities/:opportunity/applications":             "applications:read:admin",
	"GET /opportunities/:opportunity/applications/:app":        "applications:read:admin",
	"GET /opportunities/:opportunity/notes":                    "notes:read:admin",
	"GET /opportunities/:opportunity/notes/:note":              "notes:read:admin",
	"POST /opportunities/:opportunity/notes":                   "notes:write:admin",
	"PUT /opportunities/:opportunity/notes/:note":              "notes:write:admin",
	"DELETE /opportunities/:opportunity/notes/:note":           "notes:write:admin",
	"GET /opportunities/:opportunity/files":                    "files:read:admin",
	"GET /opportunities/:opportunity/files/:file":              "files:read:admin",
	"GET /opportunities/:opportunity/files/:file/download":     "files:read:admin",
	"POST /opportunities/:opportunity/files":                   "files:write:admin",
	"DELETE /opportunities/:opportunity/files/:file":           "files:write:admin",
	"GET /opportunities/:opportunity/resumes":                  "resumes:read:admin",
	"GET /opportunities/:opportunity/resumes/:resume":          "resumes:read:admin",
	"GET /opportunities/:opportunity/resumes/:resume/download": "resumes:read:admin",
	"POST /uploads":                                            "uploads:write:admin",
	"GET /opportunities/:opportunity/forms":                    "forms:read:admin",
	"GET /opportunities/:opportunity/forms/:form":              "forms:read:admin",
	"POST /opportunities/:opportunity/forms":                   "forms:write:admin",
	"GET /form_templates":                                      "form_templates:read:admin",
	"GET /form_templates/:template":                            "form_templates:read:admin",
	"POST /form_templates":                                     "form_templates:write:admin",
	"PUT /form_templates/:template":                            "form_templates:write:admin",
	"DELETE /form_templates/:template":                         "form_templates:write:admin",
	"GET /opportunities/:opportunity/feedback":                 "feedback:read:admin",
	"GET /opportunities/:opportunity/feedback/:feedback":       "feedback:read:admin",
	"POST /opportunities/:opportunity/feedback":                "feedback:write:admin",
	"PUT /opportunities/:opportunity/feedback/:feedback":       "feedback:write:admin",
	"DELETE /opportunities/:opportunity/feedback/:feedback":    "feedback:write:admin",
	"GET /feedback_templates":                                  "feedback_templates:read:admin",
	"GET /feedback_templates/:template":                        "feedback_templates:read:admin",
	"POST /feedback_templates":                                 "feedback_templates:write:admin",
	"PUT /feedback_templates/:template":                        "feedback_templates:write:admin",
	"DELETE /feedback_templates/:template":                     "feedback_templates:write:admin",
	"GET /opportunities/:opportunity/interviews":               "interviews:read:admin",
	"GET /opportunities/:opportunity/interviews/:interview":    "interviews:read:admin",
	"POST /opportunities/:opportunity/interviews":              "interviews:write:admin",
	"PUT /opportunities/:opportunity/interviews/:interview":    "interviews:write:admin",
	"DELETE /opportunities/:opportunity/interviews/:interview": "interviews:write:admin",
	"GET /opportunities/:opportunity/panels":                   "panels:read:admin",
	"GET /opportunities/:opportunity/panels/:panel":            "panels:read:admin",
	"POST /opportunities/:opportunity/panels":                  "panels:write:admin",
	"PUT /opportunities/:opportunity/panels/:panel":            "panels:write:admin",
	"DELETE /opportunities/:opportunity/panels/:panel":         "panels:write:admin",
	"GET /stages":                  "stages:read:admin",
	"GET /stages/:stage":           "stages:read:admin",
	"GET /archive_reasons":         "archive_reasons:read:admin",
	"GET /archive_reasons/:reason": "archive_reasons:read:admin",
	"GET /tags":                    "tags:read:admin",
	"GET /sources":                 "sources:read:admin",
	"GET /users":                   "users:read:admin",
	"GET /users/:user":             "users:read:admin",
	"POST /users":                  "users:write:admin",
	"PUT /users/:user":             "users:write:admin",
	"POST /users/:user/deactivate": "users:write:admin",
	"POST /users/:user/reactivate": "users:write:admin",
	"GET /postings":                "postings:read:admin",
	"GET /postings/:posting":       "postings:read:admin",
	"POST /postings":               "postings:write:admin",
	"POST /postings/:posting":      "postings:write:admin",
	"GET /contacts/:contact":       "contact:read:admin",
	"PUT /contacts/:contact":       "contact:write:admin",
	"GET /webhooks":                "webhooks:read:admin",
	"POST /webhooks":               "webhooks:write:admin",
	"PUT /webhooks":                "webhooks:write:admin",
	"DELETE /webhooks/:webhook":    "webhooks:write:admin",
}

// Endpoints returns every endpoint the table knows, sorted.
func Endpoints() []string {
	out := make([]string, 0, len(endpoints))
	for ep := range endpoints {
		out = append(out, ep)
	}
	slices.Sort(out)
	return out
}

// confidentialLists are the list endpoints that hide confidential records
// unless asked for them with confidentiality=all (or confidential), which
// needs Confidential.
var confidentialLists = []string{"GET /opportunities", "GET /postings"}

// byShape indexes endpoints by Shape.
var byShape = func() map[string]string {
	m := make(map[string]string, len(endpoints))
	for ep, sc := range endpoints {
		m[Shape(ep)] = sc
	}
	return m
}()

// Shape reduces an endpoint to its method and path with every parameter
// segment (":name" or "{name}") written "*", so that the sandbox's route
// patterns, the client's route templates and this table compare equal. A
// leading /v1 is dropped.
func Shape(endpoint string) string {
	method, path, _ := strings.Cut(strings.TrimSpace(endpoint), " ")
	path = strings.TrimPrefix(path, "/v1")
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "{") {
			segs[i] = "*"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// Scope returns the scope endpoint needs ("GET /postings/:id", or a
// sandbox pattern such as "GET /v1/postings/{posting}"), and whether the
// table knows the endpoint.
func Scope(endpoint string) (string, bool) {
	sc, ok := byShape[Shape(endpoint)]
	return sc, ok
}

// ListsConfidential reports whether endpoint is a list that shows
// confidential records only when asked with confidentiality=all.
func ListsConfidential(endpoint string) bool {
	sh := Shape(endpoint)
	return slices.ContainsFunc(confidentialLists, func(ep string) bool { return Shape(ep) == sh })
}

// Split parses a resource scope into its resource and whether it is a
// write scope; ok is false for offline_access, confidential:access:admin
// and anything not shaped <resource>:<read|write>:admin.
func Split(scope string) (resource string, write, ok bool) {
	parts := strings.Split(scope, ":")
	if len(parts) != 3 || parts[2] != "admin" || parts[0] == "" {
		return "", false, false
	}
	switch parts[1] {
	case "read":
		return parts[0], false, true
	case "write":
		return parts[0], true, true
	}
	return "", false, false
}

// Covers reports whether the granted scopes give scope: exactly, or a read
// scope through the write scope of the same resource ("view and manage").
func Covers(granted []string, scope string) bool {
	if slices.Contains(granted, scope) {
		return true
	}
	res, write, ok := Split(scope)
	return ok && !write && slices.Contains(granted, res+":write:admin")
}

// Minimal returns scopes without duplicates and without the read scopes a
// write scope in the list already gives: offline_access first, the rest
// sorted.
func Minimal(scopes []string) []string {
	var out []string
	offline := false
	for _, sc := range scopes {
		switch {
		case sc == OfflineAccess:
			offline = true
		case slices.Contains(out, sc):
		case Covers(slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == sc }), sc):
		default:
			out = append(out, sc)
		}
	}
	slices.Sort(out)
	if offline {
		out = append([]string{OfflineAccess}, out...)
	}
	return out
}

// ForEndpoints returns the minimal scopes that cover every endpoint, with
// offline_access, and Confidential when one of them is a list that hides
// confidential records. An endpoint the table does not know is an error.
func ForEndpoints(eps []string) ([]string, error) {
	scopes := []string{OfflineAccess}
	for _, ep := range eps {
		sc, ok := Scope(ep)
		if !ok {
			return nil, fmt.Errorf("leverscope: no scope is known for the endpoint %q", ep)
		}
		scopes = append(scopes, sc)
		if ListsConfidential(ep) {
			scopes = append(scopes, Confidential)
		}
	}
	return Minimal(scopes), nil
}
