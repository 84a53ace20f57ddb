package accounttest_test

import (
	"fmt"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// printT stands in for *testing.T in the examples: it prints what a test
// would report.
type printT struct{}

func (printT) Helper()                           {}
func (printT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (printT) FailNow()                          { fmt.Println("(test stopped)") }

// A test expects bob to see the Usage tab; the account says why he cannot.
func ExampleRequireCan() {
	a, _ := account.New(account.Spec{Name: "acme", Members: []account.Member{
		{User: "ann", Permissions: permission.Manage},
		{User: "bob", Permissions: permission.Create},
	}})
	var t printT // in a test: t *testing.T
	accounttest.RequireCan(t, a, "ann", permission.ManageUsers, true)
	accounttest.RequireCan(t, a, "bob", permission.ViewUsage, true)
	// Output:
	// accounttest: Can("bob", view-usage) = false, want true: "bob" may not view-usage: holds view,create; view-usage needs billing
	// (test stopped)
}

// Drawing an account and a few steps against it, as a property test would
// with rapid.Check; Example(seed) draws the same values on every run.
func ExampleOps() {
	a, _ := account.New(accounttest.Spec().Example(1))
	store := account.NewStore(a)
	ops := accounttest.Ops(a, 3, 3).Example(1)
	for i, err := range accounttest.ApplyEach(store, ops) {
		if err == nil {
			fmt.Printf("%v: ok\n", ops[i])
		} else {
			fmt.Printf("%v: %v\n", ops[i], accounttest.Sentinel(err))
		}
	}
	accounttest.CheckInvariants(printT{}, store.Load()) // prints nothing: the account stays valid
	// Output:
	// remove-identity-provider(actor="ann2"): no identity provider
	// add-member(actor="cat", user="ext-ivy", perms={view,billing}): forbidden
	// rename-team(actor="ann2", team="web-3", to="Ops"): forbidden
}

// The generators in a property test: whatever the steps, every account
// keeps its invariants.
func ExampleSpec() {
	property := func(t *rapid.T) {
		a, err := account.New(accounttest.Spec().Draw(t, "spec"))
		if err != nil {
			t.Fatal(err)
		}
		store := account.NewStore(a)
		accounttest.ApplyEach(store, accounttest.Ops(a, 1, 10).Draw(t, "ops"))
		accounttest.CheckInvariants(t, store.Load())
	}
	_ = property // in a test: rapid.Check(t, property)
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
	accounttest.CheckAccount(printT{}, spec, can)
	// Output:
	// accounttest: CheckAccount: 2 of 2560 cases disagree with entaccess:
	// 	Can("bob", view-teams (1)): got false, want true: "bob" may view-teams: holds view, which allows it
	// 	Can("bob", view-access (2)): got false, want true: "bob" may view-access: holds view, which allows it
}
