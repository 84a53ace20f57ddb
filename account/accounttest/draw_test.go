package accounttest_test

import (
	"errors"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// splitAccount has one team, web, whose only admin (bob, Manage) may change
// roles but not rename or delete it, a viewer (cat, Create only) who may
// rename and delete it but not change roles, and viewers who may do
// neither: the actors allowed each kind of team step differ.
func splitAccount(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{
		Name: "split",
		Members: []account.Member{
			{User: "bob", Permissions: permission.Manage},
			{User: "cat", Permissions: permission.Create},
			{User: "dan", Permissions: permission.View},
			{User: "v1", Permissions: permission.View},
			{User: "v2", Permissions: permission.View},
			{User: "v3", Permissions: permission.View},
		},
		Teams: []account.Team{{Name: "web", Members: []account.TeamMember{
			{User: "bob", Role: account.RoleAdmin},
			{User: "cat", Role: account.RoleViewer},
			{User: "dan", Role: account.RoleViewer},
			{User: "v1", Role: account.RoleViewer},
			{User: "v2", Role: account.RoleViewer},
			{User: "v3", Role: account.RoleMember},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestTeamStepsDrawAllowedActorsPerKind checks, on splitAccount, that most
// team steps of each kind are not refused: OpFor picks actors allowed to
// take that kind of step, not those allowed another kind.
func TestTeamStepsDrawAllowedActorsPerKind(t *testing.T) {
	a := splitAccount(t)
	gen := accounttest.OpFor(a)
	tried, refused := map[account.Op]int{}, map[account.Op]int{}
	for seed := range draws {
		o := gen.Example(seed)
		switch o.Kind {
		case account.OpRenameTeam, account.OpDeleteTeam, account.OpSetTeamRole, account.OpRemoveFromTeam:
		default:
			continue
		}
		tried[o.Kind]++
		if _, err := account.NewStore(a).Update(o.Apply); errors.Is(err, account.ErrForbidden) {
			refused[o.Kind]++
		}
	}
	for k, n := range tried {
		if n < 20 || 2*refused[k] > n {
			t.Errorf("%s: %d of %d drawn steps refused; want fewer than half", k, refused[k], n)
		}
	}
}

// TestRoleStepsTargetAdminsOften checks that role steps often target a
// team's admins, so that ErrLastTeamAdmin occurs, even in a team with many
// other users.
func TestRoleStepsTargetAdminsOften(t *testing.T) {
	a := splitAccount(t)
	gen := accounttest.OpFor(a)
	tried, admin := map[account.Op]int{}, map[account.Op]int{}
	for seed := range draws {
		o := gen.Example(seed)
		if o.Kind != account.OpSetTeamRole && o.Kind != account.OpRemoveFromTeam || o.Team != "web" {
			continue
		}
		tried[o.Kind]++
		if o.User == "bob" {
			admin[o.Kind]++
		}
	}
	for k, n := range tried {
		if n < 20 || 5*admin[k] < n {
			t.Errorf("%s: %d of %d drawn steps on web target its admin; want at least a fifth", k, admin[k], n)
		}
	}
}
