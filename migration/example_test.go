package migration_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

func team(name string, licensed bool, roles ...string) account.Team {
	t := account.Team{Name: name, Licensed: licensed}
	for i := 0; i < len(roles); i += 2 {
		r, err := account.ParseRole(roles[i+1])
		if err != nil {
			panic(err)
		}
		t.Members = append(t.Members, account.TeamMember{User: roles[i], Role: r})
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
	for _, e := range d.Fixes() {
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

// ExampleDecision_json decodes an organization from JSON and writes its
// decision as JSON, with the details support needs.
func ExampleDecision_json() {
	const in = `{"name": "globex", "public_beta": false, "teams": [
		{"name": "web", "licensed": true, "members": [{"user": "ana", "role": "admin"}, {"user": "cy", "role": "collaborator"}]},
		{"name": "api", "licensed": true, "members": [{"user": "bo", "role": "admin"}]}
	]}`
	var org migration.Organization
	if err := json.Unmarshal([]byte(in), &org); err != nil {
		fmt.Println(err)
		return
	}
	d, err := migration.Classify(org)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, _ := json.Marshal(d)
	fmt.Println(string(out))
	// Output:
	// {"outcome":"manual","reasons":["multiple-licensed-teams","no-universal-admin"],"banner":["ana","bo"],"licensed_teams":["api","web"],"admins":[{"user":"ana","teams":["web"]},{"user":"bo","teams":["api"]}]}
}

// ExampleClassify_malformed shows that malformed input is an error naming
// the entry, whether it comes from JSON or from Go.
func ExampleClassify_malformed() {
	var org migration.Organization
	err := json.Unmarshal([]byte(`{"name": "initech", "teams": [{"name": "web", "members": [{"user": "ana", "role": "owner"}]}]}`), &org)
	fmt.Println(err)

	_, err = migration.Classify(migration.Organization{Name: "initech", PublicBeta: true, Teams: []account.Team{
		team("web", true, "ana", "admin", "ana", "viewer"),
	}})
	fmt.Println(err)
	var pe *account.PathError
	fmt.Println(errors.As(err, &pe), pe.Path, errors.Is(err, account.ErrInvalid))
	// Output:
	// migration: decode organization "initech": teams[0].members[0].role: unknown role "owner": invalid
	// migration: classify "initech": teams[0].members[1].user: user "ana" repeated (first at members[0]): invalid
	// true teams[0].members[1].user true
}

// Example_names shows the rules on names: the same in JSON and in Go, and
// the same as account.New applies to the plan.
func Example_names() {
	for _, in := range []string{
		`{"teams": [{"name": "web", "members": [{"user": "bob ", "role": "admin"}]}]}`,
		`{"teams": [{"name": "web\u0000", "members": []}]}`,
		`{"teams": [{"name": "web", "members": [{"user": "b\ud800", "role": "admin"}]}]}`,
		`{"name": "acme", "name": "globex"}`,
	} {
		var org migration.Organization
		fmt.Println(json.Unmarshal([]byte(in), &org))
	}
	_, err := migration.Classify(migration.Organization{Name: "acme", Teams: []account.Team{team(strings.Repeat("x", 300), true)}})
	fmt.Println(err)
	// Output:
	// migration: decode organization: teams[0].members[0].user: "bob ": white space at either end: invalid
	// migration: decode organization: teams[0].name: "web\x00": control character U+0000 at byte 3: invalid
	// migration: decode organization: teams[0].members[0].user: "b\\ud800": not valid UTF-8: invalid
	// migration: decode organization: field "name" repeated: invalid
	// migration: classify "acme": teams[0].name: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"…: 300 bytes, longer than 256: invalid
}
