package migration_test

// The generator and the reference classifier used by the property tests.
// They use only the exported API, so they can move to migrationtest as they
// are.

import (
	"slices"
	"strings"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

// userPool holds the names organizations draw users from: few enough that
// users share teams, with a few that sort in surprising ways.
var userPool = []string{"ana", "bo", "cy", "di", "eve", "fay", "Gus", "ana2", "ü", "a b"}

var teamPool = []string{"web", "ops", "api", "data", "docs", "infra", "Mobile", "web-2"}

var roles = []account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator}

// genOrganization generates well-formed organizations shaped to reach every
// outcome and every reason often: about one in five is in the public beta;
// most have one licensed team, some none, some several; two in three have
// one or two users made admin of every team, and rosters are drawn from a
// small pool so that universal admins also happen by chance. Automatic cases
// with several teams are common.
func genOrganization() *rapid.Generator[migration.Organization] {
	return rapid.Custom(func(t *rapid.T) migration.Organization {
		org := migration.Organization{
			Name:       rapid.SampledFrom([]string{"acme", "globex", ""}).Draw(t, "name"),
			PublicBeta: rapid.IntRange(0, 4).Draw(t, "beta") == 4,
		}
		// rapid favours small values; the draws below are arranged so that
		// its favourites are the shapes that lead to automatic outcomes.
		n := rapid.IntRange(1, 5).Draw(t, "teams")
		if rapid.IntRange(0, 9).Draw(t, "no teams") == 9 {
			n = 0
		}
		names := rapid.SliceOfNDistinct(rapid.SampledFrom(teamPool), n, n, rapid.ID).Draw(t, "team names")
		licensed := make([]bool, len(names))
		switch mode := rapid.IntRange(0, 5).Draw(t, "licensing"); {
		case mode <= 2 && len(names) > 0: // exactly one
			licensed[rapid.IntRange(0, len(names)-1).Draw(t, "main")] = true
		case mode == 5: // none
		default: // several where there are several teams
			k := rapid.IntRange(min(2, len(names)), len(names)).Draw(t, "licensed teams")
			order := make([]int, len(names))
			for i := range order {
				order[i] = i
			}
			for _, i := range rapid.Permutation(order).Draw(t, "licensed order")[:k] {
				licensed[i] = true
			}
		}
		universal := rapid.SliceOfNDistinct(rapid.SampledFrom(userPool), 1, 2, rapid.ID).Draw(t, "universal")
		if rapid.IntRange(0, 2).Draw(t, "no universal") == 2 {
			universal = nil
		}
		for i, name := range names {
			team := account.Team{Name: name, Licensed: licensed[i]}
			for _, u := range universal {
				team.Members = append(team.Members, account.TeamMember{User: u, Role: account.RoleAdmin})
			}
			others := rapid.SliceOfNDistinct(rapid.SampledFrom(userPool), 0, 6, rapid.ID).Draw(t, "roster")
			for _, u := range others {
				if slices.Contains(universal, u) {
					continue
				}
				team.Members = append(team.Members, account.TeamMember{User: u, Role: rapid.SampledFrom(roles).Draw(t, "role")})
			}
			// Shuffle so the universal admins are not always first.
			team.Members = rapid.Permutation(team.Members).Draw(t, "order")
			org.Teams = append(org.Teams, team)
		}
		return org
	})
}

// permuted returns a deep copy of org with its teams and every roster in an
// order drawn by t.
func permuted(t *rapid.T, org migration.Organization) migration.Organization {
	c := org.Clone()
	if c.Teams != nil {
		c.Teams = rapid.Permutation(c.Teams).Draw(t, "teams order")
	}
	for i := range c.Teams {
		if c.Teams[i].Members != nil {
			c.Teams[i].Members = rapid.Permutation(c.Teams[i].Members).Draw(t, "roster order")
		}
	}
	return c
}

// The reference: the rules written as plainly as possible, with no care for
// speed.

// roleIn returns user's role in team, or 0.
func roleIn(team account.Team, user string) account.Role {
	for _, m := range team.Members {
		if m.User == user {
			return m.Role
		}
	}
	return 0
}

// allUsers returns every user listed in some team, sorted.
func allUsers(org migration.Organization) []string {
	var users []string
	for _, t := range org.Teams {
		for _, m := range t.Members {
			if !slices.Contains(users, m.User) {
				users = append(users, m.User)
			}
		}
	}
	slices.Sort(users)
	return users
}

// adminOfEvery reports whether user is admin of every team of org (false
// for an organization without teams: no one is listed anywhere).
func adminOfEvery(org migration.Organization, user string) bool {
	if len(org.Teams) == 0 {
		return false
	}
	for _, t := range org.Teams {
		if roleIn(t, user) != account.RoleAdmin {
			return false
		}
	}
	return true
}

// hasSeeingRole reports whether user is admin, member or viewer of some team.
func hasSeeingRole(org migration.Organization, user string) bool {
	for _, t := range org.Teams {
		switch roleIn(t, user) {
		case account.RoleAdmin, account.RoleMember, account.RoleViewer:
			return true
		}
	}
	return false
}

// refLicensed returns the licensed teams' names, sorted.
func refLicensed(org migration.Organization) []string {
	var names []string
	for _, t := range org.Teams {
		if t.Licensed {
			names = append(names, t.Name)
		}
	}
	slices.Sort(names)
	return names
}

// refReasons returns the reasons that apply to a well-formed org.
func refReasons(org migration.Organization) []migration.Reason {
	var rs []migration.Reason
	if len(refLicensed(org)) > 1 {
		rs = append(rs, migration.MultipleLicensedTeams)
	}
	if !slices.ContainsFunc(allUsers(org), func(u string) bool { return adminOfEvery(org, u) }) {
		rs = append(rs, migration.NoUniversalAdmin)
	}
	if len(refLicensed(org)) == 0 {
		rs = append(rs, migration.NoLicensedTeam)
	}
	return rs
}

// refAudience returns the users with an admin, member or viewer role in
// some team, sorted: the banner's audience and the plan's members.
func refAudience(org migration.Organization) []string {
	var users []string
	for _, u := range allUsers(org) {
		if hasSeeingRole(org, u) {
			users = append(users, u)
		}
	}
	return users
}

// sortedTeam returns a copy of t with its members sorted by user.
func sortedTeam(t account.Team) account.Team {
	c := t.Clone()
	slices.SortFunc(c.Members, func(a, b account.TeamMember) int { return strings.Compare(a.User, b.User) })
	return c
}
