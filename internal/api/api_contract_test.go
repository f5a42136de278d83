package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// The document's schemas are checked with a JSON Schema 2020-12 validator,
// the dialect of OpenAPI 3.1; formats (uri, date-time, email) are asserted.

const contractBase = "https://stagecoach.test/openapi.json"

// contract is the API's OpenAPI document, its schemas compiled.
type contract struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

func loadContract(tb testing.TB) *contract {
	tb.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("openapi.json: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(contractBase, doc); err != nil {
		tb.Fatal(err)
	}
	return &contract{doc: doc.(map[string]any), compiler: c, compiled: map[string]*jsonschema.Schema{}}
}

// pointer returns the JSON pointer of a path of keys.
func pointer(keys ...string) string {
	var b strings.Builder
	for _, k := range keys {
		b.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	}
	return b.String()
}

// at returns the value at a JSON pointer of the document, following a $ref
// found on the way.
func (k *contract) at(tb testing.TB, ptr string) any {
	tb.Helper()
	var cur any = k.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		m, ok := cur.(map[string]any)
		if !ok {
			tb.Fatalf("%s: %q is not under an object", ptr, tok)
		}
		if ref, ok := m["$ref"].(string); ok {
			m = k.at(tb, strings.TrimPrefix(ref, "#")).(map[string]any)
		}
		if cur, ok = m[tok]; !ok {
			tb.Fatalf("the document has nothing at %s", ptr)
		}
	}
	if m, ok := cur.(map[string]any); ok {
		if ref, ok := m["$ref"].(string); ok {
			return k.at(tb, strings.TrimPrefix(ref, "#"))
		}
	}
	return cur
}

// schema compiles the schema at a JSON pointer of the document.
func (k *contract) schema(tb testing.TB, ptr string) *jsonschema.Schema {
	tb.Helper()
	if s, ok := k.compiled[ptr]; ok {
		return s
	}
	frag := (&url.URL{Fragment: ptr}).EscapedFragment()
	s, err := k.compiler.Compile(contractBase + "#" + frag)
	if err != nil {
		tb.Fatalf("compile %s: %v", ptr, err)
	}
	k.compiled[ptr] = s
	return s
}

// requestSchema is the pointer of an operation's JSON request body schema.
func requestSchema(path, method string) string {
	return pointer("paths", path, strings.ToLower(method), "requestBody", "content", "application/json", "schema")
}

// validate reports whether v (JSON bytes) is valid against the schema at
// ptr, and why not.
func (k *contract) validate(tb testing.TB, ptr string, body []byte) error {
	tb.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return k.schema(tb, ptr).Validate(v)
}

// checkAnswer fails unless the answer's status is one the operation
// documents and its body validates against the schema documented for that
// status and content type.
func (k *contract) checkAnswer(tb testing.TB, method, path string, r response) {
	tb.Helper()
	op := pointer("paths", path, strings.ToLower(method))
	responses := k.at(tb, op+"/responses").(map[string]any)
	code := strconv.Itoa(r.status)
	if _, ok := responses[code]; !ok {
		tb.Errorf("%s %s answered %d, which it does not document (%v); body: %s", method, path, r.status, slices.Sorted(mapKeys(responses)), r.body)
		return
	}
	content, _ := k.at(tb, op+pointer("responses", code)).(map[string]any)["content"].(map[string]any)
	if len(content) == 0 {
		if len(r.body) != 0 {
			tb.Errorf("%s %s %d: documents no body, got %s", method, path, r.status, r.body)
		}
		return
	}
	mt, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		tb.Errorf("%s %s %d: Content-Type %q: %v", method, path, r.status, r.header.Get("Content-Type"), err)
		return
	}
	if _, ok := content[mt]; !ok {
		tb.Errorf("%s %s %d: answered %s, the document says %v", method, path, r.status, mt, slices.Sorted(mapKeys(content)))
		return
	}
	ptr := responseSchema(tb, k, op, code, mt)
	if err := k.validate(tb, ptr, r.body); err != nil {
		tb.Errorf("%s %s %d: the body does not match the document: %v\nbody: %s", method, path, r.status, err, r.body)
	}
}

