package migration_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// Tests that pin behaviour the property tests reach rarely: found by
// mutation testing (see TESTING.md), each checks what the code must do.

// TestLargeAutomaticPlan classifies an organization with more memberships
// than Classify places in one block (16,384), where many users are absent
// from many teams, and checks the plan against the rules written out.
func TestLargeAutomaticPlan(t *testing.T) {
	const teams, perTeam, pool = 36, 500, 1500
	org := migration.Organization{Name: "big"}
	roles := []account.Role{account.RoleMember, account.RoleViewer, account.RoleCollaborator}
	for i := range teams {
		tm := account.Team{Name: fmt.Sprintf("team-%02d", (i*7)%teams), Licensed: i == 3}
		tm.Members = append(tm.Members, account.TeamMember{User: "root", Role: account.RoleAdmin})
		for j := range perTeam - 1 {
			// Users drawn from a window that moves with the team, so each
			// team holds a different third of the pool, in scrambled order.
			u := (i*40 + (j*997)%perTeam) % pool
			tm.Members = append(tm.Members, account.TeamMember{User: fmt.Sprintf("u%04d", u), Role: roles[(i+j)%3]})
		}
		org.Teams = append(org.Teams, tm)
	}
	d, err := migration.Classify(org)
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != migration.Automatic {
		t.Fatalf("Classify = %v, want automatic", d)
	}
	var want []account.Team
	sees := map[string]bool{}
	for _, tm := range org.Teams {
		tm = tm.Clone()
		slices.SortFunc(tm.Members, func(a, b account.TeamMember) int { return strings.Compare(a.User, b.User) })
		want = append(want, tm)
		for _, m := range tm.Members {
			sees[m.User] = sees[m.User] || m.Role.Sees()
		}
	}
	slices.SortFunc(want, func(a, b account.Team) int { return strings.Compare(a.Name, b.Name) })
	if diff := cmp.Diff(want, d.Account.Teams); diff != "" {
		t.Fatalf("teams (-want +got):\n%s", diff)
	}
	var wantMembers []account.Member
	for u, s := range sees {
		if s {
			p := permission.View
			if u == "root" {
				p = permission.Admin
			}
			wantMembers = append(wantMembers, account.Member{User: u, Permissions: p})
		}
	}
	slices.SortFunc(wantMembers, func(a, b account.Member) int { return strings.Compare(a.User, b.User) })
	if diff := cmp.Diff(wantMembers, d.Account.Members); diff != "" {
		t.Fatalf("members (-want +got):\n%s", diff)
	}
	if d.Account.Name != "team-21" {
		t.Errorf("account named %q, want the licensed team-21", d.Account.Name)
	}
}

// TestExplainOddDecisions explains decisions Classify never makes, built by
// hand: a reason that is not one, and reasons whose details are missing.
func TestExplainOddDecisions(t *testing.T) {
	d := migration.Decision{Outcome: migration.Manual, Reasons: []migration.Reason{9, migration.MultipleLicensedTeams}}
	want := []string{"reason(9)", "0 teams hold licenses (none): keep the licenses on the one main team the account should be named after"}
	if diff := cmp.Diff(want, d.Explain()); diff != "" {
		t.Errorf("Explain (-want +got):\n%s", diff)
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

// TestAllocationsDoNotGrowWithUsers checks that Classify sizes its lists
// before filling them: with one team listing every user, classifying 50
// users and 500 users allocates the same number of times (both fit in one
// table of a map; beyond that the map itself allocates more).
func TestAllocationsDoNotGrowWithUsers(t *testing.T) {
	allocs := func(n int) float64 {
		tm := account.Team{Name: "web", Licensed: true}
		for j := range n {
			tm.Members = append(tm.Members, account.TeamMember{User: fmt.Sprintf("user-%04d", (j*7)%n), Role: roles[j%4]})
		}
		tm.Members[0].Role = account.RoleAdmin
		o := org(tm)
		return testing.AllocsPerRun(20, func() {
			if _, err := migration.Classify(o); err != nil {
				t.Fatal(err)
			}
		})
	}
	if small, large := allocs(50), allocs(500); small != large {
		t.Errorf("Classify allocates %v times for 50 users and %v times for 500", small, large)
	}
}
