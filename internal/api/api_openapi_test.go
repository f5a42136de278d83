package api_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/api"
	"stagecoach/internal/engine"
	"stagecoach/internal/queue"
	"stagecoach/internal/store/storetest"
)

func TestEveryRouteIsDocumented(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	db := storetest.Open(t)
	eng := engine.New(db, queue.New(db, queue.Config{}), engine.Config{})
	a := api.New(eng, admin.New(db, eng, nil), db, api.Config{})
	routes := a.Routes()
	if len(routes) == 0 {
		t.Fatal("no routes")
	}
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt, " ")
		if !ok {
			t.Fatalf("route %q is not METHOD /path", rt)
		}
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("%s: path %s is not in openapi.json", rt, path)
			continue
		}
		if _, ok := ops[strings.ToLower(method)]; !ok {
			t.Errorf("%s: openapi.json has no %s operation on %s", rt, strings.ToLower(method), path)
		}
	}
}
