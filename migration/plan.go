package migration

import (
	"slices"

	"github.com/entaccess/entaccess/account"
)

// This file builds the decisions of the rules in rules.go: each list
// sorted, each plan in the canonical order of account.Account.Spec, with
// few allocations and memory written close to where it was last written.

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

// manual returns the Manual decision for reasons, with the details that
// say what to fix.
func (c *classifier) manual(reasons []Reason) Decision {
	d := Decision{Outcome: Manual, Reasons: reasons}
	audience := c.sortedUsers(seesBanner)
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

// admins fills d.Admins and d.TeamsWithoutAdmin. An admin role sees its
// team, so audience (the banner's, sorted by name) holds every admin;
// walking the teams in name order appends each admin's teams already
// sorted.
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
// main team, with members sorted by user, teams by name and each
// team's members by user.
func (c *classifier) automatic() Decision {
	all := c.sortedUsers(func(*user) bool { return true })
	spec := &account.Spec{}
	members := 0
	for r, a := range all {
		u := &c.users[a.id]
		u.rank = int32(r)
		if _, ok := c.permissions(u); ok {
			members++
		}
	}
	spec.Members = make([]account.Member, 0, members)
	for _, a := range all {
		u := &c.users[a.id]
		if perms, ok := c.permissions(u); ok {
			spec.Members = append(spec.Members, account.Member{User: u.name, Permissions: perms})
		}
	}

	// Teams in name order, each with room for exactly its members, all in
	// one backing array.
	order := c.sortedTeams()
	spec.Teams = make([]account.Team, len(order))
	backing := make([]account.TeamMember, len(c.uids))
	n := 0
	for p, t := range order {
		team := &c.teams[t.id]
		if mainTeam(team) {
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
