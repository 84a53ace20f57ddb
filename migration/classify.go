package migration

import (
	"cmp"
	"slices"
	"strings"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// Classify decides what happens to org, by these rules in order:
//
//  1. Malformed input is an error: a team name or user that is not a
//     name (empty, longer than 256 bytes, not UTF-8, holding a control
//     character or white space at either end), a non-empty organization
//     name that is not one, a repeated team name, a user listed twice in
//     one team, a role outside the four, or more teams, team members or
//     distinct users than the limits allow (see the package
//     documentation). The error names the entry
//     (teams[1].members[0].role); errors.As finds an [*account.PathError]
//     and errors.Is finds [account.ErrInvalid]. Nothing else is an error:
//     a team without members or without an admin, or an organization
//     without teams or without a name, is classified like any other.
//  2. An organization that took part in the public beta gets [NoChange],
//     whatever else is true of it.
//  3. Each of these is a [Reason] for [Manual]: more than one licensed team
//     ([MultipleLicensedTeams]); no user who is admin of every team
//     ([NoUniversalAdmin]); no licensed team ([NoLicensedTeam]). An
//     organization without teams has no users, so no universal admin either:
//     it is Manual with both NoUniversalAdmin and NoLicensedTeam.
//  4. Otherwise the outcome is [Automatic], with an account named after the
//     licensed team that holds every team unchanged and, as members, every
//     user with an admin, member or viewer role in some team: the admins of
//     every team get [permission.Admin], the others [permission.View].
//     Collaborator-only users do not become members.
//  5. A Manual decision's [Decision.Banner] lists the users with an admin,
//     member or viewer role in some team; collaborator-only users never see
//     it.
//  6. The decision depends only on org's content: not on the order of teams
//     or of members. Everything it lists is sorted, and an automatic plan is
//     in the canonical order of [account.Account.Spec].
//  7. An automatic plan is a valid account, and no member can view a team
//     in which they had no role.
//
// Classify reads org without keeping or changing any of it. It runs in time
// linear in the number of memberships, plus sorting the distinct users and
// team names once.
func Classify(org Organization) (Decision, error) {
	c := classifier{max: maxSize}
	if pe := c.scan(&org); pe != nil {
		return Decision{}, &pathError{op: "classify " + quoteShort(org.Name), err: pe}
	}
	if org.PublicBeta {
		return Decision{Outcome: NoChange}, nil
	}
	if reasons := c.reasons(); reasons != nil {
		return c.manual(reasons), nil
	}
	return c.automatic(), nil
}

// limits bounds the size of an organization.
type limits struct {
	teams       int // teams in the organization
	teamMembers int // users listed in one team
	users       int // distinct users in all teams
}

// maxSize holds the limits the package documentation states. Tests of the
// boundaries use smaller ones.
var maxSize = limits{teams: names.MaxTeams, teamMembers: names.MaxTeamMembers, users: names.MaxMembers}

// A user is what the classifier knows about one distinct user.
type user struct {
	name  string
	stamp int32 // 1 + index of the last team the user was listed in
	admin int32 // teams the user is admin of
	// rank is the user's position among all users sorted by name when
	// building an automatic plan, and their index in Decision.Admins when
	// building a manual decision: one field keeps a user in 32 bytes.
	rank int32
	sees bool // admin, member or viewer of some team
}

// A classifier holds one organization's teams and what one pass over them
// found.
type classifier struct {
	max      limits
	teams    []account.Team
	users    []user  // indexed by user id, in order of first appearance
	uids     []int32 // the user id of each membership, teams and members in input order
	hasAdmin []bool  // by team index
	licensed int     // teams holding licenses
}

// scan checks every entry of org and gathers, in one pass over the
// memberships, what the rules need. It checks the organization's name and
// number of teams first, then each team's name and size, then the rosters,
// each in input order, and returns the first error.
func (c *classifier) scan(org *Organization) *account.PathError {
	if org.Name != "" {
		if err := nameErr(org.Name, "organization name"); err != nil {
			return &account.PathError{Path: "name", Err: err}
		}
	}
	teams := org.Teams
	if len(teams) > c.max.teams {
		return invalidAt("teams", "%d teams, more than %d", len(teams), c.max.teams)
	}
	c.teams = teams
	index := make(map[string]int, len(teams))
	roster, total := 0, 0
	for i, t := range teams {
		if err := nameErr(t.Name, "team name"); err != nil {
			return &account.PathError{Path: teamPath(i) + ".name", Err: err}
		}
		if first, dup := index[t.Name]; dup {
			return invalidAt(teamPath(i)+".name", "team %q repeated (first at teams[%d])", t.Name, first)
		}
		index[t.Name] = i
		if len(t.Members) > c.max.teamMembers {
			return invalidAt(teamPath(i)+".members", "%d members, more than %d", len(t.Members), c.max.teamMembers)
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
					return &account.PathError{Path: memberPath(i, j) + ".user", Err: err}
				}
				if len(c.users) >= c.max.users {
					return invalidAt(memberPath(i, j)+".user", "more than %d distinct users", c.max.users)
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
				return invalidAt(memberPath(i, j)+".role", "%s is not a team role", m.Role)
			}
			u := &c.users[id]
			if u.stamp == stamp {
				first := slices.IndexFunc(t.Members, func(o account.TeamMember) bool { return o.User == m.User })
				return invalidAt(memberPath(i, j)+".user", "user %q repeated (first at members[%d])", m.User, first)
			}
			u.stamp = stamp
			switch m.Role {
			case account.RoleAdmin:
				u.admin++
				u.sees = true
				c.hasAdmin[i] = true
			case account.RoleMember, account.RoleViewer:
				u.sees = true
			}
			c.uids = append(c.uids, id)
		}
	}
	return nil
}

