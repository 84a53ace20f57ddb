package migration_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// Tests of Decision's sentences, on decisions built by hand: whole lines,
// and decisions Classify never makes.

// TestFixesOddDecisions words the fixes for decisions Classify never makes, built by
// hand: a reason that is not one, and reasons whose details are missing.
func TestFixesOddDecisions(t *testing.T) {
	d := migration.Decision{Outcome: migration.Manual, Reasons: []migration.Reason{9, migration.MultipleLicensedTeams}}
	want := []string{"reason(9)", "0 teams hold licenses (none): keep the licenses on the one main team the account should be named after"}
	if diff := cmp.Diff(want, d.Fixes()); diff != "" {
		t.Errorf("Fixes (-want +got):\n%s", diff)
	}
}

// TestDecisionStringExact pins whole lines, separators included, where the
// other String tests look for parts.
func TestDecisionStringExact(t *testing.T) {
	five := []string{"a", "b", "c", "d", "e"}
	tests := []struct {
		name string
		d    migration.Decision
		want string
	}{
		{"manual, two reasons, exactly five banner users", migration.Decision{
			Outcome: migration.Manual, Reasons: []migration.Reason{migration.MultipleLicensedTeams, migration.NoUniversalAdmin},
			Banner: five, LicensedTeams: []string{"api", "web"},
			Admins: []migration.AdminOf{{User: "ana", Teams: []string{"web"}}}, TeamsWithoutAdmin: []string{"api"},
		}, "manual: 2 teams hold licenses (api, web): keep the licenses on the one main team the account should be named after; " +
			"no user is admin of every team (ana is admin of web; no one is admin of api): make at least one user admin of every team; " +
			"contact-support banner shown to 5 users (a, b, c, d, e)"},
		{"manual, six banner users", migration.Decision{
			Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoLicensedTeam}, Banner: append(five, "f"),
		}, "manual: no team holds licenses, so there is no main team to name the account after: license the main team; " +
			"contact-support banner shown to 6 users (a, b, c, d, e and 1 more)"},
		{"manual without reasons or banner", migration.Decision{Outcome: migration.Manual},
			"manual: no user sees the contact-support banner"},
		{"manual without reasons, one banner user", migration.Decision{Outcome: migration.Manual, Banner: []string{"ana"}},
			"manual: contact-support banner shown to 1 user (ana)"},
		{"exactly five admins", migration.Decision{
			Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin},
			Admins: []migration.AdminOf{{User: "a", Teams: []string{"t"}}, {User: "b", Teams: []string{"t"}}, {User: "c", Teams: []string{"t"}},
				{User: "d", Teams: []string{"t"}}, {User: "e", Teams: []string{"u", "v"}}},
		}, "manual: no user is admin of every team (a is admin of t; b is admin of t; c is admin of t; d is admin of t; e is admin of u, v): " +
			"make at least one user admin of every team; no user sees the contact-support banner"},
		{"automatic", migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
			Name: "web", Members: []account.Member{{User: "ana", Permissions: permission.Admin}, {User: "bo", Permissions: permission.View}},
			Teams: []account.Team{team("web", true)},
		}}, `automatic: create account "web" with 1 team and 2 members; account admins: ana`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.String(); got != tt.want {
				t.Errorf("String() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
