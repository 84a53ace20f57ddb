package account

import (
	"maps"
	"slices"
	"strings"

	"github.com/entaccess/entaccess/account/internal/cow"
	"github.com/entaccess/entaccess/permission"
)

// content is an account's name, members and teams. A published [Account]
// holds one that never changes; a [Tx] holds one that its steps change,
// copy-on-write (package cow), without touching the snapshot it started
// from. Every read is right at every moment, in either: nothing derived
// lags behind the data. Queries of Account and steps of Tx read it through
// the same methods, and change it only through the apply functions
// (changes.go), so each rule is written once.
type content struct {
	name    string
	members memberTable
	teams   teamTable
	idp     *identityProvider // nil for none; never changed, only replaced
}

// share hands c's maps to a snapshot: c's next change copies what it writes.
func (c *content) share() {
	c.members.users.Share()
	c.teams.Share()
}

// compact folds overlays of more than limit entries into fresh bases.
func (c *content) compact(limit int) {
	c.members.users.Compact(limit)
	c.teams.Compact(limit)
}

// foldPast makes each table whose overlay holds more than limit entries
// write its own copy of the base in place, until the next share. A writer
// that makes many changes before it publishes calls it as it goes: the
// overlay would be compacted into a fresh base anyway, and later changes
// and lookups then cost what they cost in a plain map.
func (c *content) foldPast(limit int) {
	if c.members.users.Overlay() > limit {
		c.members.users.Fold()
	}
	if c.teams.Overlay() > limit {
		c.teams.Fold()
	}
}

// holds returns what user holds: the empty set for anyone who is not an
// account member, since every member holds View. It is the hot path of
// every check: the compiler inlines it, and on a table with no overlay it
// is one map lookup.
func (c *content) holds(user string) permission.Set {
	return permission.Set(c.members.users.Get(user))
}

// visibleTeam returns the team named name and whether user can view it.
func (c *content) visibleTeam(user, name string) (*team, bool) {
	t, ok := c.teams.Get(name)
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
	for _, t := range c.teams.All() {
		if seesTeam(p, t.roles[user]) {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(x, y *team) int { return strings.Compare(x.name, y.name) })
	return ts
}

// firstVisibleTeam returns the team, first by name, that user can view, or
// nil if there is none. Unlike visibleTeams it allocates nothing.
func (c *content) firstVisibleTeam(user string) *team {
	p := c.holds(user)
	if p == 0 {
		return nil
	}
	var first *team
	for _, t := range c.teams.All() {
		if seesTeam(p, t.roles[user]) && (first == nil || t.name < first.name) {
			first = t
		}
	}
	return first
}

// A memberTable is an account's members, user → permissions, View always
// included, and the count of Manage holders, which set and del keep right.
type memberTable struct {
	users    cow.FilteredMap // user → permission.Set, never empty
	managers int             // members holding Manage
}

// all yields each member and their permissions, in no particular order.
func (m *memberTable) all(yield func(string, permission.Set) bool) {
	for u, p := range m.users.All() {
		if !yield(u, permission.Set(p)) {
			return
		}
	}
}

// len returns the number of members.
func (m *memberTable) len() int { return m.users.Len() }

// set stores p (never empty) as user's permissions, in place of old, what
// user holds now (the empty set for a new member).
func (m *memberTable) set(user string, old, p permission.Set) {
	if old.Has(permission.Manage) {
		m.managers--
	}
	if p.Has(permission.Manage) {
		m.managers++
	}
	m.users.Set(user, uint8(p))
}

// del removes user, a member who holds old.
func (m *memberTable) del(user string, old permission.Set) {
	if old.Has(permission.Manage) {
		m.managers--
	}
	m.users.Delete(user)
}

// A teamTable is an account's teams by name. Published teams are never
// changed: the table changes its own copy of a team (see [cow.PtrMap]).
type teamTable struct {
	cow.PtrMap[string, team]
}

// A team is one Enterprise Team.
type team struct {
	name     string
	licensed bool
	roles    map[string]Role // user → role, never the zero Role
	admins   int             // users with RoleAdmin
}

// add stores t, which no one else holds, under t.name.
func (ts *teamTable) add(t *team) { ts.Set(t.name, t) }

// rename gives the team t the name to, which no team has.
func (ts *teamTable) rename(t *team, to string) {
	c := t.clone()
	c.name = to
	ts.Delete(t.name)
	ts.add(c)
}

// setRole sets user's role in the team t to r; the zero Role removes it.
func (ts *teamTable) setRole(t *team, user string, r Role) {
	t = ts.Mutable(t.name, (*team).clone)
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
}

func (t *team) clone() *team {
	c := *t
	c.roles = maps.Clone(t.roles)
	if c.roles == nil {
		c.roles = make(map[string]Role)
	}
	return &c
}
