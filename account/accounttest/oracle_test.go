package accounttest_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/internal/report/reporttest"
	"github.com/entaccess/entaccess/permission"
)

// The documented permission table typed in again, as another implementation would.
var rows = map[permission.Action]permission.Set{
	1: 0b1111, 2: 0b1111, 3: 0b0100, 4: 0b0100, 5: 0b0100, 6: 0b0010, 7: 0b1000,
}

func literal(s permission.Set, a permission.Action) bool { return s&rows[a] != 0 }

var spec = account.Spec{
	Name: "acme",
	Members: []account.Member{
		{User: "ann", Permissions: permission.Manage},
		{User: "bob", Permissions: permission.Billing | permission.Create},
		{User: "cy"},
	},
	Teams: []account.Team{
		{Name: "web", Licensed: true, Members: []account.TeamMember{
			{User: "ann", Role: account.RoleAdmin}, {User: "bob", Role: account.RoleCollaborator},
			{User: "cy", Role: account.RoleViewer}, {User: "ext", Role: account.RoleCollaborator}}},
		{Name: "ops", Members: []account.TeamMember{{User: "ann", Role: account.RoleAdmin}, {User: "ext", Role: account.RoleCollaborator}}},
	},
}

// mapAccount is another implementation: plain maps, as a caller might write.
type mapAccount struct {
	perms map[string]permission.Set
	roles map[string]map[string]account.Role
	// bugs, each off by default
	fold       bool // compares users case-insensitively
	trim       bool // trims spaces from users
	collabSees bool // collaborators see their team
	// A bug that counts team roles without account membership cannot be
	// told apart: only collaborators, who see nothing, may be non-members.
	noView  bool // does not add View to every member
	action0 bool // allows the zero action to members
}

func newMap(s account.Spec) *mapAccount {
	m := &mapAccount{perms: map[string]permission.Set{}, roles: map[string]map[string]account.Role{}}
	for _, mem := range s.Members {
		m.perms[mem.User] = mem.Permissions | permission.View
	}
	for _, tm := range s.Teams {
		m.roles[tm.Name] = map[string]account.Role{}
		for _, r := range tm.Members {
			m.roles[tm.Name][r.User] = r.Role
		}
	}
	return m
}

func (m *mapAccount) user(u string) string {
	if m.fold {
		u = strings.ToLower(u)
	}
	if m.trim {
		u = strings.TrimSpace(u)
	}
	return u
}

func (m *mapAccount) Can(u string, a permission.Action) bool {
	p, ok := m.perms[m.user(u)]
	if m.noView {
		p &^= permission.View
	}
	if m.action0 && ok && a == 0 {
		return true
	}
	return literal(p, a)
}

func (m *mapAccount) CanViewTeam(u, team string) bool {
	_, member := m.perms[m.user(u)]
	r := m.roles[team][m.user(u)]
	sees := r == account.RoleAdmin || r == account.RoleMember || r == account.RoleViewer || m.collabSees && r == account.RoleCollaborator
	return member && sees
}

