package reporttest

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// Failing runs prop with rapid.Check on a TB that records what rapid
// reports, without writing a fail file, and returns the reports joined by
// newlines: a test of a property that must fail reads them.
func Failing(t *testing.T, prop func(*rapid.T)) string {
	t.Helper()
	old := flag.Lookup("rapid.nofailfile").Value.String()
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		t.Fatal(err)
	}
	defer flag.Set("rapid.nofailfile", old)
	r := &rapidT{name: t.Name()}
	rapid.Check(r, prop)
	return strings.Join(r.errors, "\n")
}

// rapidT is a rapid.TB that records what rapid.Check reports.
type rapidT struct {
	testing.TB // only for the methods not overridden; nil
	name       string
	errors     []string
}

func (r *rapidT) Helper()                      {}
func (r *rapidT) Name() string                 { return r.name }
func (r *rapidT) Logf(string, ...any)          {}
func (r *rapidT) Log(...any)                   {}
func (r *rapidT) Errorf(f string, args ...any) { r.errors = append(r.errors, fmt.Sprintf(f, args...)) }
func (r *rapidT) Error(args ...any)            { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *rapidT) Fatalf(f string, args ...any) { r.Errorf(f, args...) }
func (r *rapidT) Fatal(args ...any)            { r.Error(args...) }
func (r *rapidT) Fail()                        { r.errors = append(r.errors, "failed") }
func (r *rapidT) FailNow()                     { r.Fail() }
func (r *rapidT) Failed() bool                 { return len(r.errors) > 0 }
func (r *rapidT) Skipf(string, ...any)         {}
func (r *rapidT) Skip(...any)                  {}
func (r *rapidT) SkipNow()                     {}
