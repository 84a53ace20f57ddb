package conformance_test

import (
	"testing"

	"github.com/entaccess/entaccess/conformance"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

var sink int

// BenchmarkCheckTable: the cost of the 65,536 cases of CheckTable, against
// a baseline making the same calls with no comparison or reporting.
func BenchmarkCheckTable(b *testing.B) {
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for s := range 256 {
				for a := range 256 {
					if literal(permission.Set(s), permission.Action(a)) {
						n++
					}
				}
			}
			sink = n
		}
	})
	b.Run("CheckTable", func(b *testing.B) {
		b.ReportAllocs()
		var f fakeT
		for b.Loop() {
			sink = conformance.CheckTable(&f, literal)
		}
	})
}

// BenchmarkCheckClassifier: the cost of CheckClassifier, against a baseline
// classifying its corpus once.
func BenchmarkCheckClassifier(b *testing.B) {
	orgs := conformance.Organizations()
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, o := range orgs {
				d, _ := migration.Classify(o)
				sink = len(d.Banner)
			}
		}
	})
	b.Run("CheckClassifier", func(b *testing.B) {
		b.ReportAllocs()
		var f fakeT
		for b.Loop() {
			sink = conformance.CheckClassifier(&f, migration.Classify)
		}
	})
}
