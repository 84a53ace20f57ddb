package migrationtest_test

import (
	"testing"

	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/migrationtest"
)

var sink int

// BenchmarkCheckClassifier: the cost of CheckClassifier, against a baseline
// classifying its corpus once.
func BenchmarkCheckClassifier(b *testing.B) {
	orgs := migrationtest.Organizations()
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
		var f reporttest.T
		for b.Loop() {
			sink = migrationtest.CheckClassifier(&f, migration.Classify)
		}
	})
}
