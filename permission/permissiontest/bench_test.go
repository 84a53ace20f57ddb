package permissiontest_test

import (
	"testing"

	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/permission"
	"github.com/entaccess/entaccess/permission/permissiontest"
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
		var f reporttest.T
		for b.Loop() {
			sink = permissiontest.CheckTable(&f, literal)
		}
	})
}
