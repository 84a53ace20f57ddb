package migration_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

func TestClassifyMalformed(t *testing.T) {
	tests := []struct {
		name     string
		org      migration.Organization
		wantPath string
		wantText string // a part of the message
	}{
		{"empty team name", org(team("web", true, "ana", "admin"), team("", false)), "teams[1].name", "empty team name"},
		{"repeated team name", org(team("web", true), team("ops", false), team("web", false)), "teams[2].name", `team "web" repeated (first at teams[0])`},
		{"empty user", org(team("web", true, "ana", "admin", "", "member")), "teams[0].members[1].user", "empty user"},
		{"user twice in one team", org(team("web", true, "ana", "admin", "bo", "member", "ana", "viewer")), "teams[0].members[2].user", `user "ana" repeated (first at members[0])`},
		{"zero role", org(team("web", true), account.Team{Name: "ops", Members: []account.TeamMember{{User: "ana"}}}), "teams[1].members[0].role", "role(0) is not a team role"},
		{"role outside the four", org(account.Team{Name: "ops", Members: []account.TeamMember{{User: "ana", Role: 9}}}), "teams[0].members[0].role", "role(9) is not a team role"},
		{"malformed even in the public beta", migration.Organization{Name: "beta", PublicBeta: true, Teams: []account.Team{team("", false)}}, "teams[0].name", "empty team name"},
		{"team names are checked before rosters", org(team("web", true, "", "admin"), team("web", false)), "teams[1].name", "repeated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := migration.Classify(tt.org)
			if err == nil {
				t.Fatalf("Classify = %v, want an error", d)
			}
			if !errors.Is(err, account.ErrInvalid) {
				t.Errorf("error %q does not wrap account.ErrInvalid", err)
			}
			var pe *account.PathError
			if !errors.As(err, &pe) || pe.Path != tt.wantPath {
				t.Errorf("error %q: path %+v, want %q", err, pe, tt.wantPath)
			}
			msg := err.Error()
			for _, part := range []string{"migration: ", `classify "` + tt.org.Name + `"`, tt.wantPath + ": ", tt.wantText} {
				if !strings.Contains(msg, part) {
					t.Errorf("error %q does not contain %q", msg, part)
				}
			}
		})
	}
}

// TestNothingElseIsAnError lists input that looks odd but is well-formed:
// each is classified, never rejected.
func TestNothingElseIsAnError(t *testing.T) {
	tests := []struct {
		name string
		org  migration.Organization
	}{
		{"zero organization", migration.Organization{}},
		{"empty organization name", migration.Organization{Teams: []account.Team{team("web", true, "ana", "admin")}}},
		{"team without members", org(team("web", true))},
		{"team without an admin", org(team("web", true, "ana", "viewer"))},
		{"only collaborators", org(team("web", true, "cy", "collaborator"))},
		{"same user in every team with different roles", org(team("a", true, "u", "admin"), team("b", false, "u", "member"), team("c", false, "u", "collaborator"))},
		{"names that only differ in case", org(team("Web", true, "Ana", "admin"), team("web", false, "ana", "admin"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := migration.Classify(tt.org)
			if err != nil {
				t.Fatalf("Classify: %v", err)
			}
			if !d.Outcome.Valid() {
				t.Fatalf("Classify = %v, want a valid outcome", d)
			}
		})
	}
}