// universal reports whether u is admin of every team. A user is listed at
// most once per team, so counting is enough; and there are users only when
// there are teams, so no one is admin of every team of none.
func (c *classifier) universal(u *user) bool {
	return int(u.admin) == len(c.teams)
}

// anyUniversal reports whether some user is admin of every team.
func (c *classifier) anyUniversal() bool {
	for i := range c.users {
		if c.universal(&c.users[i]) {
			return true
		}
	}
	return false
}

// reasons returns every reason that applies, ascending, or nil.
func (c *classifier) reasons() []Reason {
	var rs []Reason
	if c.licensed > 1 {
		rs = append(rs, MultipleLicensedTeams)
	}
	if !c.anyUniversal() {
		rs = append(rs, NoUniversalAdmin)
	}
	if c.licensed == 0 {
		rs = append(rs, NoLicensedTeam)
	}
	return rs
}

// A named is a user id or team index with its name, for sorting by name.
type named struct {
	key  uint64 // see sortByName
	name string
	id   int32
}

// sortByName sorts s by name. Comparing names means reading them from
// wherever they lie in memory, which dominates when there are many, so
// each entry first carries a key: the 8 bytes of its name that follow the
// prefix all names share, big-endian, zero-padded. Keys compare as the
// names do whenever they differ; only equal keys need the names.
func sortByName(s []named) {
	if len(s) < 2 {
		return
	}
	shared := len(s[0].name)
	for _, e := range s[1:] {
		shared = min(shared, len(e.name))
		for i := range shared {
			if e.name[i] != s[0].name[i] {
				shared = i
				break
			}
		}
	}
	for i := range s {
		var key uint64
		rest := s[i].name[shared:]
		for j := range 8 {
			key <<= 8
			if j < len(rest) {
				key |= uint64(rest[j])
			}
		}
		s[i].key = key
	}
	slices.SortFunc(s, func(a, b named) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
}

// sortedUsers returns the users for which keep is true, sorted by name.
func (c *classifier) sortedUsers(keep func(*user) bool) []named {
	out := make([]named, 0, len(c.users))
	for id := range c.users {
		if u := &c.users[id]; keep(u) {
			out = append(out, named{name: u.name, id: int32(id)})
		}
	}
	sortByName(out)
	return out
}

// sortedTeams returns the teams' indexes sorted by team name.
func (c *classifier) sortedTeams() []named {
	out := make([]named, len(c.teams))
	for i, t := range c.teams {
		out[i] = named{name: t.Name, id: int32(i)}
	}
	sortByName(out)
	return out
}

// offsets returns, for each team, the index in c.uids of its first member.
func (c *classifier) offsets() []int {
	off := make([]int, len(c.teams))
	n := 0
	for i, t := range c.teams {
		off[i] = n
		n += len(t.Members)
	}
	return off
}

func sees(u *user) bool { return u.sees }

// manual returns the Manual decision for reasons, with the details that
// say what to fix.
func (c *classifier) manual(reasons []Reason) Decision {
	d := Decision{Outcome: Manual, Reasons: reasons}
	audience := c.sortedUsers(sees)
	if len(audience) > 0 {
		d.Banner = make([]string, len(audience))
		for i, u := range audience {
			d.Banner[i] = u.name
		}
	}
	for _, t := range c.teams {
		if t.Licensed {
			d.LicensedTeams = append(d.LicensedTeams, t.Name)
		}
	}
	slices.Sort(d.LicensedTeams)
	if slices.Contains(reasons, NoUniversalAdmin) {
		c.admins(&d, audience)
	}
	return d
}

// admins fills d.Admins and d.TeamsWithoutAdmin. Every admin sees their
// team, so audience (sorted by name) holds them all; walking the teams in
// name order appends each admin's teams already sorted.
func (c *classifier) admins(d *Decision, audience []named) {
	entries, adminships := 0, 0
	for _, a := range audience {
		if k := int(c.users[a.id].admin); k > 0 {
			entries++
			adminships += k
		}
	}
	if entries > 0 {
		// One backing array for every list, each with room for exactly its teams.
		d.Admins = make([]AdminOf, 0, entries)
		backing := make([]string, adminships)
		n := 0
		for _, a := range audience {
			u := &c.users[a.id]
			if k := int(u.admin); k > 0 {
				u.rank = int32(len(d.Admins))
				d.Admins = append(d.Admins, AdminOf{User: u.name, Teams: backing[n : n : n+k]})
				n += k
			}
		}
	}
	off := c.offsets()
	for _, t := range c.sortedTeams() {
		team := &c.teams[t.id]
		if !c.hasAdmin[t.id] {
			d.TeamsWithoutAdmin = append(d.TeamsWithoutAdmin, team.Name)
			continue
		}
		for j, m := range team.Members {
			if m.Role == account.RoleAdmin {
				e := &d.Admins[c.users[c.uids[off[t.id]+j]].rank]
				e.Teams = append(e.Teams, team.Name)
			}
		}
	}
}

// automatic returns the Automatic decision: the account named after the
// only licensed team, with members sorted by user, teams by name and each
// team's members by user.
func (c *classifier) automatic() Decision {
	all := c.sortedUsers(func(*user) bool { return true })
	spec := &account.Spec{}
	nsee := 0
	for r, a := range all {
		u := &c.users[a.id]
		u.rank = int32(r)
		if u.sees {
			nsee++
		}
	}
	spec.Members = make([]account.Member, 0, nsee)
	for _, a := range all {
		u := &c.users[a.id]
		if !u.sees {
			continue
		}
		perms := permission.View
		if c.universal(u) {
			perms = permission.Admin
		}
		spec.Members = append(spec.Members, account.Member{User: u.name, Permissions: perms})
	}

	// Teams in name order, each with room for exactly its members, all in
	// one backing array.
	order := c.sortedTeams()
	spec.Teams = make([]account.Team, len(order))
	backing := make([]account.TeamMember, len(c.uids))
	n := 0
	for p, t := range order {
		team := &c.teams[t.id]
		if team.Licensed {
			spec.Name = team.Name
		}
		k := len(team.Members)
		spec.Teams[p] = account.Team{Name: team.Name, Licensed: team.Licensed, Members: backing[n : n : n+k]}
		n += k
	}

	// Fill the rosters in user order a block of teams at a time, so that
	// the writes of each block stay within a small part of memory. A block
	// holds at least as many memberships as there are users, so the work
	// per block that is proportional to the users adds up to no more than
	// the memberships.
	p := placer{c: c, all: all, off: c.offsets(), start: make([]int32, len(all)+1)}
	target := max(len(all), 1<<14)
	for lo := 0; lo < len(order); {
		hi, size := lo, 0
		for hi < len(order) && size < target {
			size += len(c.teams[order[hi].id].Members)
			hi++
		}
		p.place(spec.Teams[lo:hi], order[lo:hi], size)
		lo = hi
	}
	return Decision{Outcome: Automatic, Account: spec}
}

// A placer puts the members of blocks of teams in user order, by bucketing
// them by the rank of their user (a counting sort).
type placer struct {
	c     *classifier
	all   []named  // every user, sorted: rank → name
	off   []int    // team index → index in c.uids of its first member
	start []int32  // rank → where its bucket starts, then ends, in slots
	ranks []int32  // the rank of each membership of the block, in input order
	slots []member // the block's memberships, bucketed by rank
}

// A member is one membership of a block: the team it goes to, by its index
// in the block, and the role.
type member struct {
	team int32
	role account.Role
}

// place fills out, whose input teams are block (size memberships in all).
func (p *placer) place(out []account.Team, block []named, size int) {
	clear(p.start)
	p.ranks = slices.Grow(p.ranks[:0], size)
	for _, t := range block {
		for _, id := range p.c.uids[p.off[t.id] : p.off[t.id]+len(p.c.teams[t.id].Members)] {
			r := p.c.users[id].rank
			p.ranks = append(p.ranks, r)
			p.start[r+1]++
		}
	}
	for r := 1; r < len(p.start); r++ {
		p.start[r] += p.start[r-1]
	}
	p.slots = slices.Grow(p.slots[:0], size)[:size]
	k := 0
	for q, t := range block {
		for _, m := range p.c.teams[t.id].Members {
			r := p.ranks[k]
			p.slots[p.start[r]] = member{int32(q), m.Role}
			p.start[r]++
			k++
		}
	}
	// Now start[r] is where bucket r ends and bucket r+1 begins.
	lo := int32(0)
	for r, hi := range p.start[:len(p.all)] {
		if lo == hi {
			continue
		}
		name := p.all[r].name
		for _, s := range p.slots[lo:hi] {
			team := &out[s.team]
			team.Members = append(team.Members, account.TeamMember{User: name, Role: s.role})
		}
		lo = hi
	}
}
