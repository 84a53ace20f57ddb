package permissiontest

import (
	"fmt"

	"github.com/entaccess/entaccess/internal/report"
	"github.com/entaccess/entaccess/permission"
)

// TB is the part of [testing.TB] the Check functions of this package and of
// packages accounttest and migrationtest use. *testing.T, *testing.B and
// *rapid.T implement it.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
}

// CheckTable checks allows, another implementation of the permission table
// ([permission.Allows]: may a member holding set perform act?), against
// entaccess, over every set value and every action value: 256 × 256 cases.
//
// For the 16 sets of the table's four permissions, allows must agree with
// entaccess on every action value: the seven actions as the table says,
// and false for the zero action and every value above the table. The other
// 240 set values hold bits outside the table, which no member can hold
// (accounts and changes reject them): allows may deny them, but it must
// never allow an action that the set's permissions of the table do not
// allow, since extra bits must never grant anything.
//
// It fails t once, listing the first 20 disagreements and counting the
// rest, and returns their number.
func CheckTable(t TB, allows func(set permission.Set, act permission.Action) bool) int {
	t.Helper()
	r := report.Report{Prefix: "permissiontest", Check: "CheckTable", Cases: 256 * 256}
	// The 16 sets of the table first, so that the report lists their
	// disagreements before those of sets no member can hold.
	sets := make([]permission.Set, 0, 256)
	for v := range 256 {
		if permission.Set(v).Valid() {
			sets = append(sets, permission.Set(v))
		}
	}
	for v := range 256 {
		if !permission.Set(v).Valid() {
			sets = append(sets, permission.Set(v))
		}
	}
	acts := report.Actions(permission.Actions())
	for _, set := range sets {
		for _, act := range acts {
			want := permission.Allows(set, act)
			got, p := report.Call(func() bool { return allows(set, act) })
			// Bits outside the table may deny, never grant.
			if p == nil && (got == want || !set.Valid() && !got) {
				continue
			}
			r.Add("%s × %s: got %s, want %t: %s", setText(set), report.Action(act), report.Answer(got, p), want, why(set, act, want))
		}
	}
	return r.Done(t)
}

// setText writes a set with its value, as in {view,billing} (0x03).
func setText(s permission.Set) string { return fmt.Sprintf("{%s} (%#02x)", s, uint8(s)) }

// why says why entaccess answers as it does for set and act.
func why(set permission.Set, act permission.Action, allowed bool) string {
	switch {
	case !act.Valid():
		return "not an action of the table"
	case allowed:
		return fmt.Sprintf("%s is allowed by {%s}; the set holds {%s}", act, act.AllowedBy(), set&act.AllowedBy())
	case !set.Valid():
		return fmt.Sprintf("%s needs one of {%s}; the set's permissions of the table are {%s}, and bits outside the table never grant", act, act.AllowedBy(), set&permission.Admin)
	}
	return fmt.Sprintf("%s needs one of {%s}; the set holds none of them", act, act.AllowedBy())
}
