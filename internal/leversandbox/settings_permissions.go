package leversandbox

import (
	"slices"
	"strings"
)

// An API key created under Settings > Integrations and API > API Credentials
// carries per-endpoint permissions, named as Lever names them in the key
// dialog ("Find all opportunities", "Update opportunity stage", …). OAuth
// tokens carry scopes instead; the keys given by Config.APIKey (and keys
// added with scope strings) keep the scope check, so they keep every
// permission they had.

// endpointPermission is one tick box of the API key dialog.
type endpointPermission struct {
	Name     string   `json:"name"`
	Access   string   `json:"access"` // read or write
	Resource string   `json:"resource"`
	Routes   []string `json:"routes"`
}

// routePermissions names the permission every /v1 route needs. The names
// seed 002's help article lists are Lever's own; the others follow the same
// pattern. Every /v1 route must be here (TestSettingsEveryRouteHasAPermission).
var routePermissions = map[string]string{
	"GET /v1/opportunities":                                 "Find all opportunities",
	"GET /v1/opportunities/deleted":                         "Find all deleted opportunities",
	"GET /v1/opportunities/{id}":                            "Find an opportunity",
	"POST /v1/opportunities":                                "Create an opportunity",
	"PUT /v1/opportunities/{id}/stage":                      "Update opportunity stage",
	"PUT /v1/opportunities/{id}/archived":                   "Update opportunity archived state",
	"POST /v1/opportunities/{id}/addTags":                   "Add opportunity tag",
	"POST /v1/opportunities/{id}/removeTags":                "Remove opportunities tag",
	"POST /v1/opportunities/{id}/addLinks":                  "Add opportunity links",
	"POST /v1/opportunities/{id}/removeLinks":               "Remove opportunity links",
	"POST /v1/opportunities/{id}/addSources":                "Add opportunity sources",
	"POST /v1/opportunities/{id}/removeSources":             "Remove opportunity sources",
	"GET /v1/opportunities/{id}/applications":               "Find all opportunity application",
	"GET /v1/opportunities/{id}/applications/{application}": "Find an opportunity application",

	"GET /v1/opportunities/{id}/notes":           "Find all opportunity notes",
	"GET /v1/opportunities/{id}/notes/{note}":    "Find an opportunity note",
	"POST /v1/opportunities/{id}/notes":          "Create an opportunity note",
	"PUT /v1/opportunities/{id}/notes/{note}":    "Update an opportunity note",
	"DELETE /v1/opportunities/{id}/notes/{note}": "Delete an opportunity note",

	"GET /v1/opportunities/{id}/files":                     "Find all opportunity files",
	"GET /v1/opportunities/{id}/files/{file}":              "Find an opportunity file",
	"GET /v1/opportunities/{id}/files/{file}/download":     "Download an opportunity file",
	"POST /v1/opportunities/{id}/files":                    "Upload an opportunities file",
	"DELETE /v1/opportunities/{id}/files/{file}":           "Delete an opportunity file",
	"GET /v1/opportunities/{id}/resumes":                   "Find all opportunity resumes",
	"GET /v1/opportunities/{id}/resumes/{resume}":          "Find an opportunity resume",
	"GET /v1/opportunities/{id}/resumes/{resume}/download": "Download an opportunity resume",
	"POST /v1/uploads":                                     "Upload a file",
	"GET /v1/opportunities/{id}/forms":                     "Find all opportunity forms",
	"GET /v1/opportunities/{id}/forms/{form}":              "Find an opportunity form",
	"POST /v1/opportunities/{id}/forms":                    "Create an opportunity form",
	"GET /v1/form_templates":                               "Find all form templates",
	"GET /v1/form_templates/{template}":                    "Find a form template",
	"POST /v1/form_templates":                              "Create a form template",
	"PUT /v1/form_templates/{template}":                    "Update a form template",
	"DELETE /v1/form_templates/{template}":                 "Delete a form template",
	"GET /v1/opportunities/{id}/feedback":                  "Find all opportunity feedback",
	"GET /v1/opportunities/{id}/feedback/{feedback}":       "Find an opportunity feedback",
	"POST /v1/opportunities/{id}/feedback":                 "Create an opportunity feedback",
	"PUT /v1/opportunities/{id}/feedback/{feedback}":       "Update an opportunity feedback",
	"DELETE /v1/opportunities/{id}/feedback/{feedback}":    "Delete an opportunity feedback",
	"GET /v1/feedback_templates":                           "Find all feedback templates",
	"GET /v1/feedback_templates/{template}":                "Find a feedback template",
	"POST /v1/feedback_templates":                          "Create a feedback template",
	"PUT /v1/feedback_templates/{template}":                "Update a feedback template",
	"DELETE /v1/feedback_templates/{template}":             "Delete a feedback template",
	"GET /v1/opportunities/{id}/interviews":                "Find all opportunity interviews",
	"GET /v1/opportunities/{id}/interviews/{interview}":    "Find an opportunity interview",
	"POST /v1/opportunities/{id}/interviews":               "Create an opportunity interview",
	"PUT /v1/opportunities/{id}/interviews/{interview}":    "Update an opportunity interview",
	"DELETE /v1/opportunities/{id}/interviews/{interview}": "Delete an opportunity interview",
	"GET /v1/opportunities/{id}/panels":                    "Find all opportunity panels",
	"GET /v1/opportunities/{id}/panels/{panel}":            "Find an opportunity panel",
	"POST /v1/opportunities/{id}/panels":                   "Create an opportunity panel",
	"PUT /v1/opportunities/{id}/panels/{panel}":            "Update an opportunity panel",
	"DELETE /v1/opportunities/{id}/panels/{panel}":         "Delete an opportunity panel",
	"GET /v1/stages":                                       "Find all stages",
	"GET /v1/stages/{stage}":                               "Find a stage",
	"GET /v1/archive_reasons":                              "Find all archive reasons",
	"GET /v1/archive_reasons/{reason}":                     "Find an archive reason",
	"GET /v1/tags":                                         "Find all tags",
	"GET /v1/sources":                                      "Find all sources",
	"GET /v1/users":                                        "Find all users",
	"GET /v1/users/{user}":                                 "Find a user",
	"POST /v1/users":                                       "Create a user",
	"PUT /v1/users/{user}":                                 "Update a user",
	"POST /v1/users/{user}/deactivate":                     "Deactivate a user",
	"POST /v1/users/{user}/reactivate":                     "Reactivate a user",
	"GET /v1/postings":                                     "Find all postings",
	"GET /v1/postings/{posting}":                           "Find a posting",
	"POST /v1/postings":                                    "Create a posting",
	"POST /v1/postings/{posting}":                          "Update a posting",
	"GET /v1/contacts/{contact}":                           "Find a contact",
	"PUT /v1/contacts/{contact}":                           "Update a contact",
	"GET /v1/webhooks":                                     "Find all webhooks",
	"POST /v1/webhooks":                                    "Create a webhook",
	"PUT /v1/webhooks":                                     "Update webhooks",
	"DELETE /v1/webhooks/{webhook}":                        "Delete a webhook",
}

