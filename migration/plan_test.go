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

// Tests of how Classify builds its decisions (plan.go), at sizes the
// property tests rarely reach: a plan placed in several blocks, and lists
// sized before they are filled.

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
