package engines_test

import (
	"fmt"
	"log"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/compare/engines"
	"github.com/entaccess/entaccess/permission"
)

// exampleAccount is a small account: an admin, a billing manager and a
// member granted nothing on top of View.
func exampleAccount() *account.Account {
	acct, err := account.New(account.Spec{Name: "acme", Members: []account.Member{
		{User: "alice", Permissions: permission.Admin},
		{User: "bob", Permissions: permission.Billing},
		{User: "carol"}, // entaccess adds View
	}})
	if err != nil {
		log.Fatal(err)
	}
	return acct
}

// show prints what c answers for a few users and actions.
func show(c engines.Checker) {
	for _, user := range []string{"alice", "bob", "carol", "mallory"} {
		fmt.Printf("%-8s view-teams=%-5t view-usage=%-5t manage-users=%t\n", user,
			c.Can(user, permission.ViewTeams), c.Can(user, permission.ViewUsage), c.Can(user, permission.ManageUsers))
	}
}

// Every engine gives the same answers when built from the account's
// canonical Spec, in which carol holds View.
func Example() {
	acct := exampleAccount()
	for _, e := range engines.All() {
		c, err := e.New(acct.Spec())
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Name)
		show(c)
	}
	// Output:
	// entaccess
	// alice    view-teams=true  view-usage=true  manage-users=true
	// bob      view-teams=true  view-usage=true  manage-users=false
	// carol    view-teams=true  view-usage=false manage-users=false
	// mallory  view-teams=false view-usage=false manage-users=false
	// casbin
	// alice    view-teams=true  view-usage=true  manage-users=true
	// bob      view-teams=true  view-usage=true  manage-users=false
	// carol    view-teams=true  view-usage=false manage-users=false
	// mallory  view-teams=false view-usage=false manage-users=false
	// cedar
	// alice    view-teams=true  view-usage=true  manage-users=true
	// bob      view-teams=true  view-usage=true  manage-users=false
	// carol    view-teams=true  view-usage=false manage-users=false
	// mallory  view-teams=false view-usage=false manage-users=false
	// opa
	// alice    view-teams=true  view-usage=true  manage-users=true
	// bob      view-teams=true  view-usage=true  manage-users=false
	// carol    view-teams=true  view-usage=false manage-users=false
	// mallory  view-teams=false view-usage=false manage-users=false
}

// The casbin policy lines of the table: each permission role and the
// actions granted to it. A member adds one "g, user:NAME, permission:PERM"
// line per permission held.
func ExampleCasbinPolicy() {
	for _, rule := range engines.CasbinPolicy() {
		fmt.Printf("p, %s, %s\n", rule[0], rule[1])
	}
	// Output:
	// p, permission:view, view-teams
	// p, permission:billing, view-teams
	// p, permission:manage, view-teams
	// p, permission:create, view-teams
	// p, permission:view, view-access
	// p, permission:billing, view-access
	// p, permission:manage, view-access
	// p, permission:create, view-access
	// p, permission:manage, manage-teams
	// p, permission:manage, manage-users
	// p, permission:manage, view-settings
	// p, permission:billing, view-usage
	// p, permission:create, create-teams
}

// The Cedar policy set of the table: one permit per action.
func ExampleCedarPolicies() {
	fmt.Print(engines.CedarPolicies())
	// Output:
	// // view-teams: see the Enterprise Teams in which the user holds a role
	// @id("view-teams")
	// permit (
	//   principal is User,
	//   action == Action::"view-teams",
	//   resource is Account
	// )
	// when { principal in [Permission::"view", Permission::"billing", Permission::"manage", Permission::"create"] };
	//
	// // view-access: open the Access tab listing the account's members
	// @id("view-access")
	// permit (
	//   principal is User,
	//   action == Action::"view-access",
	//   resource is Account
	// )
	// when { principal in [Permission::"view", Permission::"billing", Permission::"manage", Permission::"create"] };
	//
	// // manage-teams: manage the Enterprise Teams listed under the user's "My Teams" tab
	// @id("manage-teams")
	// permit (
	//   principal is User,
	//   action == Action::"manage-teams",
	//   resource is Account
	// )
	// when { principal in [Permission::"manage"] };
	//
	// // manage-users: add account members and change their permissions
	// @id("manage-users")
	// permit (
	//   principal is User,
	//   action == Action::"manage-users",
	//   resource is Account
	// )
	// when { principal in [Permission::"manage"] };
	//
	// // view-settings: open the Settings tab to configure SSO and download audit logs
	// @id("view-settings")
	// permit (
	//   principal is User,
	//   action == Action::"view-settings",
	//   resource is Account
	// )
	// when { principal in [Permission::"manage"] };
	//
	// // view-usage: open the Usage tab and export usage files
	// @id("view-usage")
	// permit (
	//   principal is User,
	//   action == Action::"view-usage",
	//   resource is Account
	// )
	// when { principal in [Permission::"billing"] };
	//
	// // create-teams: create, rename and delete Enterprise Teams
	// @id("create-teams")
	// permit (
	//   principal is User,
	//   action == Action::"create-teams",
	//   resource is Account
	// )
	// when { principal in [Permission::"create"] };
}

// The Rego module of the table.
func ExampleRegoModule() {
	fmt.Print(engines.RegoModule())
	// Output:
	// package entaccess
	//
	// # The permission table: for each action, the permissions any one of
	// # which allows it.
	// allowed_by := {
	// 	"view-teams": {"view", "billing", "manage", "create"},
	// 	"view-access": {"view", "billing", "manage", "create"},
	// 	"manage-teams": {"manage"},
	// 	"manage-users": {"manage"},
	// 	"view-settings": {"manage"},
	// 	"view-usage": {"billing"},
	// 	"create-teams": {"create"},
	// }
	//
	// # Default deny: non-members and actions outside the table get false.
	// default allow := false
	//
	// # A member may perform an action if one of their permissions allows it.
	// allow if {
	// 	some p in data.account.members[input.user]
	// 	p in allowed_by[input.action]
	// }
}

// The peers take permission sets as given. Built from a Spec in which carol
// holds nothing, rather than from the Account's canonical Spec, casbin
// denies carol the views every member has.
func Example_rawSpec() {
	raw := account.Spec{Name: "acme", Members: []account.Member{
		{User: "alice", Permissions: permission.Admin},
		{User: "carol"},
	}}
	acct, err := account.New(raw)
	if err != nil {
		log.Fatal(err)
	}
	fromRaw, err := engines.Casbin(raw)
	if err != nil {
		log.Fatal(err)
	}
	fromCanonical, err := engines.Casbin(acct.Spec())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("entaccess:          ", acct.Can("carol", permission.ViewTeams))
	fmt.Println("casbin, raw spec:   ", fromRaw.Can("carol", permission.ViewTeams))
	fmt.Println("casbin, acct.Spec():", fromCanonical.Can("carol", permission.ViewTeams))
	// Output:
	// entaccess:           true
	// casbin, raw spec:    false
	// casbin, acct.Spec(): true
}
