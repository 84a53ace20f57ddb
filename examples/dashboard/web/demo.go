package web

import (
	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// DemoSpec returns the account the dashboard serves when it is given none:
// acme, with a member for each kind of user.
//
//	alice  view,billing,manage,create  the account admin; admin of web and api
//	mike   view,manage                 a manager; member of web
//	bob    view,billing                billing only; viewer in web
//	carol  view,create                 a creator; admin of api
//	dave   view                        view only; member of web, viewer in api
//
// erin is a collaborator in web and not an account member: she sees no tab.
func DemoSpec() account.Spec {
	return account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "mike", Permissions: permission.Manage},
			{User: "bob", Permissions: permission.Billing},
			{User: "carol", Permissions: permission.Create},
			{User: "dave", Permissions: permission.View},
		},
		Teams: []account.Team{
			{Name: "web", Licensed: true, Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "mike", Role: account.RoleMember},
				{User: "bob", Role: account.RoleViewer},
				{User: "dave", Role: account.RoleMember},
				{User: "erin", Role: account.RoleCollaborator},
			}},
			{Name: "api", Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "carol", Role: account.RoleAdmin},
				{User: "dave", Role: account.RoleViewer},
			}},
		},
	}
}

// DemoOrgs returns the organizations the dashboard classifies when it is
// given none, one for each outcome:
//
//   - initrode took part in the public beta: nothing changes;
//   - hooli is moved automatically: alice, bob and carol find a new account
//     named hooli-main, after its licensed team, in the main menu;
//   - globex has two licensed teams and no admin of both: dave, gus, hank
//     and mike see the banner asking them to contact support; erin, only a
//     collaborator there, does not.
func DemoOrgs() []migration.Organization {
	return []migration.Organization{
		{Name: "initrode", PublicBeta: true, Teams: []account.Team{
			{Name: "initrode", Licensed: true, Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
			}},
		}},
		{Name: "hooli", Teams: []account.Team{
			{Name: "hooli-main", Licensed: true, Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "bob", Role: account.RoleMember},
			}},
			{Name: "hooli-labs", Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "carol", Role: account.RoleViewer},
				{User: "erin", Role: account.RoleCollaborator},
			}},
		}},
		{Name: "globex", Teams: []account.Team{
			{Name: "east", Licensed: true, Members: []account.TeamMember{
				{User: "gus", Role: account.RoleAdmin},
				{User: "dave", Role: account.RoleMember},
				{User: "erin", Role: account.RoleCollaborator},
			}},
			{Name: "west", Licensed: true, Members: []account.TeamMember{
				{User: "hank", Role: account.RoleAdmin},
				{User: "mike", Role: account.RoleViewer},
			}},
		}},
	}
}

// A Persona is a demo user and what they stand for.
type Persona struct {
	User string
	Role string
}

// DemoPersonas returns the demo users the sign-in page offers.
func DemoPersonas() []Persona {
	return []Persona{
		{"alice", "account admin"},
		{"mike", "manager"},
		{"bob", "billing only"},
		{"carol", "creator"},
		{"dave", "view only"},
		{"erin", "collaborator only"},
	}
}
