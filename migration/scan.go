package migration

import (
	"slices"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
)

// limits bounds the size of an organization.
type limits struct {
	teams       int // teams in the organization
	teamMembers int // users listed in one team
	users       int // distinct users in all teams
}

// defaultLimits returns the limits the package documentation states, those
// of an account. Tests of the boundaries pass smaller ones.
func defaultLimits() limits {
	return limits{teams: names.MaxTeams, teamMembers: names.MaxTeamMembers, users: names.MaxMembers}
}

// A user is what the classifier knows about one distinct user.
type user struct {
	name  string
	stamp int32 // 1 + index of the last team the user was listed in
	admin int32 // teams the user is admin of
	// rank is the user's position among all users sorted by name when
	// building an automatic plan, and their index in Decision.Admins when
	// building a manual decision: one field keeps a user in 32 bytes.
	rank int32
	sees bool // holds a role that sees its team (account.Role.Sees) in some team
}

// A classifier holds one organization's teams and what one pass over them
// found.
type classifier struct {
	teams    []account.Team
	users    []user  // indexed by user id, in order of first appearance
	uids     []int32 // the user id of each membership, teams and members in input order
	hasAdmin []bool  // by team index
	licensed int     // teams holding licenses
}

// scan checks every entry of org against the rules of names and the limits
// in lim and gathers, in one pass over the memberships, what the rules
// need. It checks the organization's name and number of teams first, then
// each team's name and size, then the rosters, each in input order, and
// returns the first error, an *account.PathError.
func scan(org *Organization, lim limits) (*classifier, error) {
	if org.Name != "" {
		if err := nameErr(org.Name, "organization name"); err != nil {
			return nil, &account.PathError{Path: "name", Err: err}
		}
	}
	teams := org.Teams
	if len(teams) > lim.teams {
		return nil, invalidAt("teams", "%d teams, more than %d", len(teams), lim.teams)
	}
	c := &classifier{teams: teams}
	index := make(map[string]int, len(teams))
	roster, total := 0, 0
	for i, t := range teams {
		if err := nameErr(t.Name, "team name"); err != nil {
			return nil, &account.PathError{Path: teamPath(i) + ".name", Err: err}
		}
		if first, dup := index[t.Name]; dup {
			return nil, invalidAt(teamPath(i)+".name", "team %q repeated (first at teams[%d])", t.Name, first)
		}
		index[t.Name] = i
		if len(t.Members) > lim.teamMembers {
			return nil, invalidAt(teamPath(i)+".members", "%d members, more than %d", len(t.Members), lim.teamMembers)
		}
		if t.Licensed {
			c.licensed++
		}
		roster = max(roster, len(t.Members))
		total += len(t.Members)
	}

	// The largest roster is a lower bound on the number of distinct users:
	// the map never starts larger than it must end (the memberships would
	// be an upper bound, far too large when users share teams), and it
	// grows by doubling only when teams hold different people.
	ids := make(map[string]int32, roster)
	c.users = make([]user, 0, roster)
	c.uids = make([]int32, 0, total)
	c.hasAdmin = make([]bool, len(teams))
	for i, t := range teams {
		stamp := int32(i + 1)
		for j, m := range t.Members {
			id, ok := ids[m.User]
			if !ok {
				// A new user: their name is checked once, however many
				// teams list them.
				if err := nameErr(m.User, "user"); err != nil {
					return nil, &account.PathError{Path: memberPath(i, j) + ".user", Err: err}
				}
				if len(c.users) >= lim.users {
					return nil, invalidAt(memberPath(i, j)+".user", "more than %d distinct users", lim.users)
				}
				id = int32(len(c.users))
				ids[m.User] = id
				if len(c.users) == cap(c.users) {
					// Double: append grows large slices by only a
					// quarter, which would allocate five times the
					// final size along the way.
					c.users = slices.Grow(c.users, len(c.users))
				}
				c.users = append(c.users, user{name: m.User})
			}
			if !m.Role.Valid() {
				return nil, invalidAt(memberPath(i, j)+".role", "%s is not a team role", m.Role)
			}
			u := &c.users[id]
			if u.stamp == stamp {
				first := slices.IndexFunc(t.Members, func(o account.TeamMember) bool { return o.User == m.User })
				return nil, invalidAt(memberPath(i, j)+".user", "user %q repeated (first at members[%d])", m.User, first)
			}
			u.stamp = stamp
			if m.Role == account.RoleAdmin {
				u.admin++
				c.hasAdmin[i] = true
			}
			if m.Role.Sees() {
				u.sees = true
			}
			c.uids = append(c.uids, id)
		}
	}
	return c, nil
}
