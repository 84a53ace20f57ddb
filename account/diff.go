package account

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/entaccess/entaccess/permission"
)

// A Change is one thing a user gained or lost between two snapshots, as
// [Diff] lists them.
//
// An account-wide change has an empty Team: Gained is true when the user
// may perform Action in the later snapshot ([Account.Can]) and not in the
// earlier one, false for the reverse. A team-scoped change names the team,
// and its Action says what about the team changed:
//   - [permission.ViewTeams]: seeing the team ([Account.CanViewTeam]), which
//     an account member does through the admin, member or viewer role;
//   - [permission.ManageTeams]: managing the team through a team role,
//     which an account member does as its admin. (Managing a team one can
//     see through the Manage permission shows as the account-wide
//     manage-teams and the team-scoped view-teams.)
//
// Teams are known by name: a renamed team is one team lost and another
// gained for each user who sees it.
type Change struct {
	User   string            `json:"user"`
	Action permission.Action `json:"action"`
	Team   string            `json:"team,omitempty"`
	Gained bool              `json:"gained"`
}

// String returns c as a short sentence, such as
//
//	"bob" gains view-usage
//	"bob" loses view-teams in team "web"
func (c Change) String() string {
	var b strings.Builder
	b.WriteString(strconv.Quote(c.User))
	if c.Gained {
		b.WriteString(" gains ")
	} else {
		b.WriteString(" loses ")
	}
	b.WriteString(c.Action.String())
	if c.Team != "" {
		b.WriteString(" in team ")
		b.WriteString(strconv.Quote(c.Team))
	}
	return b.String()
}

// compareChanges orders changes by user, then account-wide before
// team-scoped, teams by name, then by action.
func compareChanges(x, y Change) int {
	if c := strings.Compare(x.User, y.User); c != 0 {
		return c
	}
	if c := strings.Compare(x.Team, y.Team); c != 0 {
		return c
	}
	return cmp.Compare(x.Action, y.Action)
}

// Diff lists what every user gained and lost between from and to: for each
// account member of either and each action of the table, a [Change] with an
// empty Team when [Account.Can] differs, and for each team of either and
// each user with a role in it, a team-scoped Change when seeing the team or
// being its admin differs (see Change). The list is sorted by user, then
// team ("" first), then action; Diff(a, a) is empty. A nil *Account has no
// members.
//
// A snapshot shares most of its storage with the ones it was derived from
// since its storage was last compacted (which happens once per 1/256 of
// the members changed, on large accounts): for two such snapshots Diff
// looks only at the entries changed since then, a few hundred at most on
// an account of 100,000 members. For any others it reads both whole. To learn what an
// update will do before it is made, [Store.Preview] reports the same list
// at a cost that follows the update.
func Diff(from, to *Account) []Change {
	changes := []Change{}
	if from == to {
		return changes
	}
	if users, teams, ok := sharedChanges(from, to); ok {
		return diffTouched(from, to, users, teams, nil)
	}
	users := mergeSorted(memberNames(from), memberNames(to))
	for _, u := range users {
		changes = appendUserChanges(changes, from, to, u)
	}
	fromTeams, toTeams := rosters(from), rosters(to)
	names := slices.Sorted(maps.Keys(fromTeams))
	for name := range toTeams {
		if _, ok := fromTeams[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		for _, u := range mergeSorted(fromTeams[name], toTeams[name]) {
			changes = appendTeamChanges(changes, from, to, u, name)
		}
	}
	slices.SortFunc(changes, compareChanges)
	return changes
}

// appendUserChanges appends to changes the account-wide changes of user
// between from and to, in table order.
func appendUserChanges(changes []Change, from, to *Account, user string) []Change {
	var pf, pt permission.Set
	if from != nil {
		pf, _ = from.Permissions(user)
	}
	if to != nil {
		pt, _ = to.Permissions(user)
	}
	if pf == pt {
		return changes
	}
	for _, act := range permission.Actions() {
		if a, b := permission.Allows(pf, act), permission.Allows(pt, act); a != b {
			changes = append(changes, Change{User: user, Action: act, Gained: b})
		}
	}
	return changes
}

// teamAccess reports whether user sees team in a, and whether they manage
// it through their role: as an account member who is its admin.
func teamAccess(a *Account, user, team string) (sees, admin bool) {
	if a == nil {
		return false, false
	}
	r, _ := a.Role(team, user)
	sees = a.CanViewTeam(user, team)
	admin = r == RoleAdmin && a.IsMember(user)
	return sees, admin
}

// appendTeamChanges appends to changes the team-scoped changes of user in
// team between from and to.
func appendTeamChanges(changes []Change, from, to *Account, user, team string) []Change {
	sf, af := teamAccess(from, user, team)
	st, at := teamAccess(to, user, team)
	if sf != st {
		changes = append(changes, Change{User: user, Action: permission.ViewTeams, Team: team, Gained: st})
	}
	if af != at {
		changes = append(changes, Change{User: user, Action: permission.ManageTeams, Team: team, Gained: at})
	}
	return changes
}

// memberNames returns a's members, sorted.
func memberNames(a *Account) []string {
	if a == nil {
		return nil
	}
	users := make([]string, 0, a.NumMembers())
	for u := range a.Members() {
		users = append(users, u)
	}
	return users
}

// rosters returns the users with a role in each of a's teams, sorted, by
// team name.
func rosters(a *Account) map[string][]string {
	m := make(map[string][]string, a.NumTeams())
	for t := range a.Teams() {
		users := make([]string, len(t.Members))
		for i, tm := range t.Members {
			users[i] = tm.User
		}
		m[t.Name] = users
	}
	return m
}

// roster returns the users with a role in a's team name, sorted; none if
// there is no such team.
func roster(a *Account, name string) []string {
	if a == nil {
		return nil
	}
	t, ok := a.Team(name)
	if !ok {
		return nil
	}
	users := make([]string, len(t.Members))
	for i, tm := range t.Members {
		users[i] = tm.User
	}
	return users
}

// mergeSorted returns the union of x and y, both sorted without repeats,
// sorted without repeats.
func mergeSorted(x, y []string) []string {
	out := make([]string, 0, max(len(x), len(y)))
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case j == len(y) || (i < len(x) && x[i] < y[j]):
			out = append(out, x[i])
			i++
		case i == len(x) || y[j] < x[i]:
			out = append(out, y[j])
			j++
		default:
			out = append(out, x[i])
			i, j = i+1, j+1
		}
	}
	return out
}

