package permissiontest_test

import (
	"fmt"

	"github.com/entaccess/entaccess/permission"
	"github.com/entaccess/entaccess/permission/permissiontest"
)

// printT stands in for *testing.T in the examples: it prints the report a
// test would fail with.
type printT struct{}

func (printT) Helper()                           {}
func (printT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// Another project's permission check, written by hand from the docs, with
// one mistake: it lets Manage see the Usage tab.
func ExampleCheckTable() {
	allowed := func(s permission.Set, a permission.Action) bool {
		if !s.Valid() {
			return false // denying sets no member can hold is fine
		}
		switch a {
		case permission.ViewTeams, permission.ViewAccess:
			return s&permission.Admin != 0
		case permission.ManageTeams, permission.ManageUsers, permission.ViewSettings:
			return s.Has(permission.Manage)
		case permission.ViewUsage:
			return s.Has(permission.Billing) || s.Has(permission.Manage) // the mistake
		case permission.CreateTeams:
			return s.Has(permission.Create)
		}
		return false
	}
	var t printT // in a test: t *testing.T
	n := permissiontest.CheckTable(t, allowed)
	fmt.Println(n, "disagreements")
	// Output:
	// permissiontest: CheckTable: 4 of 65536 cases disagree with entaccess:
	// 	{manage} (0x04) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 	{view,manage} (0x05) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 	{manage,create} (0x0c) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 	{view,manage,create} (0x0d) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 4 disagreements
}
