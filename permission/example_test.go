package permission_test

import (
	"encoding/json"
	"fmt"

	"github.com/entaccess/entaccess/permission"
)

func ExampleAllows() {
	held := permission.View | permission.Billing
	for _, a := range []permission.Action{permission.ViewUsage, permission.ManageUsers} {
		fmt.Printf("%s may %s: %v\n", held, a, permission.Allows(held, a))
	}
	// Output:
	// view,billing may view-usage: true
	// view,billing may manage-users: false
}

func ExampleParseSet() {
	s, err := permission.ParseSet("manage,view")
	fmt.Println(s, err)
	_, err = permission.ParseSet("view,owner")
	fmt.Println(err)
	_, err = permission.ParseSet("admin")
	fmt.Println(err)
	// Output:
	// view,manage <nil>
	// permission: parse set "view,owner": entry 1: unknown permission "owner": invalid
	// permission: parse set "admin": entry 0: unknown permission "admin" (the admin role is view,billing,manage,create): invalid
}

func ExampleTable() {
	for _, row := range permission.Table() {
		fmt.Printf("%-13s needs one of %-26s %s\n", row.Action, row.AllowedBy, row.Description)
	}
	// Output:
	// view-teams    needs one of view,billing,manage,create see the Enterprise Teams in which the user holds a role
	// view-access   needs one of view,billing,manage,create open the Access tab listing the account's members
	// manage-teams  needs one of manage                     manage the Enterprise Teams listed under the user's "My Teams" tab
	// manage-users  needs one of manage                     add account members and change their permissions
	// view-settings needs one of manage                     open the Settings tab to configure SSO and download audit logs
	// view-usage    needs one of billing                    open the Usage tab and export usage files
	// create-teams  needs one of create                     create, rename and delete Enterprise Teams
}

func ExampleSet_MarshalJSON() {
	b, _ := json.Marshal(permission.Create | permission.View)
	fmt.Println(string(b))
	var s permission.Set
	err := json.Unmarshal([]byte(`["view","view"]`), &s)
	fmt.Println(err)
	// Output:
	// ["view","create"]
	// permission: set[1]: "view" repeated: invalid
}

func ExampleSet_All() {
	for p := range permission.Admin.All() {
		fmt.Println(p)
	}
	// Output:
	// view
	// billing
	// manage
	// create
}
