package engine

import (
	"slices"

	"stagecoach/internal/domain"
	"stagecoach/internal/leverscope"
)

// The Lever endpoints each flow calls, written as leverscope writes them.
// The OAuth scopes stagecoach asks for are derived from these lists through
// leverscope's table (the one the sandbox enforces), so adding a call to a
// flow means adding its endpoint here; the end-to-end tests connect each
// kind with exactly its scopes and fail on a call outside its list.

// everyFlowEndpoints are called whatever the kind: routing reads the
// opportunity, stages resolve by name, the perform-as user is looked up,
// webhooks are registered and removed, and the setup check reads the
// account's stages, postings and users.
var everyFlowEndpoints = []string{
	"GET /opportunities/:opportunity",
	"GET /stages",
	"GET /users",
	"GET /users/:user",
	"GET /postings",
	"POST /webhooks",
	"DELETE /webhooks/:webhook",
}

// kindEndpoints are the calls of one kind's flow.
var kindEndpoints = map[string][]string{
	// The sweep for missed webhooks lists the trigger stage; the invite and
	// results write notes, tags, the profile form (and its template), the
	// PDF and the stage; the package tags go on postings.
	domain.KindAssessment: {
		"GET /opportunities",
		"GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes",
		"POST /opportunities/:opportunity/addTags", "POST /opportunities/:opportunity/removeTags",
		"PUT /opportunities/:opportunity/stage",
		"GET /opportunities/:opportunity/files", "POST /opportunities/:opportunity/files",
		"GET /opportunities/:opportunity/forms", "POST /opportunities/:opportunity/forms",
		"GET /form_templates", "GET /form_templates/:template", "POST /form_templates",
		"GET /postings/:posting", "POST /postings/:posting",
		"GET /tags",
	},
	// The sweep; the interview and evaluation links as notes and tags; the
	// kit map checks its postings.
	domain.KindVideoInterview: {
		"GET /opportunities",
		"GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes",
		"POST /opportunities/:opportunity/addTags", "POST /opportunities/:opportunity/removeTags",
		"GET /postings/:posting",
		"GET /tags",
	},
	// The sweep; the job sync lists tagged postings (the settings pick the
	// tag); the order reads its posting and the owner to @-mention; notes,
	// and feedback forms on a feedback template stagecoach creates.
	domain.KindInterviewService: {
		"GET /opportunities",
		"GET /tags",
		"GET /postings/:posting",
		"GET /opportunities/:opportunity/notes", "POST /opportunities/:opportunity/notes",
		"GET /feedback_templates", "POST /feedback_templates",
		"GET /opportunities/:opportunity/feedback", "POST /opportunities/:opportunity/feedback",
	},
	// The export looks the candidate up by e-mail, creates the opportunity,
	// uploads the CV and moves the stage; Lever's events passed on read
	// archive reasons and interviews; the settings check their postings.
	domain.KindSourcing: {
		"GET /opportunities",
		"POST /opportunities",
		"PUT /opportunities/:opportunity/stage",
		"GET /opportunities/:opportunity/files", "POST /opportunities/:opportunity/files",
		"GET /archive_reasons",
		"GET /opportunities/:opportunity/interviews/:interview",
		"GET /postings/:posting",
	},
}

// LeverEndpoints lists the Lever endpoints the flows of the given provider
// kinds call (every flow's when none is given), sorted.
func LeverEndpoints(kinds ...string) []string {
	if len(kinds) == 0 {
		kinds = domain.ProviderKinds
	}
	out := slices.Clone(everyFlowEndpoints)
	for _, k := range kinds {
		out = append(out, kindEndpoints[k]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// LeverScopes lists the OAuth scopes the flows of the given provider kinds
// need (every flow's when none is given): the scope of each endpoint they
// call, without the read scopes a write scope covers, with offline_access
// first and confidential:access:admin where a flow lists postings or
// opportunities (Lever hides confidential ones otherwise).
func LeverScopes(kinds ...string) []string {
	scopes, err := leverscope.ForEndpoints(LeverEndpoints(kinds...))
	if err != nil {
		panic(err) // a programming error: TestLeverScopesPerKind catches it
	}
	return scopes
}

// missingScopes returns the scopes of want that granted does not give,
// counting a write scope as its read.
func missingScopes(granted, want []string) []string {
	var out []string
	for _, sc := range want {
		if !leverscope.Covers(granted, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// accountParts maps each part of LeverAccount to the endpoint reading it.
var accountParts = map[string]string{
	"stages":             "GET /stages",
	"postings":           "GET /postings",
	"users":              "GET /users",
	"tags":               "GET /tags",
	"form_templates":     "GET /form_templates",
	"feedback_templates": "GET /feedback_templates",
}

// readsPart reports whether the flows of kinds (every flow when none)
// read part of the account.
func readsPart(part string, kinds ...string) bool {
	return slices.Contains(LeverEndpoints(kinds...), accountParts[part])
}

// fieldParts names the account part an operator picks a setting of each
// type from.
var fieldParts = map[FieldType]string{
	FieldStage: "stages", FieldMapProviderToStage: "stages", FieldMapStageToProvider: "stages",
	FieldPosting: "postings", FieldPostings: "postings", FieldMapPostingPackage: "postings", FieldMapRolePosting: "postings",
	FieldUser: "users", FieldTag: "tags",
	FieldFormTemplate: "form_templates", FieldFeedbackTemplate: "feedback_templates",
}
