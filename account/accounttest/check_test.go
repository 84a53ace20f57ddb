package accounttest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// fakeT records what the helpers report.
type fakeT struct {
	errors  []string
	stopped bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) FailNow() { f.stopped = true }

// sample is a small account: ann manages, bob holds view and create and is
// a collaborator in web, cy is an outside collaborator.
func sample(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme",
		Members: []account.Member{{User: "ann", Permissions: permission.Manage}, {User: "bob", Permissions: permission.Create}},
		Teams: []account.Team{{Name: "web", Members: []account.TeamMember{
			{User: "ann", Role: account.RoleAdmin}, {User: "bob", Role: account.RoleCollaborator}, {User: "cy", Role: account.RoleCollaborator}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCheckCan(t *testing.T) {
	a := sample(t)
	for _, tc := range []struct {
		name string
		user string
		act  permission.Action
		want bool
		msg  string // "" when the check should pass; else the report up to the account's explanation
	}{
		{"allowed as expected", "ann", permission.ManageUsers, true, ""},
		{"denied as expected", "bob", permission.ViewUsage, false, ""},
		{"denied, want allowed", "bob", permission.ViewUsage, true,
			`accounttest: Can("bob", view-usage) = false, want true: `},
		{"allowed, want denied", "ann", permission.ViewSettings, false,
			`accounttest: Can("ann", view-settings) = true, want false: `},
		{"non-member", "cy", permission.ViewTeams, true,
			`accounttest: Can("cy", view-teams) = false, want true: `},
		{"outside the table", "ann", 0, true,
			`accounttest: Can("ann", action(0)) = false, want true: `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := tc.msg
			if msg != "" {
				msg += a.Explain(tc.user, tc.act).String()
			}
			var f fakeT
			ok := accounttest.CheckCan(&f, a, tc.user, tc.act, tc.want)
			checkReport(t, ok, f.errors, msg)
			var r fakeT
			accounttest.RequireCan(&r, a, tc.user, tc.act, tc.want)
			if r.stopped != (tc.msg != "") || len(r.errors) != len(f.errors) {
				t.Errorf("RequireCan: stopped %t with %q; want stopped %t with the same report", r.stopped, r.errors, tc.msg != "")
			}
		})
	}
}

func TestCheckCanViewTeam(t *testing.T) {
	a := sample(t)
	for _, tc := range []struct {
		name       string
		user, team string
		want       bool
		msg        string
	}{
		{"admin sees", "ann", "web", true, ""},
		{"collaborator does not", "bob", "web", false, ""},
		{"collaborator, want sees", "bob", "web", true,
			`accounttest: CanViewTeam("bob", "web") = false, want true: "bob" is a collaborator in team "web", which does not see the team`},
		{"admin, want not", "ann", "web", false,
			`accounttest: CanViewTeam("ann", "web") = true, want false: "ann" is a member with the admin role in team "web", which sees the team`},
		{"collaborator, not a member", "cy", "web", true,
			`accounttest: CanViewTeam("cy", "web") = false, want true: "cy" is a collaborator in team "web" but not an account member`},
		{"no team", "ann", "ops", true,
			`accounttest: CanViewTeam("ann", "ops") = false, want true: there is no team "ops"`},
		{"unknown user", "dan", "web", true,
			`accounttest: CanViewTeam("dan", "web") = false, want true: "dan" is not an account member`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f fakeT
			ok := accounttest.CheckCanViewTeam(&f, a, tc.user, tc.team, tc.want)
			checkReport(t, ok, f.errors, tc.msg)
			var r fakeT
			accounttest.RequireCanViewTeam(&r, a, tc.user, tc.team, tc.want)
			if r.stopped != (tc.msg != "") {
				t.Errorf("RequireCanViewTeam: stopped %t, want %t", r.stopped, tc.msg != "")
			}
		})
	}
	// A member with no role in an existing team.
	b, err := account.New(account.Spec{Name: "x", Members: []account.Member{{User: "ann", Permissions: permission.Manage}, {User: "bo"}},
		Teams: []account.Team{{Name: "web", Members: []account.TeamMember{{User: "ann", Role: account.RoleAdmin}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := accounttest.ViewReason(b, "bo", "web"), `"bo" has no role in team "web"`; got != want {
		t.Errorf("ViewReason = %q, want %q", got, want)
	}
}

func TestCheckActions(t *testing.T) {
	a := sample(t)
	var f fakeT
	if !accounttest.CheckActions(&f, a, "bob", permission.CreateTeams, permission.ViewAccess, permission.ViewTeams) {
		t.Errorf("CheckActions failed for the right actions, in another order: %q", f.errors)
	}
	ok := accounttest.CheckActions(&f, a, "bob", permission.ViewTeams, permission.ViewUsage, 9)
	why := func(act permission.Action) string { return a.Explain("bob", act).String() }
	checkReport(t, ok, f.errors, `accounttest: Actions("bob") = [view-teams view-access create-teams], want [view-teams view-usage action(9)]:
	view-access: allowed true, want false: `+why(permission.ViewAccess)+`
	view-usage: allowed false, want true: `+why(permission.ViewUsage)+`
	create-teams: allowed true, want false: `+why(permission.CreateTeams)+`
	action(9): wanted, but no action outside the table is ever allowed`)
}

func TestCheckInvariants(t *testing.T) {
	var f fakeT
	if !accounttest.CheckInvariants(&f, sample(t)) {
		t.Errorf("CheckInvariants failed on a valid account: %q", f.errors)
	}
	// A nil account has no member holding manage, which the helper reports.
	if accounttest.CheckInvariants(&f, nil) || len(f.errors) != 1 || !strings.Contains(f.errors[0], "no member holds manage") {
		t.Errorf("CheckInvariants(nil): %q, want a report that no member holds manage", f.errors)
	}
}

// checkReport checks that a helper returned ok exactly when no message was
// expected, and reported exactly msg otherwise.
func checkReport(t *testing.T, ok bool, got []string, msg string) {
	t.Helper()
	switch {
	case msg == "" && (!ok || len(got) > 0):
		t.Errorf("helper failed (ok=%t): %q", ok, got)
	case msg != "" && (ok || len(got) != 1):
		t.Errorf("helper returned ok=%t with %d reports, want one failure", ok, len(got))
	case msg != "" && got[0] != msg:
		t.Errorf("report:\n%s\nwant:\n%s", got[0], msg)
	}
}