// permissionCatalog is every endpoint permission, in the order routes()
// registers them. Filled by register.
type permissionCatalog struct {
	byName map[string]*endpointPermission
	order  []*endpointPermission
	// unmapped are routes missing from routePermissions; mixed are names
	// given to both read and write routes. Both must stay empty.
	unmapped []string
	mixed    []string
}

func newPermissionCatalog() *permissionCatalog {
	return &permissionCatalog{byName: map[string]*endpointPermission{}}
}

// register records that pattern needs the permission routePermissions
// names for it, and returns that name. A route missing from
// routePermissions gets its pattern as the permission name (so the sandbox
// still serves it) and is listed in unmapped, which a test refuses.
func (pc *permissionCatalog) register(pattern, resource string, write bool) string {
	name, ok := routePermissions[pattern]
	if !ok {
		name = pattern
		pc.unmapped = append(pc.unmapped, pattern)
	}
	access := "read"
	if write {
		access = "write"
	}
	p := pc.byName[name]
	if p == nil {
		p = &endpointPermission{Name: name, Access: access, Resource: resource}
		pc.byName[name] = p
		pc.order = append(pc.order, p)
	} else if p.Access != access {
		pc.mixed = append(pc.mixed, name)
	}
	p.Routes = append(p.Routes, pattern)
	return name
}

// list returns the permissions with the given access ("read" or "write"),
// or all of them for "".
func (pc *permissionCatalog) list(access string) []*endpointPermission {
	var out []*endpointPermission
	for _, p := range pc.order {
		if access == "" || p.Access == access {
			out = append(out, p)
		}
	}
	return out
}

// check validates a requested permission list: every name known, no
// duplicates. It returns the names in catalogue order.
func (pc *permissionCatalog) check(names []string) ([]string, error) {
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if pc.byName[n] == nil {
			return nil, errBadRequest("unknown permission %q; GET /_sandbox/permissions lists them", n)
		}
		seen[n] = true
	}
	out := make([]string, 0, len(seen))
	for _, p := range pc.order {
		if seen[p.Name] {
			out = append(out, p.Name)
		}
	}
	return out, nil
}

// allNames is every permission name, in catalogue order.
func (pc *permissionCatalog) allNames() []string {
	out := make([]string, 0, len(pc.order))
	for _, p := range pc.order {
		out = append(out, p.Name)
	}
	return out
}

// forbiddenFor is the 403 an API key gets for a route outside its
// permissions.
func forbiddenFor(pattern, permission string) error {
	return errForbidden("this API key is not authorized for %s: it needs the %q permission (a Super Admin grants it under Settings > Integrations and API > API Credentials)",
		pattern, permission)
}

// hasAll reports whether have holds every name in want.
func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
