package e2e

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The OpenAPI document's webhook schemas, compiled once for every test
// provider to check what it receives against.
var webhookContract struct {
	once     sync.Once
	err      error
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	schemas  map[string]*jsonschema.Schema
}

const webhookContractBase = "https://stagecoach.test/openapi.json"

// checkWebhookContract fails t unless body, a webhook of type typ, is valid
// against the schema the document gives that webhook.
func checkWebhookContract(t *testing.T, typ string, body []byte) {
	t.Helper()
	c := &webhookContract
	c.once.Do(func() {
		raw, err := os.ReadFile("../api/openapi.json")
		if err != nil {
			c.err = err
			return
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			c.err = err
			return
		}
		c.compiler = jsonschema.NewCompiler()
		c.compiler.DefaultDraft(jsonschema.Draft2020)
		c.compiler.AssertFormat()
		c.err = c.compiler.AddResource(webhookContractBase, doc)
		c.schemas = map[string]*jsonschema.Schema{}
	})
	if c.err != nil {
		t.Errorf("the OpenAPI document: %v", c.err)
		return
	}
	c.mu.Lock()
	s, ok := c.schemas[typ]
	if !ok {
		ptr := "/webhooks/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(typ) + "/post/requestBody/content/application~1json/schema"
		var err error
		if s, err = c.compiler.Compile(webhookContractBase + "#" + (&url.URL{Fragment: ptr}).EscapedFragment()); err != nil {
			c.mu.Unlock()
			t.Errorf("webhook %s is not in the OpenAPI document: %v", typ, err)
			return
		}
		c.schemas[typ] = s
	}
	c.mu.Unlock()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err == nil {
		err = s.Validate(v)
	}
	if err != nil {
		t.Errorf("webhook %s does not match the OpenAPI document: %v\nbody: %s", typ, err, body)
	}
}
