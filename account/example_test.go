package account_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

const exampleJSON = `{
  "name": "acme",
  "members": [
    {"user": "alice", "permissions": ["manage", "create"]},
    {"user": "bob", "permissions": ["billing"]}
  ],
  "teams": [
    {"name": "web", "licensed": true, "members": [
      {"user": "alice", "role": "admin"},
      {"user": "bob", "role": "viewer"}
    ]}
  ]
}`

// Load an account, check requests against it, and apply an authorized change.
func Example() {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		fmt.Println(err)
		return
	}
	store := account.NewStore(a)

	// Check requests.
	fmt.Println(store.Load().Can("bob", permission.ViewUsage))
	fmt.Println(store.Load().Explain("bob", permission.ManageUsers))

	// bob may not add members: the update is refused as a whole.
	_, err = store.Update(func(tx *account.Tx) error {
		return tx.AddMember("bob", "carol", permission.View)
	})
	fmt.Println(errors.Is(err, account.ErrForbidden), err)

	// alice may: she adds carol and makes her a member of web.
	a, err = store.Update(func(tx *account.Tx) error {
		if err := tx.AddMember("alice", "carol", permission.View); err != nil {
			return err
		}
		return tx.SetTeamRole("alice", "web", "carol", account.RoleMember)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Revision(), a.CanViewTeam("carol", "web"), a.TeamsOf("carol"))
	// Output:
	// true
	// "bob" may not manage-users: holds view,billing; manage-users needs manage
	// true account: "bob" may not manage-users: holds view,billing; manage-users needs manage: forbidden
	// 1 true [web]
}

func ExampleNew_invalid() {
	_, err := account.New(account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "bob"},
			{User: "alice", Permissions: permission.View},
		},
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, account.ErrInvalid))
	// Output:
	// account: members[2].user: "alice": listed twice, first at members[0]: invalid
	// true
}

func ExampleAccount_Explain() {
	a, _ := account.ParseJSON([]byte(exampleJSON))
	for _, user := range []string{"alice", "bob", "mallory"} {
		fmt.Println(a.Explain(user, permission.ViewUsage))
	}
	// Output:
	// "alice" may not view-usage: holds view,manage,create; view-usage needs billing
	// "bob" may view-usage: holds billing, which allows it
	// "mallory" may not view-usage: not an account member
}

func ExampleLogObserver() {
	a, _ := account.ParseJSON([]byte(exampleJSON))
	store := account.NewStore(a)
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{} // for a stable output
			}
			return a
		},
	}))
	store.SetObserver(account.LogObserver(logger))
	_, err := store.Update(func(tx *account.Tx) error {
		return tx.SetPermissions("alice", "bob", permission.Billing|permission.Create)
	})
	fmt.Println(err)
	// Output:
	// level=INFO msg="account change" revision=1 actor=alice op=set-permissions user=bob before=view,billing after=view,billing,create
	// <nil>
}

func ExampleAccount_UsersWhoCan() {
	a, _ := account.ParseJSON([]byte(exampleJSON))
	fmt.Println(a.UsersWhoCan(permission.ViewTeams))
	fmt.Println(a.UsersWhoCan(permission.CreateTeams))
	fmt.Println(a.Actions("bob"))
	// Output:
	// [alice bob]
	// [alice]
	// [view-teams view-access view-usage]
}