// responseSchema is the pointer of the schema an operation documents for a
// status and content type, through a $ref to components/responses.
func responseSchema(tb testing.TB, k *contract, op, code, mt string) string {
	tb.Helper()
	resp := k.at(tb, op+"/responses").(map[string]any)[code].(map[string]any)
	if ref, ok := resp["$ref"].(string); ok {
		return strings.TrimPrefix(ref, "#") + pointer("content", mt, "schema")
	}
	return op + pointer("responses", code, "content", mt, "schema")
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// requestExamples returns an operation's documented request bodies by
// name ("example" when the media type has a single example).
func (k *contract) requestExamples(tb testing.TB, path, method string) map[string][]byte {
	tb.Helper()
	mt := k.at(tb, pointer("paths", path, strings.ToLower(method), "requestBody", "content", "application/json")).(map[string]any)
	out := map[string][]byte{}
	add := func(name string, v any) {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		out[name] = b
	}
	if v, ok := mt["example"]; ok {
		add("example", v)
	}
	examples, _ := mt["examples"].(map[string]any)
	for name, e := range examples {
		add(name, e.(map[string]any)["value"])
	}
	return out
}

// addInterviewService seeds an interview service on acme.
const keyService = "sc_test_service_key"

func addInterviewService(tb testing.TB, b *testBundle) {
	tb.Helper()
	ctx := context.Background()
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ProviderCreate(ctx, &domain.Provider{ID: "service", Name: "Service", Kind: domain.KindInterviewService, APIKeyHash: admin.HashAPIKey(keyService)}); err != nil {
			return err
		}
		return tx.IntegrationCreate(ctx, &domain.Integration{ID: "int_service_acme", ProviderID: "service", ConnectionID: "acme", Settings: json.RawMessage(`{}`), Enabled: true})
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// TestContractExamplesAreAccepted sends every request body the document
// gives as an example to the server, which must take it; each answer, and
// the answers of the routes that read what the examples made, must be what
// the document says.
func TestContractExamplesAreAccepted(t *testing.T) {
	t.Parallel()
	k := loadContract(t)
	b := setup(t)
	addSourcing(t, b)
	addInterviewService(t, b)

	send := func(key, method, path, route string, body []byte) response {
		t.Helper()
		r := b.call(t, method, path, key, body)
		if r.status/100 != 2 {
			t.Errorf("%s %s: status %d, want a 2xx; body: %s", method, path, r.status, r.body)
		}
		k.checkAnswer(t, method, route, r)
		return r
	}
	examples := func(route string) map[string][]byte {
		t.Helper()
		method, path, _ := strings.Cut(route, " ")
		ex := k.requestExamples(t, path, method)
		if len(ex) == 0 {
			t.Fatalf("%s has no example", route)
		}
		for name, body := range ex {
			// The document agrees with its own examples.
			if err := k.validate(t, requestSchema(path, method), body); err != nil {
				t.Errorf("%s example %s does not match the document's schema: %v", route, name, err)
			}
		}
		return ex
	}
	documented := 0

	// PUT /v1/packages, as the assessment provider.
	for _, body := range examples("PUT /v1/packages") {
		documented++
		send(keyIMocha, "PUT", "/v1/packages", "/v1/packages", body)
	}
	send(keyIMocha, "GET", "/v1/packages", "/v1/packages", nil)

	// PUT …/kit-map, as the video interview provider, once its kits are
	// published.
	send(keyHireVue, "PUT", "/v1/packages", "/v1/packages",
		[]byte(`{"packages":[{"id":"general","name":"General","kind":"interview_kit"},{"id":"backend-kit","name":"Backend","kind":"interview_kit","leverTag":"Backend kit"}]}`))
	for _, body := range examples("PUT /v1/integrations/{id}/kit-map") {
		documented++
		send(keyHireVue, "PUT", "/v1/integrations/int_hirevue_acme/kit-map", "/v1/integrations/{id}/kit-map", body)
	}
	send(keyHireVue, "GET", "/v1/packages", "/v1/packages", nil)

	// POST /v1/orders/{id}/events: each example is named after the kind
	// of provider that sends it; each goes to a new order.
	keys := map[string][2]string{
		domain.KindAssessment:       {keyIMocha, "imocha"},
		domain.KindVideoInterview:   {keyHireVue, "hirevue"},
		domain.KindInterviewService: {keyService, "service"},
	}
	var orderIDs []string
	for name, body := range examples("POST /v1/orders/{id}/events") {
		documented++
		kind, _, _ := strings.Cut(name, "-")
		p, ok := keys[kind]
		if !ok {
			t.Errorf("event example %q is not named after a provider kind (kind-event)", name)
			continue
		}
		o := b.insertOrder(t, domain.Order{ProviderID: p[1], ConnectionID: "acme", PostingID: "post_1",
			Details: domain.OrderDetails{PostingTitle: "Backend Engineer"}})
		orderIDs = append(orderIDs, o.ID)
		send(p[0], "POST", "/v1/orders/"+o.ID+"/events", "/v1/orders/{id}/events", body)
		send(p[0], "GET", "/v1/orders/"+o.ID, "/v1/orders/{id}", nil)
	}
	for _, key := range []string{keyIMocha, keyHireVue, keyService} {
		send(key, "GET", "/v1/orders", "/v1/orders", nil)
	}
	if len(orderIDs) < 5 {
		t.Errorf("%d event examples, want one per kind's invitation and completion at least", len(orderIDs))
	}

	// POST /v1/exports, then a stage change of the export it made.
	var exportID string
	for _, body := range examples("POST /v1/exports") {
		documented++
		r := send(keySourcer, "POST", "/v1/exports", "/v1/exports", body)
		var x struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r.body, &x); err != nil || x.ID == "" {
			t.Fatalf("export answer %s: no id (%v)", r.body, err)
		}
		exportID = x.ID
	}
	for _, body := range examples("POST /v1/exports/{id}/stage") {
		documented++
		send(keySourcer, "POST", "/v1/exports/"+exportID+"/stage", "/v1/exports/{id}/stage", body)
	}
	send(keySourcer, "GET", "/v1/exports", "/v1/exports", nil)
	send(keySourcer, "GET", "/v1/exports/"+exportID, "/v1/exports/{id}", nil)

	// The rest of what a provider reads.
	send(keyIMocha, "GET", "/v1/me", "/v1/me", nil)
	send(keyHireVue, "GET", "/v1/integrations", "/v1/integrations", nil)
	send(keyHireVue, "GET", "/v1/integrations/int_hirevue_acme", "/v1/integrations/{id}", nil)
	send(keyHireVue, "GET", "/v1/integrations/int_hirevue_acme/kit-map", "/v1/integrations/{id}/kit-map", nil)
	send(keyIMocha, "GET", "/v1/lever-events", "/v1/lever-events", nil)
	send(keyIMocha, "POST", "/v1/me/webhook-secret/rotate", "/v1/me/webhook-secret/rotate", []byte(`{"graceSeconds":0}`))

	// Every operation that takes a body documents at least one example.
	n := 0
	paths := k.at(t, "/paths").(map[string]any)
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			if _, ok := op.(map[string]any)["requestBody"]; !ok || path == "/v1/me/webhook-secret/rotate" { // its body is optional
				continue
			}
			n++
			if len(k.requestExamples(t, path, method)) == 0 {
				t.Errorf("%s %s documents no example body", strings.ToUpper(method), path)
			}
		}
	}
	if documented < n {
		t.Errorf("sent %d examples, the document has bodies on %d operations", documented, n)
	}
}

