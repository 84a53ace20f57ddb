package account_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// wantDiff is Diff written plainly: every user and action of both
// snapshots compared with Can, every user and team compared with
// CanViewTeam and with holding the admin role as a member.
func wantDiff(a, b *account.Account) []account.Change {
	sa, sb := a.Spec(), b.Spec()
	var want []account.Change
	for _, u := range usersOf(sa, sb) {
		for _, act := range permission.Actions() {
			if x, y := a.Can(u, act), b.Can(u, act); x != y {
				want = append(want, account.Change{User: u, Action: act, Gained: y})
			}
		}
		for _, team := range teamsOf(sa, sb) {
			if x, y := a.CanViewTeam(u, team), b.CanViewTeam(u, team); x != y {
				want = append(want, account.Change{User: u, Action: permission.ViewTeams, Team: team, Gained: y})
			}
			if x, y := isAdmin(a, u, team), isAdmin(b, u, team); x != y {
				want = append(want, account.Change{User: u, Action: permission.ManageTeams, Team: team, Gained: y})
			}
		}
	}
	slices.SortFunc(want, func(x, y account.Change) int {
		return cmp.Or(strings.Compare(x.User, y.User), strings.Compare(x.Team, y.Team), cmp.Compare(x.Action, y.Action))
	})
	if want == nil {
		want = []account.Change{}
	}
	return want
}

func isAdmin(a *account.Account, user, team string) bool {
	r, _ := a.Role(team, user)
	return r == account.RoleAdmin && a.IsMember(user)
}

// TestDiffAgreesWithChecks checks Diff against wantDiff for two snapshots
// of a random history, either way round, and that Diff of a snapshot with
// itself, or with an equal one, is empty.
func TestDiffAgreesWithChecks(t *testing.T) {
	shared, whole := 0, 0
	defer func() {
		if shared == 0 || whole == 0 {
			t.Errorf("Diff looked at changed entries only %d times, at whole snapshots %d times; want both", shared, whole)
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t, 10)
		r1 := rapid.Uint64Range(h.first, h.last()).Draw(t, "from")
		r2 := rapid.Uint64Range(h.first, h.last()).Draw(t, "to")
		a, b := h.snap(r1), h.snap(r2)
		if a != b && account.SharesStorage(a, b) {
			shared++
		} else {
			whole++
		}
		for _, pair := range [][2]*account.Account{{a, b}, {b, a}} {
			if d := gocmp.Diff(wantDiff(pair[0], pair[1]), account.Diff(pair[0], pair[1])); d != "" {
				t.Fatalf("Diff(r%d, r%d) (-want +got):\n%s", pair[0].Revision(), pair[1].Revision(), d)
			}
		}
		if got := account.Diff(a, a); len(got) != 0 {
			t.Fatalf("Diff(a, a) = %v", got)
		}
		if got := account.Diff(a, a.WithRevision(a.Revision()+1)); len(got) != 0 {
			t.Fatalf("Diff(a, a at another revision) = %v", got)
		}
	})
}

func TestDiffExamples(t *testing.T) {
	a := mustAccount(t)
	tests := []struct {
		name string
		fn   func(*account.Tx) error
		want []account.Change
	}{
		{
			name: "billing taken",
			fn:   func(tx *account.Tx) error { return tx.SetPermissions("ann", "bob", permission.View) },
			want: []account.Change{{User: "bob", Action: permission.ViewUsage}},
		},
		{
			name: "new member with manage",
			fn:   func(tx *account.Tx) error { return tx.AddMember("ann", "dan", permission.Manage) },
			want: []account.Change{
				{User: "dan", Action: permission.ViewTeams, Gained: true},
				{User: "dan", Action: permission.ViewAccess, Gained: true},
				{User: "dan", Action: permission.ManageTeams, Gained: true},
				{User: "dan", Action: permission.ManageUsers, Gained: true},
				{User: "dan", Action: permission.ViewSettings, Gained: true},
			},
		},
		{
			name: "made team admin",
			fn:   func(tx *account.Tx) error { return tx.SetTeamRole("ann", "web", "bob", account.RoleAdmin) },
			want: []account.Change{{User: "bob", Action: permission.ManageTeams, Team: "web", Gained: true}},
		},
		{
			name: "team renamed",
			fn:   func(tx *account.Tx) error { return tx.RenameTeam("ann", "web", "www") },
			want: []account.Change{
				{User: "ann", Action: permission.ViewTeams, Team: "web"},
				{User: "ann", Action: permission.ManageTeams, Team: "web"},
				{User: "ann", Action: permission.ViewTeams, Team: "www", Gained: true},
				{User: "ann", Action: permission.ManageTeams, Team: "www", Gained: true},
				{User: "bob", Action: permission.ViewTeams, Team: "web"},
				{User: "bob", Action: permission.ViewTeams, Team: "www", Gained: true},
			},
		},
		{
			name: "member removed",
			fn:   func(tx *account.Tx) error { return tx.RemoveMember("ann", "bob") },
			want: []account.Change{
				{User: "bob", Action: permission.ViewTeams},
				{User: "bob", Action: permission.ViewAccess},
				{User: "bob", Action: permission.ViewUsage},
				{User: "bob", Action: permission.ViewTeams, Team: "web"},
			},
		},
		{
			name: "collaborator added",
			fn:   func(tx *account.Tx) error { return tx.SetTeamRole("ann", "web", "guest", account.RoleCollaborator) },
			want: []account.Change{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := account.NewStore(a).Update(tt.fn)
			if err != nil {
				t.Fatal(err)
			}
			if d := gocmp.Diff(tt.want, account.Diff(a, b)); d != "" {
				t.Errorf("Diff (-want +got):\n%s", d)
			}
		})
	}
}

func TestDiffNil(t *testing.T) {
	a := mustAccount(t)
	got := account.Diff(nil, a)
	if len(got) != len(wantDiff(nil, a)) || len(got) == 0 || !got[0].Gained {
		t.Fatalf("Diff(nil, a) = %v", got)
	}
	if got := account.Diff(nil, nil); got == nil || len(got) != 0 {
		t.Fatalf("Diff(nil, nil) = %#v, want empty", got)
	}
}

func TestChangeString(t *testing.T) {
	for _, tt := range []struct {
		c    account.Change
		want string
	}{
		{account.Change{User: "bob", Action: permission.ViewUsage, Gained: true}, `"bob" gains view-usage`},
		{account.Change{User: "bob", Action: permission.ViewTeams, Team: "web"}, `"bob" loses view-teams in team "web"`},
	} {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
