package migrationtest_test

import (
	"testing"

	"github.com/entaccess/entaccess/migration/migrationtest"
)

// TestMalformedTeamNameDefect: an organization drawn with the defect "empty
// team name" has a team with an empty name; one drawn with "bad team name"
// has none, its broken name being one that is not empty.
func TestMalformedTeamNameDefect(t *testing.T) {
	gen := migrationtest.MalformedOrganization()
	seen := map[string]int{}
	for seed := range draws / 2 {
		m := gen.Example(seed)
		empty := false
		for _, tm := range m.Organization.Teams {
			empty = empty || tm.Name == ""
		}
		switch m.Defect {
		case "empty team name", "bad team name":
			seen[m.Defect]++
			if want := m.Defect == "empty team name"; empty != want {
				t.Errorf("seed %d: %s: a team with an empty name: %t, want %t", seed, m.Defect, empty, want)
			}
		}
	}
	if seen["empty team name"] == 0 || seen["bad team name"] == 0 {
		t.Errorf("drawn: %v, want both defects", seen)
	}
}
