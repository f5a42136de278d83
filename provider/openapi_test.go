package provider_test

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"stagecoach/provider"
)

// openAPIPath is the API's OpenAPI document, which the server embeds.
const openAPIPath = "../internal/api/openapi.json"

func loadOpenAPI(tb testing.TB) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(openAPIPath)
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		tb.Fatalf("%s is not JSON: %v", openAPIPath, err)
	}
	return doc
}

// resolve follows a local JSON pointer ("#/components/schemas/Order").
func resolve(doc map[string]any, ref string) (any, bool) {
	p, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch c := cur.(type) {
		case map[string]any:
			if cur, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// walk calls f with every object in v and its JSON pointer.
func walk(v any, at string, f func(at string, obj map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(at, v)
		for k, c := range v {
			walk(c, at+"/"+k, f)
		}
	case []any:
		for i, c := range v {
			walk(c, at+"/"+strconv.Itoa(i), f)
		}
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi=%q, want 3.1.x", v)
	}
	n := 0
	walk(doc, "#", func(at string, obj map[string]any) {
		for _, key := range []string{"$ref"} {
			ref, ok := obj[key].(string)
			if !ok {
				continue
			}
			n++
			if _, ok := resolve(doc, ref); !ok {
				t.Errorf("%s: $ref %q does not resolve", at, ref)
			}
		}
		// A discriminator's mapping names schemas too.
		if d, ok := obj["discriminator"].(map[string]any); ok {
			m, _ := d["mapping"].(map[string]any)
			for k, ref := range m {
				if _, ok := resolve(doc, ref.(string)); !ok {
					t.Errorf("%s: discriminator mapping %s → %q does not resolve", at, k, ref)
				}
			}
		}
	})
	if n < 20 {
		t.Fatalf("only %d $refs: is the document complete?", n)
	}
}

func TestOpenAPICoversTheContract(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	paths, _ := doc["paths"].(map[string]any)
	for _, route := range []string{
		"GET /v1/me", "GET /v1/packages", "PUT /v1/packages", "GET /v1/orders", "GET /v1/orders/{id}",
		"POST /v1/orders/{id}/events", "GET /v1/lever-events", "GET /v1/lever-events/{id}", "GET /v1/openapi.json",
		"GET /v1/integrations", "GET /v1/integrations/{id}", "GET /v1/integrations/{id}/kit-map", "PUT /v1/integrations/{id}/kit-map",
	} {
		method, path, _ := strings.Cut(route, " ")
		item, _ := paths[path].(map[string]any)
		op, ok := item[strings.ToLower(method)].(map[string]any)
		if !ok {
			t.Errorf("%s is not documented", route)
			continue
		}
		if _, ok := op["responses"].(map[string]any)["200"]; !ok {
			t.Errorf("%s documents no 200 answer", route)
		}
		if method == "POST" && !hasParam(doc, op, "header", "Idempotency-Key") {
			t.Errorf("%s does not document Idempotency-Key", route)
		}
	}
	if s, _ := resolve(doc, "#/components/securitySchemes/bearer/scheme"); s != "bearer" {
		t.Errorf("no bearer security scheme")
	}
	webhooks, _ := doc["webhooks"].(map[string]any)
	for _, typ := range []string{provider.WebhookOrderCreated, provider.WebhookOrderReinvite, provider.WebhookOrderCancelled, provider.WebhookOrderFailed, provider.WebhookJobSynced, provider.WebhookJobRemoved, provider.WebhookConnectionBroken, provider.WebhookConnectionRestored} {
		if _, ok := webhooks[typ]; !ok {
			t.Errorf("webhook %s is not documented", typ)
		}
	}
}

func hasParam(doc map[string]any, op map[string]any, in, name string) bool {
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		pm, _ := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			r, _ := resolve(doc, ref)
			pm, _ = r.(map[string]any)
		}
		if pm["in"] == in && pm["name"] == name {
			return true
		}
	}
	return false
}

// jsonKeys returns the top-level keys v marshals to.
func jsonKeys(tb testing.TB, v any) []string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

