package conformance_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/conformance"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// fakeT records the reports of a Check function.
type fakeT struct{ reports []string }

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.reports = append(f.reports, fmt.Sprintf(format, args...))
}

// expect checks a Check function's result: n disagreements (-1: any number
// above zero), reported in one call whose text holds each of lines.
func expect(t *testing.T, f *fakeT, got, n int, lines ...string) {
	t.Helper()
	switch {
	case n == 0 && (got != 0 || len(f.reports) != 0):
		t.Fatalf("%d disagreements, want none:\n%s", got, strings.Join(f.reports, "\n"))
	case n == 0:
		return
	case len(f.reports) != 1:
		t.Fatalf("%d reports, want exactly one (disagreements: %d)", len(f.reports), got)
	case n > 0 && got != n, n < 0 && got <= 0:
		t.Errorf("%d disagreements, want %d:\n%s", got, n, f.reports[0])
	}
	for _, l := range lines {
		if !strings.Contains(f.reports[0], l) {
			t.Errorf("report lacks %q:\n%s", l, f.reports[0])
		}
	}
}

// The table of API.md typed in again, as another implementation would.
var rows = map[permission.Action]permission.Set{
	1: 0b1111, 2: 0b1111, 3: 0b0100, 4: 0b0100, 5: 0b0100, 6: 0b0010, 7: 0b1000,
}

func literal(s permission.Set, a permission.Action) bool { return s&rows[a] != 0 }

