package engine

import (
	"slices"

	"stagecoach/internal/flow"
	"stagecoach/internal/leverscope"
)

// The Lever endpoints each flow calls are declared by its kind (flow.Kind's
// LeverEndpoints, beyond flow.EveryFlowEndpoints), written as leverscope
// writes them. The OAuth scopes stagecoach asks for are derived from these
// lists through leverscope's table (the one the sandbox enforces), so adding
// a call to a flow means adding its endpoint to its kind; the end-to-end
// tests connect each kind with exactly its scopes and fail on a call outside
// its list.

// LeverEndpoints lists the Lever endpoints the flows of the given provider
// kinds call (every flow's when none is given), sorted.
func LeverEndpoints(kinds ...string) []string {
	if len(kinds) == 0 {
		for _, k := range flow.All() {
			kinds = append(kinds, k.ID())
		}
	}
	out := slices.Clone(flow.EveryFlowEndpoints)
	for _, id := range kinds {
		if k, err := flow.Lookup(id); err == nil {
			out = append(out, k.LeverEndpoints()...)
		}
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
