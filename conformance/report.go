package conformance

import (
	"fmt"
	"strings"
)

// TB is the part of [testing.TB] the Check functions use. *testing.T,
// *testing.B and *rapid.T implement it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// MaxReported is how many disagreements one report lists; the report
// counts the others.
const MaxReported = 20

// A report collects the disagreements of one Check call.
type report struct {
	check string   // "CheckTable"
	cases int      // inputs tried
	n     int      // disagreements
	lines []string // the first MaxReported disagreements
	input string   // printed before the lines: the input they all concern
	head  string   // replaces the count of disagreements in the first line
}

// add records one disagreement, described by a format and its arguments.
func (r *report) add(format string, args ...any) {
	r.n++
	if len(r.lines) < MaxReported {
		r.lines = append(r.lines, fmt.Sprintf(format, args...))
	}
}

// done fails t with the report if there was any disagreement, and returns
// their number.
func (r *report) done(t TB) int {
	t.Helper()
	if r.n == 0 {
		return 0
	}
	var b strings.Builder
	if r.head == "" {
		r.head = fmt.Sprintf("%d of %d cases disagree with entaccess", r.n, r.cases)
	}
	fmt.Fprintf(&b, "conformance: %s: %s", r.check, r.head)
	b.WriteString(":")
	if r.input != "" {
		b.WriteString("\n\t" + r.input)
	}
	for _, l := range r.lines {
		b.WriteString("\n\t" + strings.ReplaceAll(l, "\n", "\n\t"))
	}
	if more := r.n - len(r.lines); more > 0 {
		fmt.Fprintf(&b, "\n\t... and %d more", more)
	}
	t.Errorf("%s", b.String())
	return r.n
}

// call returns f() or, if f panics, what it panicked with.
func call[R any](f func() R) (r R, panicked any) {
	defer func() { panicked = recover() }()
	return f(), nil
}

// answer formats a bool answer or a panic.
func answer(got bool, panicked any) string {
	if panicked != nil {
		return fmt.Sprintf("panic(%v)", panicked)
	}
	return fmt.Sprint(got)
}
