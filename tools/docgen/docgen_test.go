package main

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadmeUpToDate fails when README.md's generated sections differ from
// what the code generates now. Fix it with: go generate ./...
func TestReadmeUpToDate(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(string(b), Sections()...)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("README.md is stale; run go generate ./... (-want +got):\n%s", diff)
	}
}

func TestPermissionTableRows(t *testing.T) {
	got := PermissionTable()
	for _, line := range []string{
		"| `view-teams` | X | X | X | X |",
		"| `manage-users` |   |   | X |   |",
		"| `view-usage` |   | X |   |   |",
		"| `create-teams` |   |   |   | X |",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("table lacks %q:\n%s", line, got)
		}
	}
}

func TestSpliceErrors(t *testing.T) {
	sec := Section{Name: "x", Content: func() string { return "new\n" }}
	for name, doc := range map[string]string{
		"no begin":     "text",
		"no end":       "<!-- BEGIN x -->\nold\n",
		"begin at eof": "<!-- BEGIN x -->",
	} {
		if _, err := Splice(doc, sec); err == nil {
			t.Errorf("%s: Splice succeeded, want an error", name)
		}
	}
	got, err := Splice("a\n<!-- BEGIN x (generated) -->\nold\n<!-- END x -->\nb", sec)
	if want := "a\n<!-- BEGIN x (generated) -->\nnew\n<!-- END x -->\nb"; err != nil || got != want {
		t.Errorf("Splice = %q, %v; want %q", got, err, want)
	}
}
