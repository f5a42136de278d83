package leversandbox

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProductNeverCallsPrivateRoutes keeps /_sandbox/ the sandbox's own:
// a real Lever has no such routes, so stagecoach's product code (the engine,
// the UI, the API, the CLI's other commands) must work without them. Only
// the sandbox, the demo that drives it and the lever-sandbox command may
// name them; tests may too.
func TestProductNeverCallsPrivateRoutes(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root %s has no go.mod: %v", root, err)
	}
	allowed := []string{
		"internal/leversandbox/",
		"internal/demo/",
		"internal/cli/lever_sandbox.go",
		// The local Greenhouse has an admin endpoint of its own under the
		// same prefix; only it and its command name it.
		"internal/greenhousesandbox/",
		"internal/cli/greenhouse_sandbox.go",
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		for _, a := range allowed {
			if strings.HasPrefix(rel, a) {
				return nil
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range bytes.Split(b, []byte("\n")) {
			if bytes.Contains(line, []byte("/_sandbox")) {
				t.Errorf("%s:%d names the sandbox's private route /_sandbox, which a real Lever does not have: %s", rel, i+1, bytes.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked only %d product files under %s: is the walk looking in the right place?", checked, root)
	}
}