// schemaProps returns the property names of a component schema.
func schemaProps(tb testing.TB, doc map[string]any, name string) []string {
	tb.Helper()
	s, ok := resolve(doc, "#/components/schemas/"+name+"/properties")
	if !ok {
		tb.Fatalf("schema %s has no properties", name)
	}
	return slices.Sorted(maps.Keys(s.(map[string]any)))
}

// TestOpenAPIMatchesTheClientTypes checks that the client's types and the
// document name the same JSON fields.
func TestOpenAPIMatchesTheClientTypes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	now := time.Now()
	f := 1.0
	for _, tc := range []struct {
		schema string
		value  any
		// goOnly are fields the Go type has beyond the schema.
		goOnly []string
	}{
		{"Me", provider.Profile{ID: "x", Name: "x", Kind: "x"}, nil},
		{"Package", provider.Package{ID: "x", Name: "x", Kind: "x", LeverTag: "x"}, nil},
		{"Order", provider.Order{ID: "x", CandidateURL: "x", EvaluationURL: "x", Result: &provider.Result{}, LastError: "x", Reason: "x", CreatedAt: now, UpdatedAt: now},
			[]string{"reason"}},
		{"OrderResult", provider.Result{Result: "x", Attributes: map[string]any{"a": 1}, ResultURL: "x"}, nil},
		{"OpportunityRef", provider.Opportunity{ID: "x", URL: "x", StageID: "x"}, nil},
		{"PostingRef", provider.Posting{ID: "x", Title: "x"}, nil},
		{"OwnerRef", provider.Owner{ID: "x", Name: "x", Email: "x"}, nil},
		{"Candidate", provider.Candidate{Name: "x", Email: "x"}, nil},
		{"LeverEvent", provider.LeverEvent{ID: "x"}, nil},
		{"Decision", provider.Decision{OrderID: "x"}, nil},
		{"Report", provider.Report{Filename: "x", ContentBase64: "x", URL: "x"}, nil},
		{"Problem", provider.Problem{Detail: "x", Instance: "x", Errors: []provider.FieldError{{}}}, nil},
		{"FieldError", provider.FieldError{}, nil},
		{"Job", provider.Job{Team: "x", Department: "x", Location: "x", Commitment: "x", URL: "x"}, nil},
		{"RemovedJob", provider.RemovedJob{}, nil},
		{"KitMap", provider.KitMap{}, nil},
		{"Integration", provider.Integration{}, nil},
		{"IntegrationSettings", provider.IntegrationSettings{TriggerStage: "x", PerformAs: "x", CompletionStage: "x", InvitedTag: "x", CompletedTag: "x",
			FormTemplate: "x", DefaultPackage: "x", PostingPackages: map[string]string{"a": "b"}, JobSyncTag: "x", FeedbackForm: true, FeedbackTemplate: "x"}, nil},
	} {
		got := jsonKeys(t, tc.value)
		got = slices.DeleteFunc(got, func(k string) bool { return slices.Contains(tc.goOnly, k) })
		if want := schemaProps(t, doc, tc.schema); !slices.Equal(got, want) {
			t.Errorf("%s: the Go type has %v, the document %v", tc.schema, got, want)
		}
	}

	// Every field of every documented event type is one the client's
	// Event can send.
	ev := provider.Event{
		Type: "x", CandidateURL: "x", Score: &f, MaxScore: &f, Result: "x", Attributes: map[string]any{"a": 1},
		ResultURL: "x", EvaluationURL: "x", Report: &provider.Report{}, Reason: "x",
		SchedulingURL: "x", StartsAt: &now, Interviewer: "x", MeetingURL: "x", Round: "x",
		Recommendation: "x", Summary: "x", FeedbackURL: "x", VideoURL: "x",
	}
	evKeys := jsonKeys(t, ev)
	for _, name := range []string{"InvitedEvent", "InterviewServiceInvitedEvent", "StartedEvent", "CompletedEvent", "VideoInterviewCompletedEvent", "CancelledEvent", "ExpiredEvent", "ScheduledEvent", "RescheduledEvent", "FeedbackEvent"} {
		for _, p := range schemaProps(t, doc, name) {
			if !slices.Contains(evKeys, p) {
				t.Errorf("%s.%s has no field in provider.Event", name, p)
			}
		}
	}
}