// A userTeam is a user and the name of a team.
type userTeam struct{ user, team string }

// diffTouched returns Diff(from, to) when only these may differ between
// from and to: the permissions of users, the teams named in teams (whole),
// and the roles of pairs. Its cost follows them, not the account.
func diffTouched(from, to *Account, users, teams []string, pairs map[userTeam]bool) []Change {
	changes := []Change{}
	for _, u := range users {
		changes = appendUserChanges(changes, from, to, u)
	}
	if pairs == nil {
		pairs = make(map[userTeam]bool)
	}
	for _, name := range teams {
		for _, u := range mergeSorted(roster(from, name), roster(to, name)) {
			pairs[userTeam{u, name}] = true
		}
	}
	for p := range pairs {
		changes = appendTeamChanges(changes, from, to, p.user, p.team)
	}
	slices.SortFunc(changes, compareChanges)
	return changes
}

// sharedChanges reports whether from and to share their storage, as a
// snapshot does with the one it was derived from by a few changes, and if
// so returns the users and teams whose entries may differ between them.
//
// Team-scoped access changes only with a team's entry: a user who is not
// an account member holds no role that sees a team, so a user who joins or
// leaves the account changes the teams they see in those teams' entries.
func sharedChanges(from, to *Account) (users, teams []string, ok bool) {
	if from == nil || to == nil {
		return nil, nil, false
	}
	if users, ok = from.members.users.Changed(&to.members.users); !ok {
		return nil, nil, false
	}
	if teams, ok = from.teams.Changed(&to.teams.PtrMap); !ok {
		return nil, nil, false
	}
	return users, teams, true
}

// diffEvents returns Diff(from, to) for to, the account that events lead
// to from from, looking only at what the events touch: the users of member
// steps, the users of role steps in their teams, and every user of a team
// created, renamed or deleted. Its cost follows the events, not the
// account, nor the entries changed since from's storage was last
// compacted, which Diff would look at.
//
// Team-scoped access changes only through team steps: a user who is not
// an account member holds no role that sees a team, and RemoveMember
// records the end of each such role as a step of its own.
func diffEvents(from, to *Account, events []Event) []Change {
	users := make(map[string]bool)
	pairs := make(map[userTeam]bool)
	teams := make(map[string]bool)
	for _, e := range events {
		switch e.Op {
		case OpAddMember, OpSetPermissions, OpRemoveMember:
			users[e.User] = true
		case OpSetTeamRole, OpRemoveFromTeam:
			pairs[userTeam{e.User, e.Team}] = true
		case OpCreateTeam, OpDeleteTeam:
			teams[e.Team] = true
		case OpRenameTeam:
			teams[e.Team], teams[e.After] = true, true
		}
	}
	return diffTouched(from, to, slices.Collect(maps.Keys(users)), slices.Collect(maps.Keys(teams)), pairs)
}
