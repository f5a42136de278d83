package ats_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPortImportsNoATS keeps the port ATS-neutral: package ats imports the
// standard library and internal/domain only, never a driver's client, so
// that the engine can depend on it without depending on Lever.
func TestPortImportsNoATS(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range af.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			std := !strings.Contains(strings.Split(path, "/")[0], ".") && !strings.HasPrefix(path, "stagecoach/")
			if !std && path != "stagecoach/internal/domain" {
				t.Errorf("%s imports %s; the port may import the standard library and internal/domain only", f, path)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no files checked")
	}
}
