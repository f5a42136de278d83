package leversandbox

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestContract compares the sandbox's answers with the documented example
// shapes in testdata/: same field names, same JSON types (values ignored).
func TestContract(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	grace := seedID("opportunity:grace")
	var signatureToken, hookID string

	cases := []struct {
		fixture string
		// extra lists fields the sandbox may add: documented in the
		// reference's field tables but absent from its example.
		extra []string
		got   func(t *testing.T) []byte
	}{
		{"opportunity.json", []string{"data.opportunityLocation"}, func(t *testing.T) []byte {
			return b.call(t, "GET", "/v1/opportunities/"+grace, nil).must(t, 200).body
		}},
		{"note_create.json", nil, func(t *testing.T) []byte {
			return b.call(t, "POST", "/v1/opportunities/"+grace+"/notes", map[string]any{"value": "hi"}).must(t, 201).body
		}},
		{"webhook_create.json", nil, func(t *testing.T) []byte {
			r := b.call(t, "POST", "/v1/webhooks", map[string]any{"url": rc.srv.URL, "event": "candidateStageChange"}).must(t, 201)
			d := r.data(t)
			hookID, signatureToken = d["id"].(string), d["configuration"].(map[string]any)["signatureToken"].(string)
			return r.body
		}},
		{"webhook_delivery.json", nil, func(t *testing.T) []byte {
			b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Assessment")}).must(t, 200)
			d := rc.wait(t, 1)[0]
			verifySignature(t, d, signatureToken)
			return d.raw
		}},
		{"webhook_test_request.json", nil, func(t *testing.T) []byte {
			b.call(t, "POST", "/_sandbox/webhooks/"+hookID+"/verify", nil, noAuth).must(t, 200)
			return rc.wait(t, 2)[1].raw
		}},
		{"error.json", nil, func(t *testing.T) []byte {
			return b.call(t, "GET", "/v1/stages/919d84a1-52de-4af3-9b45-0c3ee1865d52", nil).must(t, 404).body
		}},
		{"token.json", nil, func(t *testing.T) []byte {
			params := url.Values{"client_id": {DemoClientID}, "redirect_uri": {"http://127.0.0.1:1/cb"}, "response_type": {"code"},
				"state": {"s"}, "audience": {b.url + "/v1/"}, "scope": {"offline_access opportunities:write:admin"}}
			code := authorize(t, b, params, "accept", "").Get("code")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://127.0.0.1:1/cb"},
				"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}
			_, m, _ := postForm(t, b.url+"/oauth/token", form)
			raw, _ := json.Marshal(m)
			return raw
		}},
		{"stages.json", nil, func(t *testing.T) []byte { return b.call(t, "GET", "/v1/stages", nil).must(t, 200).body }},
		{"archive_reasons.json", nil, func(t *testing.T) []byte { return b.call(t, "GET", "/v1/archive_reasons", nil).must(t, 200).body }},
		{"tags.json", nil, func(t *testing.T) []byte { return b.call(t, "GET", "/v1/tags", nil).must(t, 200).body }},
		{"contact.json", nil, func(t *testing.T) []byte {
			return b.call(t, "GET", "/v1/contacts/"+seedID("contact:grace"), nil).must(t, 200).body
		}},
	}
	for _, tc := range cases { // in order: later cases use earlier ones' webhook
		t.Run(tc.fixture, func(t *testing.T) {
			doc := readJSON(t, filepath.Join("testdata", tc.fixture))
			var got any
			body := tc.got(t)
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decode sandbox answer %s: %v", body, err)
			}
			sameShape(t, "", doc, got, tc.extra)
		})
	}
}

func readJSON(t testing.TB, path string) any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return v
}

// sameShape checks that got has doc's keys with doc's JSON types. A null in
// doc matches anything; array elements are compared with doc's first one.
func sameShape(t testing.TB, path string, doc, got any, extra []string) {
	t.Helper()
	if doc == nil {
		return
	}
	switch d := doc.(type) {
	case map[string]any:
		g, isObj := got.(map[string]any)
		if !isObj {
			t.Errorf("%s: got %s, want an object", orRoot(path), jsonType(got))
			return
		}
		for k, dv := range d {
			gv, has := g[k]
			if !has {
				t.Errorf("%s: missing field %q", orRoot(path), k)
				continue
			}
			sameShape(t, join(path, k), dv, gv, extra)
		}
		for k := range g {
			if _, has := d[k]; !has && !slices.Contains(extra, join(path, k)) {
				t.Errorf("%s: field %q is not in the documented shape", orRoot(path), k)
			}
		}
	case []any:
		g, isArr := got.([]any)
		if !isArr {
			t.Errorf("%s: got %s, want an array", orRoot(path), jsonType(got))
			return
		}
		if len(d) > 0 {
			for _, gv := range g {
				sameShape(t, path+"[]", d[0], gv, extra)
			}
		}
	default:
		if jsonType(doc) != jsonType(got) {
			t.Errorf("%s: got %s, want %s", orRoot(path), jsonType(got), jsonType(doc))
		}
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}
