package account

import (
	"iter"
	"slices"
	"strings"

	"github.com/entaccess/entaccess/permission"
)

// Actions returns the actions user may perform, in table order: exactly the
// actions for which [Account.Can] is true. It is empty for non-members.
func (a *Account) Actions(user string) []permission.Action {
	var acts []permission.Action
	for _, act := range permission.Actions() {
		if a.Can(user, act) {
			acts = append(acts, act)
		}
	}
	return acts
}

// UsersWhoCan returns the members who may perform act, sorted: exactly the
// users for which [Account.Can] is true. It is empty for actions outside
// the table.
func (a *Account) UsersWhoCan(act permission.Action) []string {
	var users []string
	for u := range a.Members() {
		if a.Can(u, act) {
			users = append(users, u)
		}
	}
	return users
}

// TeamsOf returns the names of the teams user can view, sorted: exactly the
// teams for which [Account.CanViewTeam] is true. It is empty for
// non-members.
func (a *Account) TeamsOf(user string) []string {
	var names []string
	if a == nil {
		return names
	}
	for _, t := range a.visibleTeams(user) {
		names = append(names, t.name)
	}
	return names
}

// NumMembers returns the number of account members.
func (a *Account) NumMembers() int {
	if a == nil {
		return 0
	}
	return a.members.len()
}

// NumTeams returns the number of teams.
func (a *Account) NumTeams() int {
	if a == nil {
		return 0
	}
	return a.teams.Len()
}

// Members yields each account member and their permissions, sorted by user.
func (a *Account) Members() iter.Seq2[string, permission.Set] {
	return func(yield func(string, permission.Set) bool) {
		if a == nil {
			return
		}
		for _, u := range a.members.users.SortedKeys() {
			if !yield(u, a.holds(u)) {
				return
			}
		}
	}
}

// Teams yields a copy of each team, members sorted by user, sorted by name.
func (a *Account) Teams() iter.Seq[Team] {
	return func(yield func(Team) bool) {
		if a == nil {
			return
		}
		ts := make([]*team, 0, a.teams.Len())
		for _, t := range a.teams.All() {
			ts = append(ts, t)
		}
		slices.SortFunc(ts, func(x, y *team) int { return strings.Compare(x.name, y.name) })
		for _, t := range ts {
			if !yield(t.spec()) {
				return
			}
		}
	}
}

// Team returns a copy of the team named name, members sorted by user, and
// whether it exists.
func (a *Account) Team(name string) (Team, bool) {
	if a == nil {
		return Team{}, false
	}
	t, ok := a.teams.Get(name)
	if !ok {
		return Team{}, false
	}
	return t.spec(), true
}
