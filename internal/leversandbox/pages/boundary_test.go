package pages

import (
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestPagesSeeTheAccountOnlyThroughState keeps the web app apart from the
// account: the package imports the standard library only, so everything
// it shows or changes goes through State, never the sandbox's own types.
func TestPagesSeeTheAccountOnlyThroughState(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	n := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") || first == "stagecoach" {
				t.Errorf("%s imports %s: the pages may use the standard library only and reach the account through State", name, path)
			}
		}
	}
	if n == 0 {
		t.Fatal("no Go files found")
	}
}
