// Package report writes the reports of the test kits' Check functions
// (permissiontest, accounttest and migrationtest): how many cases disagree
// with entaccess out of how many, then the first [Max] disagreements, one
// per line, and a count of the rest.
package report

import (
	"fmt"
	"slices"
	"strings"
)

// Max is how many disagreements one report lists; it counts the others.
const Max = 20

// A Report collects the disagreements of one Check call.
type Report struct {
	Prefix string // the package that reports: "permissiontest"
	Check  string // the function that reports: "CheckTable"
	Cases  int    // inputs tried
	N      int    // disagreements
	Input  string // printed before the lines: the input they all concern
	Head   string // replaces the count of disagreements in the first line
	lines  []string
}

// Add records one disagreement, described by a format and its arguments.
func (r *Report) Add(format string, args ...any) {
	r.N++
	if len(r.lines) < Max {
		r.lines = append(r.lines, fmt.Sprintf(format, args...))
	}
}

// Done fails t with the report if there was any disagreement, and returns
// their number.
func (r *Report) Done(t interface {
	Helper()
	Errorf(format string, args ...any)
}) int {
	t.Helper()
	if r.N == 0 {
		return 0
	}
	var b strings.Builder
	head := r.Head
	if head == "" {
		head = fmt.Sprintf("%d of %d cases disagree with entaccess", r.N, r.Cases)
	}
	fmt.Fprintf(&b, "%s: %s: %s:", r.Prefix, r.Check, head)
	if r.Input != "" {
		b.WriteString("\n\t" + r.Input)
	}
	for _, l := range r.lines {
		b.WriteString("\n\t" + strings.ReplaceAll(l, "\n", "\n\t"))
	}
	if more := r.N - len(r.lines); more > 0 {
		fmt.Fprintf(&b, "\n\t... and %d more", more)
	}
	t.Errorf("%s", b.String())
	return r.N
}

// Call returns f() or, if f panics, what it panicked with.
func Call[R any](f func() R) (r R, panicked any) {
	defer func() { panicked = recover() }()
	return f(), nil
}

// Answer formats a bool answer or a panic.
func Answer(got bool, panicked any) string {
	if panicked != nil {
		return fmt.Sprintf("panic(%v)", panicked)
	}
	return fmt.Sprint(got)
}

// An action is what Action and Actions need of permission.Action, which
// this package does not import.
type action interface {
	~uint8
	Valid() bool
	String() string
}

// Actions returns every value of A, in the order reports list them: the
// actions of table first, in its order, then 0, the value after the last of
// table, and 255, then the rest in ascending order.
func Actions[A ~uint8](table []A) []A {
	acts := slices.Clone(table)
	after := slices.Max(table) + 1
	acts = append(acts, 0, after, 255)
	for v := int(after) + 1; v < 255; v++ {
		acts = append(acts, A(v))
	}
	return acts
}

// Action writes an action with its value, as in view-usage (6); a value
// outside the table prints as its String method writes it: action(9).
func Action[A action](a A) string {
	if a.Valid() {
		return fmt.Sprintf("%s (%d)", a, uint8(a))
	}
	return a.String()
}
