package accounttest

import (
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// The names specs draw from. The pools are small, so that users share teams
// and steps hit existing users and teams often, and they hold names that
// sort or compare in surprising ways: upper case before lower case, a
// non-ASCII letter, a space, a prefix of another name.
var (
	accountNames = []string{"acme", "Globex Corp", "ünited"}
	// memberPool holds the users who may be account members.
	memberPool = []string{"ann", "ben", "cat", "dan", "eve", "Fay", "ann2", "zoë", "g h"}
	// guestPool holds users who appear only in teams, as collaborators:
	// never account members in a generated spec.
	guestPool = []string{"guest", "ext-ivy", "Ann"}
	teamPool  = []string{"web", "ops", "api", "Data", "web 2", "é"}
	roles     = []account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator}
	// memberRoles weighs the roles drawn for account members in a team:
	// member and viewer twice as often as admin and collaborator.
	memberRoles = []account.Role{account.RoleAdmin, account.RoleMember, account.RoleMember, account.RoleViewer, account.RoleViewer, account.RoleCollaborator}
)

// Spec returns a generator of valid account specs: [account.New] accepts
// every one. The specs are small (one to six members, up to four teams) and
// shaped so that these occur often:
//
//   - every one of the 16 permission sets, with and without View (New adds it);
//   - exactly one Manage holder (so that steps meet [account.ErrLastManager]),
//     or several;
//   - every team role, and teams with one admin or several;
//   - collaborators who are not account members (only the collaborator role
//     may be held by a user who is not a member), and collaborators who are;
//   - users with roles in several teams, and members with no team at all;
//   - accounts with no teams;
//   - accounts with an identity provider (one in four).
//
// Members and teams come in no particular order; [account.Account.Spec]
// returns the canonical order.
func Spec() *rapid.Generator[account.Spec] {
	return rapid.Custom(func(t *rapid.T) account.Spec {
		s := account.Spec{Name: rapid.SampledFrom(accountNames).Draw(t, "account name")}
		// Mostly two to six members, so that teams have several; sometimes one.
		nm := rapid.IntRange(2, 6).Draw(t, "members count")
		if rapid.IntRange(0, 7).Draw(t, "one member") == 7 {
			nm = 1
		}
		users := rapid.SliceOfNDistinct(rapid.SampledFrom(memberPool), nm, nm, rapid.ID).Draw(t, "members")
		// Every set, View or not; then Manage is placed by the managers draw.
		for _, u := range users {
			p := permission.Set(rapid.IntRange(0, 15).Draw(t, "permissions"))
			s.Members = append(s.Members, account.Member{User: u, Permissions: p})
		}
		managers := 1
		if len(users) > 1 && rapid.Bool().Draw(t, "several managers") {
			managers = rapid.IntRange(2, len(users)).Draw(t, "managers")
		}
		order := rapid.Permutation(indexes(len(users))).Draw(t, "manager order")
		for k, i := range order {
			if k < managers {
				s.Members[i].Permissions |= permission.Manage
			} else {
				s.Members[i].Permissions &^= permission.Manage
			}
		}

		n := rapid.IntRange(1, 4).Draw(t, "teams")
		if rapid.IntRange(0, 7).Draw(t, "no teams") == 7 {
			n = 0
		}
		names := rapid.SliceOfNDistinct(rapid.SampledFrom(teamPool), n, n, rapid.ID).Draw(t, "team names")
		for _, name := range names {
			team := account.Team{Name: name, Licensed: rapid.Bool().Draw(t, "licensed")}
			// Account members with any role, at least one of them an admin;
			// often two admins, so that either may step down.
			roster := rapid.SliceOfNDistinct(rapid.SampledFrom(users), 1, 5, rapid.ID).Draw(t, "roster")
			admins := 0
			for _, u := range roster {
				r := rapid.SampledFrom(memberRoles).Draw(t, "role")
				if r == account.RoleAdmin {
					admins++
				}
				team.Members = append(team.Members, account.TeamMember{User: u, Role: r})
			}
			if admins == 0 || admins == 1 && len(roster) > 1 && rapid.Bool().Draw(t, "second admin") {
				var others []int
				for i, m := range team.Members {
					if m.Role != account.RoleAdmin {
						others = append(others, i)
					}
				}
				team.Members[rapid.SampledFrom(others).Draw(t, "admin")].Role = account.RoleAdmin
			}
			// A collaborator from outside the account, as the documentation describes:
			// only the collaborator role may be held by a user who is not
			// an account member.
			if rapid.Bool().Draw(t, "outside collaborator") {
				g := rapid.SampledFrom(guestPool).Draw(t, "collaborator")
				if !inRoster(team.Members, g) {
					team.Members = append(team.Members, account.TeamMember{User: g, Role: account.RoleCollaborator})
				}
			}
			s.Teams = append(s.Teams, team)
		}
		// One account in four has single sign-on set up.
		if rapid.IntRange(0, 3).Draw(t, "identity provider") == 0 {
			p := IdentityProvider("idp.example.com", rapid.Bool().Draw(t, "enforced"))
			s.IdentityProvider = &p
		}
		return s
	})
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func inRoster(members []account.TeamMember, user string) bool {
	for _, m := range members {
		if m.User == user {
			return true
		}
	}
	return false
}
