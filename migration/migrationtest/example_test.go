package migrationtest_test

import (
	"fmt"

	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/migrationtest"
)

// Every shape, drawn with a fixed seed, and how Classify decides it.
func ExampleOrganizationOf() {
	for _, s := range migrationtest.Shapes() {
		org := migrationtest.OrganizationOf(s).Example(7)
		d, _ := migration.Classify(org)
		fmt.Printf("%-31s %d teams: %v %v\n", s, len(org.Teams), d.Outcome, d.Reasons)
	}
	// Output:
	// beta                            3 teams: no-change []
	// automatic                       3 teams: automatic []
	// multiple-licensed               4 teams: manual [multiple-licensed-teams]
	// no-universal                    3 teams: manual [no-universal-admin]
	// no-licensed                     3 teams: manual [no-licensed-team]
	// multiple-licensed+no-universal  4 teams: manual [multiple-licensed-teams no-universal-admin]
	// no-universal+no-licensed        2 teams: manual [no-universal-admin no-licensed-team]
}

// A malformed organization names the entry Classify must reject.
func ExampleMalformedOrganization() {
	m := migrationtest.MalformedOrganization().Example(2)
	_, err := migration.Classify(m.Organization)
	fmt.Println(m.Defect, "at", m.Path)
	fmt.Println(err)
	// Output:
	// repeated team name at teams[1].name
	// migration: classify "acme": teams[1].name: team "web-2" repeated (first at teams[0]): invalid
}
