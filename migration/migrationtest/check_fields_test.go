package migrationtest_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/migrationtest"
)

// TestCheckClassifierComparesThePlan: a classifier whose plan differs from
// entaccess's in one field only, and in nothing else, is reported: the
// account's name, every team's name, every team's licence.
func TestCheckClassifierComparesThePlan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*migration.Decision)
	}{
		{"account renamed", func(d *migration.Decision) { d.Account.Name += "-renamed" }},
		{"every team renamed", func(d *migration.Decision) {
			for i := range d.Account.Teams {
				d.Account.Teams[i].Name += "-renamed"
			}
		}},
		{"every licence flipped", func(d *migration.Decision) {
			for i := range d.Account.Teams {
				d.Account.Teams[i].Licensed = !d.Account.Teams[i].Licensed
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			classify := func(org migration.Organization) (migration.Decision, error) {
				d, err := migration.Classify(org)
				if err == nil && d.Account != nil {
					tc.change(&d)
				}
				return d, err
			}
			var f reporttest.T
			reporttest.Expect(t, &f, migrationtest.CheckClassifier(&f, classify), -1, "decision (-want +got):")
		})
	}
}

// TestClassifierPropertyMalformedShare: the property draws a malformed
// organization one time in four, a well-formed one otherwise.
func TestClassifierPropertyMalformedShare(t *testing.T) {
	const runs = 400
	malformed := 0
	prop := migrationtest.ClassifierProperty(func(org migration.Organization) (migration.Decision, error) {
		d, err := migration.Classify(org)
		if err != nil {
			malformed++
		}
		return d, err
	})
	// Example runs the property once on rapid's source with a fixed seed,
	// so the count is the same on every run.
	gen := rapid.Custom(func(t *rapid.T) bool { prop(t); return true })
	for seed := range runs {
		gen.Example(seed)
	}
	if malformed < runs/8 || malformed > runs*3/8 {
		t.Errorf("%d malformed organizations in %d runs, want about a quarter", malformed, runs)
	}
}