func TestCheckTable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		allows func(permission.Set, permission.Action) bool
		n      int
		lines  []string
	}{
		{"entaccess", permission.Allows, 0, nil},
		{"typed-in table", literal, 0, nil},
		{"denies bits outside the table", func(s permission.Set, a permission.Action) bool {
			return s.Valid() && literal(s, a)
		}, 0, nil},
		{"one cell flipped", func(s permission.Set, a permission.Action) bool {
			if s == permission.Billing && a == permission.ViewUsage {
				return false
			}
			return literal(s, a)
		}, 1, []string{
			"conformance: CheckTable: 1 of 65536 cases disagree with entaccess:",
			"{billing} (0x02) × view-usage (6): got false, want true: view-usage is allowed by {billing}; the set holds {billing}",
		}},
		{"allows action 0", func(s permission.Set, a permission.Action) bool {
			return a == 0 && s != 0 || literal(s, a)
		}, 255, []string{
			"255 of 65536 cases disagree",
			"{view} (0x01) × action(0): got true, want false: not an action of the table",
			"... and 235 more",
		}},
		{"manage allows view-usage", func(s permission.Set, a permission.Action) bool {
			return literal(s, a) || a == permission.ViewUsage && s.Has(permission.Manage)
		}, 64, []string{"{manage} (0x04) × view-usage (6): got true, want false: view-usage needs one of {billing}; the set holds none of them"}},
		{"a bit outside the table grants", func(s permission.Set, a permission.Action) bool {
			return literal(s, a) || s&0x80 != 0 && a == permission.ManageUsers
		}, 64, []string{"{view,set(0x80)} (0x81) × manage-users (4): got true, want false: manage-users needs one of {manage}; the set's permissions of the table are {view}, and bits outside the table never grant"}},
		{"panics outside the table", func(s permission.Set, a permission.Action) bool {
			return [8]permission.Set{0, 15, 15, 4, 4, 4, 2, 8}[a]&s != 0
		}, 256 * 248, []string{"{} (0x00) × action(8): got panic(runtime error: index out of range [8] with length 8), want false"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f fakeT
			expect(t, &f, conformance.CheckTable(&f, tc.allows), tc.n, tc.lines...)
		})
	}
}

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
			var f fakeT
			expect(t, &f, conformance.CheckAccount(&f, spec, tc.impl.Can), tc.n)
			var g fakeT
			expect(t, &g, conformance.CheckTeamView(&g, spec, tc.impl.CanViewTeam), tc.v)
			for _, l := range tc.lines {
				if !strings.Contains(strings.Join(append(f.reports, g.reports...), "\n"), l) {
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
	var f fakeT
	expect(t, &f, conformance.CheckAccount(&f, spec, a.Can)+conformance.CheckTeamView(&f, spec, a.CanViewTeam), 0)
	// Every action value, for each user of Users.
	users := conformance.Users(spec)
	calls := 0
	conformance.CheckAccount(&f, spec, func(string, permission.Action) bool { calls++; return false })
	if calls != 256*len(users) {
		t.Errorf("%d calls, want 256 × %d users", calls, len(users))
	}
}

func TestCheckAccountInvalidSpec(t *testing.T) {
	var f fakeT
	bad := account.Spec{Name: "x", Members: []account.Member{{User: "ann"}}}
	expect(t, &f, conformance.CheckAccount(&f, bad, func(string, permission.Action) bool { return false }), 1, "entaccess rejects the spec", "account: members:")
	var g fakeT
	expect(t, &g, conformance.CheckTeamView(&g, bad, func(string, string) bool { return false }), 1, "entaccess rejects the spec")
}

func TestUsersAndTeams(t *testing.T) {
	wantUsers := []string{"", " ann", " bob", " cy", "ANN", "BOB", "CY", "ann", "ann ", "bob", "bob ", "cy", "cy ", "ext", "nobody"}
	if got := conformance.Users(spec); !slices.Equal(got, wantUsers) {
		t.Errorf("Users = %q\nwant    %q", got, wantUsers)
	}
	wantTeams := []string{"", "OPS", "WEB", "no-such-team", "ops", "web"}
	if got := conformance.Teams(spec); !slices.Equal(got, wantTeams) {
		t.Errorf("Teams = %q\nwant    %q", got, wantTeams)
	}
	// A look-alike that is itself a user is tried once, as that user.
	s := account.Spec{Name: "x", Members: []account.Member{{User: "a", Permissions: permission.Manage}, {User: "A"}}}
	if got, want := conformance.Users(s), []string{"", " A", " a", "A", "A ", "a", "a ", "nobody"}; !slices.Equal(got, want) {
		t.Errorf("Users = %q, want %q", got, want)
	}
}

func TestCheckAccounts(t *testing.T) {
	entaccess := func(s account.Spec) (conformance.Account, error) { return account.New(s) }
	maps := func(s account.Spec) (conformance.Account, error) { return newMap(s), nil }
	for _, tc := range []struct {
		name  string
		build func(account.Spec) (conformance.Account, error)
		bad   bool
		lines []string
	}{
		{"entaccess", entaccess, false, nil},
		{"maps", maps, false, nil},
		{"collaborators see", func(s account.Spec) (conformance.Account, error) {
			m := newMap(s)
			m.collabSees = true
			return m, nil
		}, true, []string{"the smallest of these is accounttest.Spec().Example(", `"name":`, "which does not see the team"}},
		{"rejects specs", func(s account.Spec) (conformance.Account, error) {
			if len(s.Teams) > 2 {
				return nil, errors.New("too many teams")
			}
			return newMap(s), nil
		}, true, []string{"build rejects a spec entaccess accepts: too many teams"}},
		{"panics", func(s account.Spec) (conformance.Account, error) { panic("boom") }, true, []string{"build panics: boom"}},
		{"nil", func(s account.Spec) (conformance.Account, error) { return nil, nil }, true, []string{"build returns no account and no error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f fakeT
			n := conformance.CheckAccounts(&f, tc.build)
			want := 0
			if tc.bad {
				want = -1
			}
			expect(t, &f, n, want, tc.lines...)
		})
	}
}

// The generative variant with rapid: CheckAccount inside rapid.Check, on
// accounts drawn by accounttest.Spec, shrinks a failure to a small account.
func TestCheckAccountWithRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := accounttest.Spec().Draw(t, "spec")
		conformance.CheckAccount(t, s, newMap(s).Can)
		conformance.CheckTeamView(t, s, newMap(s).CanViewTeam)
	})
	// A wrong implementation fails the property on some drawn account.
	failed := false
	for seed := range 50 {
		s := accounttest.Spec().Example(seed)
		m := newMap(s)
		m.noView = true
		var f fakeT
		if conformance.CheckAccount(&f, s, m.Can) > 0 {
			failed = true
			break
		}
	}
	if !failed {
		t.Errorf("no drawn account told an implementation that forgets View apart")
	}
}