// TestContractRefusedShapesAreRefused sends bodies the document's schemas
// refuse (a missing required field, a field the schema does not have, a
// value outside an enum, a wrong type): the server refuses each with a 400
// the document describes.
func TestContractRefusedShapesAreRefused(t *testing.T) {
	t.Parallel()
	k := loadContract(t)
	b := setup(t)
	addSourcing(t, b)
	addInterviewService(t, b)
	assessment := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "acme"})
	video := b.insertOrder(t, domain.Order{ProviderID: "hirevue", ConnectionID: "acme"})
	service := b.insertOrder(t, domain.Order{ProviderID: "service", ConnectionID: "acme"})
	r := b.call(t, "POST", "/v1/exports", keySourcer, `{"providerCandidateId":"c1","outcome":"successful","candidate":{"name":"Ada Park"}}`)
	var x struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.body, &x); err != nil || x.ID == "" {
		t.Fatalf("export: status %d, %s", r.status, r.body)
	}

	for _, tt := range []struct {
		name, key, method, route, path, body string
	}{
		{"package without an id", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[{"name":"Go","kind":"assessment","leverTag":"Go"}]}`},
		{"package id of spaces", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[{"id":"  ","name":"Go","kind":"assessment","leverTag":"Go"}]}`},
		{"assessment package without a Lever tag", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[{"id":"go","name":"Go","kind":"assessment"}]}`},
		{"assessment package with a blank Lever tag", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[{"id":"go","name":"Go","kind":"assessment","leverTag":" "}]}`},
		{"package of an unknown kind", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[{"id":"go","name":"Go","kind":"quiz","leverTag":"Go"}]}`},
		{"package with an unknown field", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[{"id":"go","name":"Go","kind":"assessment","leverTag":"Go","colour":"red"}]}`},
		{"packages list missing", keyIMocha, "PUT", "/v1/packages", "", `{}`},
		{"packages beside an unknown field", keyIMocha, "PUT", "/v1/packages", "", `{"packages":[],"replace":true}`},

		{"event of an unknown type", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"finished"}`},
		{"event without a type", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"candidateUrl":"https://tool.example/take/1"}`},
		{"invited without a link", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"invited"}`},
		{"invited with an unknown field", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"invited","candidateUrl":"https://tool.example/take/1","note":"hi"}`},
		{"invited with a link that is not a URL", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"invited","candidateUrl":"take 1"}`},
		{"assessment started with a candidate link that is not a URL", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"started","candidateUrl":"take 1"}`},
		{"assessment cancelled with an evaluation link that is not a URL", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"cancelled","evaluationUrl":"javascript:alert(1)"}`},
		{"assessment completed without a score", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"completed","maxScore":100}`},
		{"assessment completed with a score of the wrong type", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"completed","score":"82","maxScore":100}`},
		{"assessment completed with a report with an unknown field", keyIMocha, "POST", "/v1/orders/{id}/events", assessment.ID, `{"type":"completed","score":1,"maxScore":2,"report":{"filename":"r.pdf","url":"https://tool.example/r.pdf","size":3}}`},
		{"video interview invited without a link", keyHireVue, "POST", "/v1/orders/{id}/events", video.ID, `{"type":"invited"}`},
		{"video interview completed without its evaluation link", keyHireVue, "POST", "/v1/orders/{id}/events", video.ID, `{"type":"completed"}`},
		{"video interview completed with a score without its maxScore", keyHireVue, "POST", "/v1/orders/{id}/events", video.ID, `{"type":"completed","evaluationUrl":"https://tool.example/e/1","score":3}`},
		{"interview service invited without a link", keyService, "POST", "/v1/orders/{id}/events", service.ID, `{"type":"invited"}`},
		{"interview service scheduled without its time", keyService, "POST", "/v1/orders/{id}/events", service.ID, `{"type":"scheduled","meetingUrl":"https://meet.example/a"}`},
		{"interview service rescheduled with no change", keyService, "POST", "/v1/orders/{id}/events", service.ID, `{"type":"rescheduled","round":"Technical"}`},
		{"interview service feedback with a blank recommendation", keyService, "POST", "/v1/orders/{id}/events", service.ID, `{"type":"feedback","recommendation":"  ","feedbackUrl":"https://tool.example/f/1"}`},
		{"interview service feedback without a recommendation", keyService, "POST", "/v1/orders/{id}/events", service.ID, `{"type":"feedback","feedbackUrl":"https://tool.example/f/1"}`},

		{"kit map with an unknown field", keyHireVue, "PUT", "/v1/integrations/{id}/kit-map", "int_hirevue_acme", `{"defaultPackage":"","kits":{}}`},
		{"kit map with postings of the wrong type", keyHireVue, "PUT", "/v1/integrations/{id}/kit-map", "int_hirevue_acme", `{"postingPackages":["a"]}`},

		{"export without the candidate's id", keySourcer, "POST", "/v1/exports", "", `{"outcome":"successful","candidate":{"name":"Ada Park"}}`},
		{"export of an unknown outcome", keySourcer, "POST", "/v1/exports", "", `{"providerCandidateId":"c2","outcome":"maybe","candidate":{"name":"Ada Park"}}`},
		{"export with an unknown field", keySourcer, "POST", "/v1/exports", "", `{"providerCandidateId":"c2","outcome":"successful","candidate":{"name":"Ada Park","age":30}}`},
		{"export of a candidate id with spaces around it", keySourcer, "POST", "/v1/exports", "", `{"providerCandidateId":" c2","outcome":"successful","candidate":{"name":"Ada Park"}}`},
		{"export with a CV both inline and by URL", keySourcer, "POST", "/v1/exports", "", `{"providerCandidateId":"c2","outcome":"successful","candidate":{"name":"Ada Park"},"cv":{"filename":"cv.pdf","contentBase64":"JVBERi0=","url":"https://tool.example/cv.pdf"}}`},
		{"export with a CV that is not a document", keySourcer, "POST", "/v1/exports", "", `{"providerCandidateId":"c2","outcome":"successful","candidate":{"name":"Ada Park"},"cv":{"filename":"cv.exe","url":"https://tool.example/cv.exe"}}`},
		{"export with a role id too long", keySourcer, "POST", "/v1/exports", "", `{"providerCandidateId":"c2","outcome":"successful","candidate":{"name":"Ada Park"},"roleId":"` + strings.Repeat("r", 201) + `"}`},
		{"stage missing", keySourcer, "POST", "/v1/exports/{id}/stage", x.ID, `{}`},
		{"stage with an unknown field", keySourcer, "POST", "/v1/exports/{id}/stage", x.ID, `{"stage":"Onsite","at":"now"}`},

		{"rotation with an unknown field", keyIMocha, "POST", "/v1/me/webhook-secret/rotate", "", `{"grace":60}`},
		{"rotation with a negative grace", keyIMocha, "POST", "/v1/me/webhook-secret/rotate", "", `{"graceSeconds":-1}`},
		{"rotation with a grace of the wrong type", keyIMocha, "POST", "/v1/me/webhook-secret/rotate", "", `{"graceSeconds":"1d"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := k.validate(t, requestSchema(tt.route, tt.method), []byte(tt.body)); err == nil {
				t.Fatalf("the document takes %s", tt.body)
			}
			path := strings.Replace(tt.route, "{id}", tt.path, 1)
			r := b.call(t, tt.method, path, tt.key, tt.body)
			if r.status != http.StatusBadRequest {
				t.Errorf("status %d, want 400; body: %s", r.status, r.body)
			}
			k.checkAnswer(t, tt.method, tt.route, r)
		})
	}
}

