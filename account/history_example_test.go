package account_test

import (
	"context"
	"fmt"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// What will a change do? Preview runs it without committing it.
func ExampleStore_Preview() {
	a, _ := account.ParseJSON([]byte(exampleJSON))
	store := account.NewStore(a)
	p, err := store.Preview(func(tx *account.Tx) error {
		return tx.SetPermissions("alice", "bob", permission.Manage)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range p.Changes {
		fmt.Println(c)
	}
	fmt.Println("committed:", store.Load().Revision())
	// Output:
	// "bob" gains manage-teams
	// "bob" gains manage-users
	// "bob" gains view-settings
	// "bob" loses view-usage
	// committed: 0
}

// Why may bob do this, since when, and granted by whom? Provenance reads
// the history (here accounttest's Log, which keeps it in memory).
func ExampleProvenance() {
	a, _ := account.ParseJSON([]byte(exampleJSON))
	history := accounttest.NewLogFrom(a)
	store := account.NewStoreWith(a, history)
	store.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "carol", permission.View) })
	store.Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "carol", permission.Billing) })
	store.Update(func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "carol", account.RoleViewer) })

	ctx := context.Background()
	o, err := account.Provenance(ctx, history, account.Access{User: "carol", Action: permission.ViewUsage}, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.Allowed, o.Event.Revision, o.Event.Op, o.Event.Actor, o.Event.Before, "to", o.Event.After)
	o, _ = account.Provenance(ctx, history, account.Access{User: "bob", Action: permission.ViewUsage}, 3)
	fmt.Println(o)
	// Output:
	// true 2 set-permissions alice view to view,billing
	// as of revision 3, "bob" may view-usage since the account was created
}

// Who could view usage, and when? WhoCould gives the runs of revisions,
// with the steps that began and ended them.
func ExampleWhoCould() {
	a, _ := account.ParseJSON([]byte(exampleJSON))
	history := accounttest.NewLogFrom(a)
	store := account.NewStoreWith(a, history)
	store.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "carol", permission.Billing) })
	store.Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", permission.View) })

	spans, err := account.WhoCould(context.Background(), history, permission.ViewUsage, 0, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range spans {
		fmt.Printf("%s from revision %d", s.User, s.From)
		if s.Opened != nil {
			fmt.Printf(" (%s by %s)", s.Opened.Op, s.Opened.Actor)
		}
		if s.Closed != nil {
			fmt.Printf(" to %d (%s by %s)", s.To, s.Closed.Op, s.Closed.Actor)
		}
		fmt.Println()
	}
	// Output:
	// bob from revision 0 to 2 (set-permissions by alice)
	// carol from revision 1 (add-member by alice)
}
