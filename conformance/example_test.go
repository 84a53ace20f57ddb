package conformance_test

import (
	"fmt"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/conformance"
	"github.com/entaccess/entaccess/permission"
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
	n := conformance.CheckTable(t, allowed)
	fmt.Println(n, "disagreements")
	// Output:
	// conformance: CheckTable: 4 of 65536 cases disagree with entaccess:
	// 	{manage} (0x04) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 	{view,manage} (0x05) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 	{manage,create} (0x0c) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 	{view,manage,create} (0x0d) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them
	// 4 disagreements
}

// Another project's account check, against the same account in entaccess.
// It forgets that every member holds View.
func ExampleCheckAccount() {
	spec := account.Spec{Name: "acme", Members: []account.Member{
		{User: "ann", Permissions: permission.Manage},
		{User: "bob"},
	}}
	perms := map[string]permission.Set{}
	for _, m := range spec.Members {
		perms[m.User] = m.Permissions // the mistake: View is not added
	}
	can := func(user string, act permission.Action) bool { return permission.Allows(perms[user], act) }
	conformance.CheckAccount(printT{}, spec, can)
	// Output:
	// conformance: CheckAccount: 2 of 2560 cases disagree with entaccess:
	// 	Can("bob", view-teams (1)): got false, want true: "bob" may view-teams: holds view, which allows it
	// 	Can("bob", view-access (2)): got false, want true: "bob" may view-access: holds view, which allows it
}
