// Package reporttest checks the reports of the test kits' Check functions
// in their own tests.
package reporttest

import (
	"fmt"
	"strings"
	"testing"
)

// A T records the reports of a Check function. *T stands for the t a
// Check function takes.
type T struct{ Reports []string }

// Helper does nothing.
func (f *T) Helper() {}

// Errorf records one report.
func (f *T) Errorf(format string, args ...any) {
	f.Reports = append(f.Reports, fmt.Sprintf(format, args...))
}

// Expect checks a Check function's result: n disagreements (-1: any number
// above zero), reported in one call whose text holds each of lines.
func Expect(t *testing.T, f *T, got, n int, lines ...string) {
	t.Helper()
	switch {
	case n == 0 && (got != 0 || len(f.Reports) != 0):
		t.Fatalf("%d disagreements, want none:\n%s", got, strings.Join(f.Reports, "\n"))
	case n == 0:
		return
	case len(f.Reports) != 1:
		t.Fatalf("%d reports, want exactly one (disagreements: %d)", len(f.Reports), got)
	case n > 0 && got != n, n < 0 && got <= 0:
		t.Errorf("%d disagreements, want %d:\n%s", got, n, f.Reports[0])
	}
	for _, l := range lines {
		if !strings.Contains(f.Reports[0], l) {
			t.Errorf("report lacks %q:\n%s", l, f.Reports[0])
		}
	}
}
