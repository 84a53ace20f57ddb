package migration_test

import (
	"fmt"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

func team(name string, licensed bool, roles ...string) account.Team {
	t := account.Team{Name: name, Licensed: licensed}
	for i := 0; i < len(roles); i += 2 {
		t.Members = append(t.Members, account.TeamMember{User: roles[i], Role: account.MustParseRole(roles[i+1])})
	}
	return t
}

// Example walks through the three outcomes.
func Example() {
	web := team("web", true, "ana", "admin", "bo", "member", "cy", "collaborator")
	ops := team("ops", false, "ana", "admin", "di", "viewer")

	// A public beta participant: nothing changes.
	d, _ := migration.Classify(migration.Organization{Name: "beta-co", PublicBeta: true, Teams: []account.Team{web, ops}})
	fmt.Println(d)

	// One licensed team, and ana is admin of every team: moved automatically.
	d, _ = migration.Classify(migration.Organization{Name: "acme", Teams: []account.Team{web, ops}})
	fmt.Println(d)
	for _, m := range d.Account.Members {
		fmt.Printf("  %s: %s\n", m.User, m.Permissions)
	}

	// A second licensed team that ana does not administer: support must step in.
	api := team("api", true, "bo", "admin", "cy", "collaborator")
	d, _ = migration.Classify(migration.Organization{Name: "globex", Teams: []account.Team{web, ops, api}})
	fmt.Println(d.Outcome, d.Reasons)
	for _, e := range d.Explain() {
		fmt.Println("  " + e)
	}
	fmt.Println("  banner:", d.Banner)
	// Output:
	// no-change: the organization took part in the public beta; no action needed
	// automatic: create account "web" with 2 teams and 3 members; account admins: ana
	//   ana: view,billing,manage,create
	//   bo: view
	//   di: view
	// manual [multiple-licensed-teams no-universal-admin]
	//   2 teams hold licenses (api, web): keep the licenses on the one main team the account should be named after
	//   no user is admin of every team (ana is admin of ops, web; bo is admin of api): make at least one user admin of every team
	//   banner: [ana bo di]
}
