package conformance_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/conformance"
	"github.com/entaccess/entaccess/migration"
)

// rapidT is a rapid.TB that records what rapid.Check reports, so that a
// test can run a property that must fail.
type rapidT struct {
	testing.TB // only for the methods not overridden; nil
	errors     []string
}

func (r *rapidT) Helper()                      {}
func (r *rapidT) Name() string                 { return "conformance-property" }
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

// failing runs prop with rapid.Check on a recording TB, without writing a
// fail file, and returns what rapid reported.
func failing(t *testing.T, prop func(*rapid.T)) string {
	t.Helper()
	old := flag.Lookup("rapid.nofailfile").Value.String()
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		t.Fatal(err)
	}
	defer flag.Set("rapid.nofailfile", old)
	var r rapidT
	rapid.Check(&r, prop)
	return strings.Join(r.errors, "\n")
}

func TestAccountProperty(t *testing.T) {
	rapid.Check(t, conformance.AccountProperty(func(s account.Spec) (conformance.Account, error) { return account.New(s) }))
	rapid.Check(t, conformance.AccountProperty(func(s account.Spec) (conformance.Account, error) { return newMap(s), nil }))
	for _, tc := range []struct {
		name  string
		build func(account.Spec) (conformance.Account, error)
		want  string
	}{
		{"no view", func(s account.Spec) (conformance.Account, error) {
			m := newMap(s)
			m.noView = true
			return m, nil
		}, "conformance: CheckAccount: "},
		{"rejects", func(s account.Spec) (conformance.Account, error) { return nil, fmt.Errorf("no") }, "build rejects a spec entaccess accepts: no"},
		{"nil", func(s account.Spec) (conformance.Account, error) { return nil, nil }, "build returns no account and no error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := failing(t, conformance.AccountProperty(tc.build)); !strings.Contains(got, tc.want) {
				t.Errorf("rapid reported:\n%s\nwant it to contain %q", got, tc.want)
			}
		})
	}
}

func TestClassifierProperty(t *testing.T) {
	rapid.Check(t, conformance.ClassifierProperty(migration.Classify))
	got := failing(t, conformance.ClassifierProperty(func(o migration.Organization) (migration.Decision, error) {
		d, err := migration.Classify(o)
		if err == nil && d.Outcome == migration.NoChange {
			d.Outcome = migration.Manual
		}
		return d, err
	}))
	for _, want := range []string{"conformance: classify disagrees with entaccess on", `"public_beta":true`, "decision (-want +got):"} {
		if !strings.Contains(got, want) {
			t.Errorf("rapid reported:\n%s\nwant it to contain %q", got, want)
		}
	}
}