func TestCheckAccount(t *testing.T) {
	for _, tc := range []struct {
		name  string
		impl  *mapAccount
		n     int // disagreements of Can
		v     int // disagreements of CanViewTeam
		lines []string
	}{
		{"maps", newMap(spec), 0, 0, nil},
		{"case-insensitive users", func() *mapAccount { m := newMap(spec); m.fold = true; return m }(), 5 + 4 + 2, 3,
			[]string{`Can("ANN", view-teams (1)): got true, want false: "ANN" may not view-teams`}},
		{"trimmed users", func() *mapAccount { m := newMap(spec); m.trim = true; return m }(), 2 * (5 + 4 + 2), 6,
			[]string{`Can(" ann", view-teams (1)): got true, want false`, `CanViewTeam("ann ", "web"): got true, want false: "ann " is not an account member`}},
		{"collaborators see", func() *mapAccount { m := newMap(spec); m.collabSees = true; return m }(), 0, 1,
			[]string{`CanViewTeam("bob", "web"): got true, want false: "bob" is a collaborator in team "web", which does not see the team`}},
		{"outside collaborators see", func() *mapAccount {
			m := newMap(spec)
			m.collabSees = true
			m.perms["ext"] = permission.View // and count as members
			return m
		}(), 2, 3, []string{`CanViewTeam("ext", "ops"): got true, want false: "ext" is a collaborator in team "ops" but not an account member`}},
		{"no view", func() *mapAccount { m := newMap(spec); m.noView = true; return m }(), 2, 0,
			[]string{`Can("cy", view-teams (1)): got false, want true: "cy" may view-teams`}},
		{"action 0", func() *mapAccount { m := newMap(spec); m.action0 = true; return m }(), 3, 0,
			[]string{`Can("ann", action(0)): got true, want false: "ann" may not action(0)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f reporttest.T
			reporttest.Expect(t, &f, accounttest.CheckAccount(&f, spec, tc.impl.Can), tc.n)
			var g reporttest.T
			reporttest.Expect(t, &g, accounttest.CheckTeamView(&g, spec, tc.impl.CanViewTeam), tc.v)
			for _, l := range tc.lines {
				if !strings.Contains(strings.Join(append(f.Reports, g.Reports...), "\n"), l) {
					t.Errorf("reports lack %q", l)
				}
			}
		})
	}
}

func TestCheckAccountEntaccess(t *testing.T) {
	a, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	var f reporttest.T
	reporttest.Expect(t, &f, accounttest.CheckAccount(&f, spec, a.Can)+accounttest.CheckTeamView(&f, spec, a.CanViewTeam), 0)
	// Every action value, for each user of Users.
	users := accounttest.Users(spec)
	calls := 0
	accounttest.CheckAccount(&f, spec, func(string, permission.Action) bool { calls++; return false })
	if calls != 256*len(users) {
		t.Errorf("%d calls, want 256 × %d users", calls, len(users))
	}
}

func TestCheckAccountInvalidSpec(t *testing.T) {
	var f reporttest.T
	bad := account.Spec{Name: "x", Members: []account.Member{{User: "ann"}}}
	reporttest.Expect(t, &f, accounttest.CheckAccount(&f, bad, func(string, permission.Action) bool { return false }), 1, "entaccess rejects the spec", "account: members:")
	var g reporttest.T
	reporttest.Expect(t, &g, accounttest.CheckTeamView(&g, bad, func(string, string) bool { return false }), 1, "entaccess rejects the spec")
}

func TestUsersAndTeams(t *testing.T) {
	wantUsers := []string{"", " ann", " bob", " cy", "ANN", "BOB", "CY", "ann", "ann ", "bob", "bob ", "cy", "cy ", "ext", "nobody"}
	if got := accounttest.Users(spec); !slices.Equal(got, wantUsers) {
		t.Errorf("Users = %q\nwant    %q", got, wantUsers)
	}
	wantTeams := []string{"", "OPS", "WEB", "no-such-team", "ops", "web"}
	if got := accounttest.Teams(spec); !slices.Equal(got, wantTeams) {
		t.Errorf("Teams = %q\nwant    %q", got, wantTeams)
	}
	// A look-alike that is itself a user is tried once, as that user.
	s := account.Spec{Name: "x", Members: []account.Member{{User: "a", Permissions: permission.Manage}, {User: "A"}}}
	if got, want := accounttest.Users(s), []string{"", " A", " a", "A", "A ", "a", "a ", "nobody"}; !slices.Equal(got, want) {
		t.Errorf("Users = %q, want %q", got, want)
	}
}

func TestCheckAccounts(t *testing.T) {
	entaccess := func(s account.Spec) (accounttest.Account, error) { return account.New(s) }
	maps := func(s account.Spec) (accounttest.Account, error) { return newMap(s), nil }
	for _, tc := range []struct {
		name  string
		build func(account.Spec) (accounttest.Account, error)
		bad   bool
		lines []string
	}{
		{"entaccess", entaccess, false, nil},
		{"maps", maps, false, nil},
		{"collaborators see", func(s account.Spec) (accounttest.Account, error) {
			m := newMap(s)
			m.collabSees = true
			return m, nil
		}, true, []string{"the smallest of these is accounttest.Spec().Example(", `"name":`, "which does not see the team"}},
		{"rejects specs", func(s account.Spec) (accounttest.Account, error) {
			if len(s.Teams) > 2 {
				return nil, errors.New("too many teams")
			}
			return newMap(s), nil
		}, true, []string{"build rejects a spec entaccess accepts: too many teams"}},
		{"panics", func(s account.Spec) (accounttest.Account, error) { panic("boom") }, true, []string{"build panics: boom"}},
		{"nil", func(s account.Spec) (accounttest.Account, error) { return nil, nil }, true, []string{"build returns no account and no error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f reporttest.T
			n := accounttest.CheckAccounts(&f, tc.build)
			want := 0
			if tc.bad {
				want = -1
			}
			reporttest.Expect(t, &f, n, want, tc.lines...)
		})
	}
}

// The generative variant with rapid: CheckAccount inside rapid.Check, on
// accounts drawn by accounttest.Spec, shrinks a failure to a small account.
func TestCheckAccountWithRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := accounttest.Spec().Draw(t, "spec")
		accounttest.CheckAccount(t, s, newMap(s).Can)
		accounttest.CheckTeamView(t, s, newMap(s).CanViewTeam)
	})
	// A wrong implementation fails the property on some drawn account.
	failed := false
	for seed := range 50 {
		s := accounttest.Spec().Example(seed)
		m := newMap(s)
		m.noView = true
		var f reporttest.T
		if accounttest.CheckAccount(&f, s, m.Can) > 0 {
			failed = true
			break
		}
	}
	if !failed {
		t.Errorf("no drawn account told an implementation that forgets View apart")
	}
}

func TestAccountProperty(t *testing.T) {
	rapid.Check(t, accounttest.AccountProperty(func(s account.Spec) (accounttest.Account, error) { return account.New(s) }))
	rapid.Check(t, accounttest.AccountProperty(func(s account.Spec) (accounttest.Account, error) { return newMap(s), nil }))
	for _, tc := range []struct {
		name  string
		build func(account.Spec) (accounttest.Account, error)
		want  string
	}{
		{"no view", func(s account.Spec) (accounttest.Account, error) {
			m := newMap(s)
			m.noView = true
			return m, nil
		}, "accounttest: CheckAccount: "},
		{"rejects", func(s account.Spec) (accounttest.Account, error) { return nil, fmt.Errorf("no") }, "build rejects a spec entaccess accepts: no"},
		{"nil", func(s account.Spec) (accounttest.Account, error) { return nil, nil }, "build returns no account and no error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reporttest.Failing(t, accounttest.AccountProperty(tc.build)); !strings.Contains(got, tc.want) {
				t.Errorf("rapid reported:\n%s\nwant it to contain %q", got, tc.want)
			}
		})
	}
}
