package migration

import (
	"cmp"
	"slices"
	"strings"
)

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
