package permissiontest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/internal/report"
	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/permission"
	"github.com/entaccess/entaccess/permission/permissiontest"
)

type fakeT = reporttest.T

var expect = reporttest.Expect

// The documented permission table typed in again, as another implementation would.
var rows = map[permission.Action]permission.Set{
	1: 0b1111, 2: 0b1111, 3: 0b0100, 4: 0b0100, 5: 0b0100, 6: 0b0010, 7: 0b1000,
}

func literal(s permission.Set, a permission.Action) bool { return s&rows[a] != 0 }

func TestCheckTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		allows func(permission.Set, permission.Action) bool
		n      int
		lines  []string
	}{
		{"entaccess", permission.Allows, 0, nil},
		{"typed-in table", literal, 0, nil},
		{"denies bits outside the table", func(s permission.Set, a permission.Action) bool {
			return s.Valid() && literal(s, a)
		}, 0, nil},
		{"one cell flipped", func(s permission.Set, a permission.Action) bool {
			if s == permission.Billing && a == permission.ViewUsage {
				return false
			}
			return literal(s, a)
		}, 1, []string{
			"permissiontest: CheckTable: 1 of 65536 cases disagree with entaccess:",
			"{billing} (0x02) × view-usage (6): got false, want true: view-usage is allowed by {billing}; the set holds {billing}",
		}},
		{"allows action 0", func(s permission.Set, a permission.Action) bool {
			return a == 0 && s != 0 || literal(s, a)
		}, 255, []string{
			"255 of 65536 cases disagree",
			"{view} (0x01) × action(0): got true, want false: not an action of the table",
			"... and 235 more",
		}},
		{"manage allows view-usage", func(s permission.Set, a permission.Action) bool {
			return literal(s, a) || a == permission.ViewUsage && s.Has(permission.Manage)
		}, 64, []string{"{manage} (0x04) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them"}},
		{"a bit outside the table grants", func(s permission.Set, a permission.Action) bool {
			return literal(s, a) || s&0x80 != 0 && a == permission.ManageUsers
		}, 64, []string{"{view,set(0x80)} (0x81) × manage-users (4): got true, want false: manage-users needs one of {manage}; the set's permissions of the table are {view}, and bits outside the table never grant"}},
		{"panics outside the table", func(s permission.Set, a permission.Action) bool {
			return [8]permission.Set{0, 15, 15, 4, 4, 4, 2, 8}[a]&s != 0
		}, 256 * 248, []string{"{} (0x00) × action(8): got panic(runtime error: index out of range [8] with length 8), want false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f fakeT
			expect(t, &f, permissiontest.CheckTable(&f, tc.allows), tc.n, tc.lines...)
		})
	}
}

// TestReportCap: one report, the first report.Max disagreements, and a
// count of the rest.
func TestReportCap(t *testing.T) {
	var f fakeT
	n := permissiontest.CheckTable(&f, func(permission.Set, permission.Action) bool { return true })
	if len(f.Reports) != 1 {
		t.Fatalf("%d reports, want 1", len(f.Reports))
	}
	lines := strings.Split(f.Reports[0], "\n\t")
	if len(lines) != 1+report.Max+1 {
		t.Errorf("%d lines, want a header, %d disagreements and a count", len(lines), report.Max)
	}
	if want := fmt.Sprintf("... and %d more", n-report.Max); lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
}
