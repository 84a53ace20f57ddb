package account

import (
	"maps"
	"math/bits"
	"slices"
	"strings"

	"github.com/entaccess/entaccess/permission"
)

// content is an account's name, members and teams, and the rules that read
// them. A published [Account] holds one that never changes; a [Tx] holds one
// that its steps change, copy-on-write, without touching the snapshot it
// started from. Every read is right at every moment, in either: nothing
// derived lags behind the data. Queries of Account and steps of Tx ask the
// same methods, so each rule is written once.
type content struct {
	name    string
	members memberTable
	teams   teamTable
}

// share hands c's maps to a snapshot: c's next change copies what it writes.
func (c *content) share() {
	c.members.l.share()
	c.teams.l.share()
	c.teams.mine = nil
}

// compact folds overlays of more than limit entries into fresh bases.
func (c *content) compact(limit int) {
	c.members.compact(limit)
	c.teams.l.compact(limit)
}

// foldPast makes each table whose overlay holds more than limit entries
// write its own copy of the base in place, until the next share. A writer
// that makes many changes before it publishes calls it as it goes: the
// overlay would be compacted into a fresh base anyway, and later changes
// and lookups then cost what they cost in a plain map.
func (c *content) foldPast(limit int) {
	if len(c.members.l.diff) > limit {
		c.members.fold()
	}
	if len(c.teams.l.diff) > limit {
		c.teams.l.fold()
	}
}

// holds returns what user holds: the empty set for anyone who is not an
// account member, since every member holds View.
func (c *content) holds(user string) permission.Set { return c.members.get(user) }

// The rules that read an account's content. Each is written once, here,
// and called by the queries of Account and by the steps of Tx alike.

// seesTeam is the rule of team visibility: a user who holds holds in the
// account and role in a team can view the team when they are an account
// member (holds is not empty) with the admin, member or viewer role.
func seesTeam(holds permission.Set, role Role) bool { return holds != 0 && role.Sees() }

// adminOf is the rule of team administration: "admin of that team" counts
// only for an account member.
func adminOf(holds permission.Set, role Role) bool { return holds != 0 && role == RoleAdmin }

// visibleTeam returns the team named name and whether user can view it.
func (c *content) visibleTeam(user, name string) (*team, bool) {
	t, ok := c.teams.get(name)
	if !ok || !seesTeam(c.holds(user), t.roles[user]) {
		return nil, false
	}
	return t, true
}

// visibleTeams returns the teams user can view, sorted by name.
func (c *content) visibleTeams(user string) []*team {
	p := c.holds(user)
	if p == 0 {
		return nil
	}
	var ts []*team
	for _, t := range c.teams.l.all {
		if seesTeam(p, t.roles[user]) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(x, y *team) int { return strings.Compare(x.name, y.name) })
	return ts
}

// A memberTable is an account's members: user → permissions, View always
// included. It keeps a count of Manage holders and, over its overlay, a
// filter that lets most lookups skip the overlay; set and del keep both
// right as they write.
type memberTable struct {
	l layered[string, permission.Set]
	// filter has a bit set for the hash of each user in l.diff (and maybe
	// for users no longer there), so that lookups skip the overlay for most
	// users not in it. It is nil only while l.diff is empty. It is copied
	// with l.diff, on the first write after a share.
	filter   []uint64
	seed     uint64 // for filterHash, random per account from New
	managers int    // members holding Manage
}

// get returns user's permissions: the empty set for non-members.
func (m *memberTable) get(user string) permission.Set {
	if m.filter == nil {
		return m.l.base[user]
	}
	return m.getOverlay(user)
}

// getOverlay is get for a table with an overlay.
func (m *memberTable) getOverlay(user string) permission.Set {
	f := m.filter
	h := filterHash(m.seed, user)
	if f[(h>>6)&uint64(len(f)-1)]&(1<<(h&63)) != 0 {
		if p, ok := m.l.diff[user]; ok {
			return p
		}
	}
	return m.l.base[user]
}

// len returns the number of members.
func (m *memberTable) len() int { return m.l.n }

// set stores p (never empty) as user's permissions, in place of old, what
// get returns for user now (the empty set for a new member).
func (m *memberTable) set(user string, old, p permission.Set) {
	if old.Has(permission.Manage) {
		m.managers--
	}
	if p.Has(permission.Manage) {
		m.managers++
	}
	if m.l.ownBase {
		if old == 0 {
			m.l.n++
		}
		m.l.base[user] = p
		return
	}
	m.owned()
	m.l.set(user, p)
	m.mark(user)
}

