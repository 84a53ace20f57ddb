package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRuns runs the program twice on one directory: the first run makes
// the account and changes it; the second finds the change on disk.
func TestRuns(t *testing.T) {
	dir := t.TempDir()
	want := []string{
		`revision 0: "bob" may not view-usage: holds view; view-usage needs billing
alice gave bob billing: revision 1, on disk
refused: account: "bob" may not manage-users: holds view,billing; manage-users needs manage: forbidden (forbidden: true)
`,
		`revision 1: "bob" may view-usage: holds billing, which allows it
refused: account: "bob" may not manage-users: holds view,billing; manage-users needs manage: forbidden (forbidden: true)
`,
	}
	for i, w := range want {
		var out strings.Builder
		if err := run(dir, &out); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if diff := cmp.Diff(w, out.String()); diff != "" {
			t.Errorf("run %d (-want +got):\n%s", i+1, diff)
		}
	}
}

// TestInReadme: the README shows this program whole, as it is.
func TestInReadme(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Error("README.md does not show examples/hello/main.go as it is: copy it into the README's first go block")
	}
}