func TestCheckClassifier(t *testing.T) {
	wrap := func(change func(*migration.Decision, migration.Organization) error) func(migration.Organization) (migration.Decision, error) {
		return func(org migration.Organization) (migration.Decision, error) {
			d, err := migration.Classify(org)
			if err != nil {
				return d, err
			}
			return d, change(&d, org)
		}
	}
	for _, tc := range []struct {
		name     string
		classify func(migration.Organization) (migration.Decision, error)
		bad      bool
		lines    []string
	}{
		{"entaccess", migration.Classify, false, nil},
		{"empty slices and no details", wrap(func(d *migration.Decision, _ migration.Organization) error {
			if d.Reasons == nil {
				d.Reasons = []migration.Reason{}
			}
			if d.Banner == nil {
				d.Banner = []string{}
			}
			d.LicensedTeams, d.Admins, d.TeamsWithoutAdmin = nil, nil, nil
			return nil
		}), false, nil},
		{"forgets no-licensed-team", wrap(func(d *migration.Decision, _ migration.Organization) error {
			d.Reasons = slices.DeleteFunc(d.Reasons, func(r migration.Reason) bool { return r == migration.NoLicensedTeam })
			return nil
		}), true, []string{"decision (-want +got):", `s"no-licensed-team"`, `{"name":"no teams","public_beta":false,"teams":null}`}},
		{"banner for collaborators", wrap(func(d *migration.Decision, org migration.Organization) error {
			if d.Outcome != migration.Manual {
				return nil
			}
			for _, tm := range org.Teams {
				for _, m := range tm.Members {
					if !slices.Contains(d.Banner, m.User) {
						d.Banner = append(d.Banner, m.User)
					}
				}
			}
			slices.Sort(d.Banner)
			return nil
		}), true, []string{"Banner: []string{", `"contractor",`}},
		{"every member an admin", wrap(func(d *migration.Decision, _ migration.Organization) error {
			if d.Account != nil {
				for i := range d.Account.Members {
					d.Account.Members[i].Permissions = permission.Admin
				}
			}
			return nil
		}), true, []string{"Account: &account.Spec{", "Permissions:"}},
		{"no plan", wrap(func(d *migration.Decision, _ migration.Organization) error {
			d.Account = nil
			return nil
		}), true, []string{"Account: &account.Spec{"}},
		{"never an error", func(org migration.Organization) (migration.Decision, error) {
			d, _ := migration.Classify(org)
			return d, nil
		}, true, []string{`{"name":"beta, malformed","public_beta":true,"teams":[{"name":"web","licensed":false,"members":null},{"name":"web","licensed":false,"members":null}]}`,
			"accepts a malformed organization; entaccess: migration: classify \"beta, malformed\": teams[1].name: team \"web\" repeated (first at teams[0]): invalid; got: no decision (outcome(0))"}},
		{"wrong path", func(org migration.Organization) (migration.Decision, error) {
			d, err := migration.Classify(org)
			if err != nil {
				return d, &account.PathError{Path: "teams", Err: account.ErrInvalid}
			}
			return d, nil
		}, true, []string{`rejects it naming "teams", want "teams[1].name": account: teams: invalid`}},
		{"rejects good input", func(org migration.Organization) (migration.Decision, error) {
			d, err := migration.Classify(org)
			if err == nil && len(org.Teams) > 4 {
				return migration.Decision{}, errors.New("too many teams")
			}
			return d, err
		}, true, []string{"rejects a well-formed organization: too many teams; entaccess: "}},
		{"panics", func(org migration.Organization) (migration.Decision, error) { panic("boom") }, true, []string{"classify panics: boom"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f fakeT
			want := 0
			if tc.bad {
				want = -1
			}
			expect(t, &f, conformance.CheckClassifier(&f, tc.classify), want, tc.lines...)
		})
	}
}

// TestOrganizationsCorpus: the corpus reaches every outcome, every reason
// and malformed input, and is the same on every call.
func TestOrganizationsCorpus(t *testing.T) {
	orgs := conformance.Organizations()
	if want := 4 + conformance.GeneratedOrganizations + conformance.MalformedOrganizations; len(orgs) != want {
		t.Errorf("%d organizations, want %d", len(orgs), want)
	}
	seen := map[string]int{}
	for _, org := range orgs {
		d, err := migration.Classify(org)
		if err != nil {
			seen["error"]++
			continue
		}
		seen[fmt.Sprint(d.Outcome, d.Reasons)]++
	}
	for _, k := range []string{"error", "no-change []", "automatic []", "manual [multiple-licensed-teams]", "manual [no-universal-admin]",
		"manual [no-licensed-team]", "manual [multiple-licensed-teams no-universal-admin]", "manual [no-universal-admin no-licensed-team]"} {
		if seen[k] < 20 {
			t.Errorf("%s: %d organizations, want at least 20", k, seen[k])
		}
	}
	if fmt.Sprint(orgs) != fmt.Sprint(conformance.Organizations()) {
		t.Errorf("Organizations differs between calls")
	}
}

// TestReportCap: one report, the first MaxReported disagreements, and a
// count of the rest.
func TestReportCap(t *testing.T) {
	var f fakeT
	n := conformance.CheckTable(&f, func(permission.Set, permission.Action) bool { return true })
	if len(f.reports) != 1 {
		t.Fatalf("%d reports, want 1", len(f.reports))
	}
	lines := strings.Split(f.reports[0], "\n\t")
	if len(lines) != 1+conformance.MaxReported+1 {
		t.Errorf("%d lines, want a header, %d disagreements and a count", len(lines), conformance.MaxReported)
	}
	if want := fmt.Sprintf("... and %d more", n-conformance.MaxReported); lines[len(lines)-1] != want {
		t.Errorf("last line %q, want %q", lines[len(lines)-1], want)
	}
}
