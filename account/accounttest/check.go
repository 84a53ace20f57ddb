package accounttest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
	"github.com/entaccess/entaccess/permission/permissiontest"
)

// FatalTB is a [permissiontest.TB] that can also stop the test, for the
// Require helpers. *testing.T, *testing.B and *rapid.T implement it.
type FatalTB interface {
	permissiontest.TB
	FailNow()
}

// CheckCan reports whether a.Can(user, act) is want. If not, it fails t
// with the account's explanation ([account.Decision.String]), as in
//
//	accounttest: Can("bob", view-usage) = false, want true: "bob" may not view-usage: holds view,create; view-usage needs billing
func CheckCan(t permissiontest.TB, a *account.Account, user string, act permission.Action, want bool) bool {
	t.Helper()
	d := a.Explain(user, act)
	if d.Allowed == want {
		return true
	}
	t.Errorf("accounttest: Can(%q, %s) = %t, want %t: %s", user, act, d.Allowed, want, d)
	return false
}

// RequireCan is [CheckCan] that stops the test when the check differs.
func RequireCan(t FatalTB, a *account.Account, user string, act permission.Action, want bool) {
	t.Helper()
	if !CheckCan(t, a, user, act, want) {
		t.FailNow()
	}
}

// CheckCanViewTeam reports whether a.CanViewTeam(user, team) is want. If
// not, it fails t saying why the account decided as it did, as in
//
//	accounttest: CanViewTeam("ben", "web") = false, want true: "ben" is a collaborator in team "web", which does not see the team
func CheckCanViewTeam(t permissiontest.TB, a *account.Account, user, team string, want bool) bool {
	t.Helper()
	got := a.CanViewTeam(user, team)
	if got == want {
		return true
	}
	t.Errorf("accounttest: CanViewTeam(%q, %q) = %t, want %t: %s", user, team, got, want, ViewReason(a, user, team))
	return false
}

// RequireCanViewTeam is [CheckCanViewTeam] that stops the test when the
// check differs.
func RequireCanViewTeam(t FatalTB, a *account.Account, user, team string, want bool) {
	t.Helper()
	if !CheckCanViewTeam(t, a, user, team, want) {
		t.FailNow()
	}
}

// ViewReason says in one sentence why a.CanViewTeam(user, team) is what it
// is: whether the team exists, whether user is an account member, and
// user's role in the team.
func ViewReason(a *account.Account, user, team string) string {
	q := strconv.Quote(user)
	role, ok := a.Role(team, user)
	switch {
	case !ok:
		return "there is no team " + strconv.Quote(team)
	case !a.IsMember(user) && role != 0: // a collaborator: no other role is held by a non-member
		return q + " is a " + role.String() + " in team " + strconv.Quote(team) + " but not an account member"
	case !a.IsMember(user):
		return q + " is not an account member"
	case role == 0:
		return q + " has no role in team " + strconv.Quote(team)
	case role.Sees():
		return q + " is a member with the " + role.String() + " role in team " + strconv.Quote(team) + ", which sees the team"
	}
	return q + " is a " + role.String() + " in team " + strconv.Quote(team) + ", which does not see the team"
}

// CheckActions reports whether a.Actions(user) is exactly want, in any
// order. If not, it fails t with one line per action that differs, each
// with the account's explanation.
func CheckActions(t permissiontest.TB, a *account.Account, user string, want ...permission.Action) bool {
	t.Helper()
	var lines []string
	for _, act := range permission.Actions() {
		if d := a.Explain(user, act); d.Allowed != slices.Contains(want, act) {
			lines = append(lines, fmt.Sprintf("\n\t%s: allowed %t, want %t: %s", act, d.Allowed, !d.Allowed, d))
		}
	}
	for _, act := range want {
		if !act.Valid() {
			lines = append(lines, fmt.Sprintf("\n\t%s: wanted, but no action outside the table is ever allowed", act))
		}
	}
	if len(lines) == 0 {
		return true
	}
	t.Errorf("accounttest: Actions(%q) = %v, want %v:%s", user, a.Actions(user), want, strings.Join(lines, ""))
	return false
}