// TestContractDocumentIsComplete checks what a reader and a generator
// need beyond the operations: each schema's examples are valid against
// it, every tag an operation uses is declared with a description, and the
// license is the repository's.
func TestContractDocumentIsComplete(t *testing.T) {
	t.Parallel()
	k := loadContract(t)

	n := 0
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ex, ok := v["examples"].([]any); ok {
				for i, e := range ex {
					n++
					b, err := json.Marshal(e)
					if err != nil {
						t.Fatal(err)
					}
					if err := k.validate(t, ptr, b); err != nil {
						t.Errorf("%s: examples[%d] does not match its schema: %v", ptr, i, err)
					}
				}
			}
			for key, c := range v {
				walk(ptr+pointer(key), c)
			}
		case []any:
			for i, c := range v {
				walk(ptr+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("/components/schemas", k.at(t, "/components/schemas"))
	if n < 10 {
		t.Errorf("only %d schema examples checked", n)
	}

	declared := map[string]bool{}
	for _, tag := range k.at(t, "/tags").([]any) {
		tm := tag.(map[string]any)
		name, _ := tm["name"].(string)
		declared[name] = true
		if d, _ := tm["description"].(string); strings.TrimSpace(d) == "" {
			t.Errorf("tag %q has no description", name)
		}
	}
	for path, item := range k.at(t, "/paths").(map[string]any) {
		for method, op := range item.(map[string]any) {
			tags, _ := op.(map[string]any)["tags"].([]any)
			if len(tags) == 0 {
				t.Errorf("%s %s has no tag", strings.ToUpper(method), path)
			}
			for _, tag := range tags {
				if !declared[tag.(string)] {
					t.Errorf("%s %s: tag %q is not declared", strings.ToUpper(method), path, tag)
				}
			}
		}
	}

	if id, _ := k.at(t, "/info/license/identifier").(string); id != "Apache-2.0" {
		t.Errorf("info.license.identifier = %q, want Apache-2.0", id)
	}
	license, err := os.ReadFile("../../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(license), "Apache License\n                           Version 2.0, January 2004") ||
		!strings.Contains(string(license), "END OF TERMS AND CONDITIONS") {
		t.Errorf("LICENSE is not the Apache License 2.0 text")
	}
}