// del removes user, who must be a member.
func (m *memberTable) del(user string) {
	if m.get(user).Has(permission.Manage) {
		m.managers--
	}
	m.owned()
	m.l.del(user)
	m.mark(user)
}

// owned makes the overlay and the filter this table's own copies.
func (m *memberTable) owned() {
	if m.l.ownBase {
		return
	}
	if m.l.owned() {
		m.filter = slices.Clone(m.filter)
	}
}

// mark sets user's bit in the filter, after user's entry in the overlay
// changed. About 16 bits per entry, so that a user not in the overlay
// passes the filter about one time in 16: when the overlay outgrows the
// filter, mark makes a fresh one twice the size. The length is a power of
// two, for the mask.
func (m *memberTable) mark(user string) {
	if len(m.l.diff) == 0 {
		return
	}
	if len(m.filter)*64 < 16*len(m.l.diff) {
		words := max(1, len(m.filter))
		for words*64 < 16*len(m.l.diff) {
			words *= 2
		}
		m.filter = make([]uint64, words)
		for u := range m.l.diff {
			m.setBit(u)
		}
		return
	}
	m.setBit(user)
}

func (m *memberTable) setBit(user string) {
	h := filterHash(m.seed, user)
	m.filter[(h>>6)&uint64(len(m.filter)-1)] |= 1 << (h & 63)
}

// fold makes the base this table's own, with the overlay folded in (see
// [layered.fold]), and drops the filter, which has no overlay to cover.
func (m *memberTable) fold() {
	m.l.fold()
	m.filter = nil
}

// compact folds an overlay of more than limit entries into a fresh base,
// and drops the filter of an empty overlay.
func (m *memberTable) compact(limit int) {
	m.l.compact(limit)
	if len(m.l.diff) == 0 {
		m.filter = nil
	}
}

// filterHash hashes s for the overlay filter. It reads at most 24 bytes of
// s, so it costs a fraction of a map lookup; users that it cannot tell apart
// only cost an extra lookup in the overlay, never a wrong answer.
func filterHash(seed uint64, s string) uint64 {
	const k0, k1 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db // odd constants with mixed bits
	n := len(s)
	var x, y uint64
	if n >= 8 {
		x, y = load64(s), load64(s[n-8:])
		if n > 16 {
			hi, lo := bits.Mul64(x^k1, load64(s[n/2-4:])^seed)
			x = hi ^ lo
		}
	} else {
		for i := range n {
			x |= uint64(s[i]) << (8 * i)
		}
	}
	hi, lo := bits.Mul64(x^seed^k0, y^uint64(n)^k1)
	return hi ^ lo
}

// load64 returns the first 8 bytes of s as a little-endian number.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// A teamTable is an account's teams by name. Published teams are never
// changed: the table changes its own copy of a team, made on its first
// change after a share.
type teamTable struct {
	l    layered[string, *team]
	mine map[*team]bool // teams made or copied since the last share, which it may change in place
}

// A team is one Enterprise Team.
type team struct {
	name     string
	licensed bool
	roles    map[string]Role // user → role, never the zero Role
	admins   int             // users with RoleAdmin
}

func (ts *teamTable) get(name string) (*team, bool) { return ts.l.get(name) }

// len returns the number of teams.
func (ts *teamTable) len() int { return ts.l.n }

// add stores t, which no one else holds, under t.name.
func (ts *teamTable) add(t *team) {
	if ts.mine == nil {
		ts.mine = make(map[*team]bool)
	}
	ts.mine[t] = true
	ts.l.set(t.name, t)
}

// del deletes the team t.
func (ts *teamTable) del(t *team) {
	ts.l.del(t.name)
	delete(ts.mine, t)
}

// rename gives the team t the name to, which no team has.
func (ts *teamTable) rename(t *team, to string) {
	c := t.clone()
	c.name = to
	ts.del(t)
	ts.add(c)
}

// setRole sets user's role in the team t to r; the zero Role removes it. It
// returns the team as changed, a copy unless t was the table's own.
func (ts *teamTable) setRole(t *team, user string, r Role) *team {
	if !ts.mine[t] {
		t = t.clone()
		ts.add(t)
	}
	if t.roles[user] == RoleAdmin {
		t.admins--
	}
	if r == RoleAdmin {
		t.admins++
	}
	if r == 0 {
		delete(t.roles, user)
	} else {
		t.roles[user] = r
	}
	return t
}

func (t *team) clone() *team {
	c := *t
	c.roles = maps.Clone(t.roles)
	if c.roles == nil {
		c.roles = make(map[string]Role)
	}
	return &c
}