// CheckInvariants reports whether a keeps every invariant of an account,
// failing t with one line per broken one:
//
//   - every member holds View, and only permissions of the table;
//   - some member holds Manage;
//   - every team has an admin who is an account member, every role is one
//     of the four, and only account members hold the admin, member and
//     viewer roles;
//   - a's Spec is in canonical order, and [account.New] accepts it and
//     describes the same account;
//   - Can, Actions, Permissions and IsMember agree for every member, and
//     UsersWhoCan lists exactly the members Can allows, for every action;
//   - CanViewTeam and TeamsOf agree with each member's roles.
func CheckInvariants(t permissiontest.TB, a *account.Account) bool {
	t.Helper()
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	spec := a.Spec()
	manager := false
	for _, m := range spec.Members {
		if !m.Permissions.Has(permission.View) || !m.Permissions.Valid() {
			fail("member %q holds {%s}: want View and only permissions of the table", m.User, m.Permissions)
		}
		manager = manager || m.Permissions.Has(permission.Manage)
		if p, ok := a.Permissions(m.User); !ok || p != m.Permissions || !a.IsMember(m.User) {
			fail("Permissions(%q) = {%s}, %t; IsMember %t; Spec says {%s}", m.User, p, ok, a.IsMember(m.User), m.Permissions)
		}
		var acts []permission.Action
		for _, act := range permission.Actions() {
			if a.Can(m.User, act) != permission.Allows(m.Permissions, act) {
				fail("%s", a.Explain(m.User, act))
			}
			if permission.Allows(m.Permissions, act) {
				acts = append(acts, act)
			}
		}
		if got := a.Actions(m.User); !slices.Equal(got, acts) {
			fail("Actions(%q) = %v, want %v", m.User, got, acts)
		}
		var teams []string
		for _, tm := range spec.Teams {
			want := false
			for _, r := range tm.Members {
				want = want || r.User == m.User && r.Role.Sees()
			}
			if a.CanViewTeam(m.User, tm.Name) != want {
				fail("CanViewTeam(%q, %q) = %t: %s", m.User, tm.Name, !want, ViewReason(a, m.User, tm.Name))
			}
			if want {
				teams = append(teams, tm.Name)
			}
		}
		if got := a.TeamsOf(m.User); !slices.Equal(got, teams) {
			fail("TeamsOf(%q) = %q, want %q", m.User, got, teams)
		}
	}
	if !manager {
		fail("no member holds manage")
	}
	for _, act := range permission.Actions() {
		var want []string
		for _, m := range spec.Members {
			if permission.Allows(m.Permissions, act) {
				want = append(want, m.User)
			}
		}
		if got := a.UsersWhoCan(act); !slices.Equal(got, want) {
			fail("UsersWhoCan(%s) = %q, want %q", act, got, want)
		}
	}
	for _, tm := range spec.Teams {
		admin := false
		for _, m := range tm.Members {
			if !m.Role.Valid() {
				fail("team %q: user %q has %s", tm.Name, m.User, m.Role)
			}
			if m.Role.Sees() && !a.IsMember(m.User) {
				fail("team %q: user %q holds the %s role but is not an account member", tm.Name, m.User, m.Role)
			}
			admin = admin || m.Role == account.RoleAdmin && a.IsMember(m.User)
		}
		if !admin {
			fail("team %q has no admin who is an account member", tm.Name)
		}
	}
	if !canonical(spec) {
		fail("Spec() is not in canonical order")
	}
	if b, err := account.New(spec); err != nil {
		fail("New(a.Spec()): %v", err)
	} else if !equalSpecs(b.Spec(), spec) {
		fail("New(a.Spec()).Spec() differs from a.Spec()")
	}
	if len(bad) == 0 {
		return true
	}
	t.Errorf("accounttest: account %q breaks %d invariant(s):\n\t%s", a.Name(), len(bad), strings.Join(bad, "\n\t"))
	return false
}

func canonical(s account.Spec) bool {
	if !slices.IsSortedFunc(s.Members, func(x, y account.Member) int { return strings.Compare(x.User, y.User) }) ||
		!slices.IsSortedFunc(s.Teams, func(x, y account.Team) int { return strings.Compare(x.Name, y.Name) }) {
		return false
	}
	for _, tm := range s.Teams {
		if !slices.IsSortedFunc(tm.Members, func(x, y account.TeamMember) int { return strings.Compare(x.User, y.User) }) {
			return false
		}
	}
	return true
}

func equalSpecs(x, y account.Spec) bool {
	return x.Name == y.Name && slices.Equal(x.Members, y.Members) &&
		slices.EqualFunc(x.Teams, y.Teams, func(a, b account.Team) bool {
			return a.Name == b.Name && a.Licensed == b.Licensed && slices.Equal(a.Members, b.Members)
		})
}
