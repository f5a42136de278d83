package leversandbox

import (
	"net/http"
	"strings"
	"testing"

	"stagecoach/internal/leverscope"
)

// TestEveryRouteHasItsScope keeps the scope table and the sandbox's routes
// in step: every /v1 route has a scope in leverscope's table, the same
// resource and access as its API key permission, and the table names no
// route the sandbox does not serve.
func TestEveryRouteHasItsScope(t *testing.T) {
	t.Parallel()
	sb, _ := demo(t)
	served := map[string]bool{}
	for _, p := range sb.perms.list("") {
		for _, route := range p.Routes {
			served[leverscope.Shape(route)] = true
			sc, ok := leverscope.Scope(route)
			if !ok {
				t.Errorf("%s has no scope in leverscope's table", route)
				continue
			}
			if want := p.Resource + ":" + p.Access + ":admin"; sc != want {
				t.Errorf("%s: the table says %s, the API key permission %q says %s", route, sc, p.Name, want)
			}
		}
	}
	for _, ep := range leverscope.Endpoints() {
		if !served[leverscope.Shape(ep)] {
			t.Errorf("leverscope's table names %s, which the sandbox does not serve", ep)
		}
	}
}

// oauthToken runs the authorization-code flow for scopes and returns the
// access token.
func oauthToken(t *testing.T, b *testBundle, client string, scopes ...string) string {
	t.Helper()
	q := authorize(t, b, oauthApp(t, b, client, strings.Join(scopes, " ")), "accept", adminID)
	access, _ := exchange(t, b, client, q.Get("code"))
	return access
}

// TestScopeRefusesWritesOutsideTheGrant: a token may call what its scopes
// cover (a write scope covering its read) and nothing else, and the 403
// names the scope that is missing.
func TestScopeRefusesWritesOutsideTheGrant(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	tok := oauthToken(t, b, "narrow", "offline_access", "feedback_templates:write:admin", "notes:read:admin")
	tpl := map[string]any{"text": "Interview", "instructions": "x", "fields": []map[string]any{{"type": "score-system", "text": "Overall", "required": true}, {"type": "textarea", "text": "Summary"}}}

	// feedback_templates:write:admin lets it read and create templates.
	b.call(t, "GET", "/v1/feedback_templates", nil, bearer(tok)).must(t, http.StatusOK)
	b.call(t, "POST", "/v1/feedback_templates", tpl, bearer(tok)).must(t, http.StatusCreated)

	// notes:read:admin reads notes but does not write them.
	opp := adaOpp
	b.call(t, "GET", "/v1/opportunities/"+opp+"/notes", nil, bearer(tok)).must(t, http.StatusOK)
	msg := b.call(t, "POST", "/v1/opportunities/"+opp+"/notes", map[string]any{"value": "hi"}, bearer(tok)).errorBody(t, http.StatusForbidden, "Forbidden")
	if !strings.Contains(msg, "notes:write:admin") {
		t.Errorf("403 for a note write = %q, want it to name notes:write:admin", msg)
	}

	// A read scope alone never allows the write.
	ro := oauthToken(t, b, "readonly", "feedback_templates:read:admin")
	b.call(t, "GET", "/v1/feedback_templates", nil, bearer(ro)).must(t, http.StatusOK)
	msg = b.call(t, "POST", "/v1/feedback_templates", tpl, bearer(ro)).errorBody(t, http.StatusForbidden, "Forbidden")
	if !strings.Contains(msg, "feedback_templates:write:admin") {
		t.Errorf("403 for a template write = %q, want it to name feedback_templates:write:admin", msg)
	}
}

// TestConfidentialPostingsAndTheirOpportunities: a confidential posting,
// and the opportunity that applies to it, are absent from lists by default
// and listed with confidentiality=all only for a credential with
// confidential access; without it asking is a 403.
func TestConfidentialPostingsAndTheirOpportunities(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	p := b.call(t, "POST", "/_sandbox/postings", map[string]any{"text": "Secret Project Lead", "confidential": true, "tags": []string{"JobTwine"}}, noAuth).must(t, http.StatusCreated).data(t)
	pid := p["id"].(string)
	if p["confidentiality"] != "confidential" {
		t.Fatalf("created posting: confidentiality %v", p["confidentiality"])
	}
	app := b.call(t, "POST", "/_sandbox/postings/"+pid+"/apply", map[string]any{"name": "Quinn Hidden", "email": "quinn@example.org"}, noAuth).must(t, http.StatusCreated).object(t)
	oid := app["opportunity"].(map[string]any)["id"].(string)

	with := oauthToken(t, b, "conf", "postings:read:admin", "opportunities:read:admin", leverscope.Confidential)
	without := oauthToken(t, b, "plain", "postings:read:admin", "opportunities:read:admin")
	has := func(list []map[string]any, id string) bool {
		for _, x := range list {
			if x["id"] == id {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		name, path, id string
	}{
		{"posting", "/v1/postings", pid},
		{"opportunity", "/v1/opportunities", oid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if has(b.call(t, "GET", tc.path, nil, bearer(with)).must(t, 200).list(t), tc.id) {
				t.Errorf("%s listed without confidentiality=all", tc.name)
			}
			if !has(b.call(t, "GET", tc.path+"?confidentiality=all", nil, bearer(with)).must(t, 200).list(t), tc.id) {
				t.Errorf("%s not listed with confidentiality=all and confidential access", tc.name)
			}
			if has(b.call(t, "GET", tc.path, nil, bearer(without)).must(t, 200).list(t), tc.id) {
				t.Errorf("%s listed to a credential without confidential access", tc.name)
			}
			b.call(t, "GET", tc.path+"?confidentiality=all", nil, bearer(without)).errorBody(t, http.StatusForbidden, "Forbidden")
			b.call(t, "GET", tc.path+"/"+tc.id, nil, bearer(without)).errorBody(t, http.StatusForbidden, "Forbidden")
			b.call(t, "GET", tc.path+"/"+tc.id, nil, bearer(with)).must(t, http.StatusOK)
		})
	}
}
