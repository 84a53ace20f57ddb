package main

import (
	"fmt"
	"strings"

	"github.com/entaccess/entaccess/permission"
)

// PermissionTable renders the permission table as Markdown, one row per
// action, one column per permission, X where that permission alone allows
// the action.
func PermissionTable() string {
	var b strings.Builder
	b.WriteString("| action |")
	for _, p := range permission.Permissions() {
		b.WriteString(" " + p.String() + " |")
	}
	b.WriteString(" what it allows |\n|---|")
	for range permission.Permissions() {
		b.WriteString(":---:|")
	}
	b.WriteString("---|\n")
	for _, row := range permission.Table() {
		fmt.Fprintf(&b, "| `%s` |", row.Action)
		for _, p := range permission.Permissions() {
			if row.AllowedBy.Has(p) {
				b.WriteString(" X |")
			} else {
				b.WriteString("   |")
			}
		}
		b.WriteString(" " + row.Description + " |\n")
	}
	return b.String()
}

// Section is one generated part of a document: the text between the lines
// "<!-- BEGIN name ... -->" and "<!-- END name -->".
type Section struct {
	Name    string
	Content func() string
}

// Sections lists every generated part of README.md.
func Sections() []Section {
	return []Section{{Name: "permission table", Content: PermissionTable}}
}

// Splice returns doc with the content between the markers of each section
// replaced by the section's freshly generated content. A missing or
// unterminated marker is an error.
func Splice(doc string, sections ...Section) (string, error) {
	for _, s := range sections {
		begin := "<!-- BEGIN " + s.Name
		end := "<!-- END " + s.Name + " -->"
		i := strings.Index(doc, begin)
		if i < 0 {
			return "", fmt.Errorf("docgen: no %q marker", begin)
		}
		nl := strings.Index(doc[i:], "\n")
		if nl < 0 {
			return "", fmt.Errorf("docgen: marker %q ends the document", begin)
		}
		start := i + nl + 1
		j := strings.Index(doc[start:], end)
		if j < 0 {
			return "", fmt.Errorf("docgen: no %q after %q", end, begin)
		}
		doc = doc[:start] + s.Content() + doc[start+j:]
	}
	return doc, nil
}
