package account_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"
)

const (
	View    = permission.View
	Billing = permission.Billing
	Manage  = permission.Manage
	Create  = permission.Create
)

// exampleSpec is a small account used by many tests.
func exampleSpec() account.Spec {
	return account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "carol", Permissions: View | Create},
			{User: "alice", Permissions: permission.Admin},
			{User: "bob", Permissions: Billing}, // View is added
		},
		Teams: []account.Team{
			{Name: "web", Licensed: true, Members: []account.TeamMember{
				{User: "bob", Role: account.RoleViewer},
				{User: "alice", Role: account.RoleAdmin},
				{User: "zed", Role: account.RoleCollaborator},
			}},
			{Name: "api", Members: []account.TeamMember{
				{User: "carol", Role: account.RoleAdmin},
				{User: "dave", Role: account.RoleCollaborator}, // not an account member
			}},
		},
	}
}

// tb is what mustNew needs of a *testing.T, *testing.B or *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

func mustNew(t tb, s account.Spec) *account.Account {
	t.Helper()
	a, err := account.New(s)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*account.Spec)
		path   string // PathError.Path
		substr string
		also   error // a second sentinel the error must wrap
	}{
		{"empty name", func(s *account.Spec) { s.Name = "" }, "name", "empty account name", nil},
		{"empty user", func(s *account.Spec) { s.Members[1].User = "" }, "members[1].user", "empty user", nil},
		{"repeated user", func(s *account.Spec) { s.Members[2].User = "carol" }, "members[2].user", `"carol": listed twice`, nil},
		{"bits outside table", func(s *account.Spec) { s.Members[0].Permissions = 0x30 | View }, "members[0].permissions", "outside the table", nil},
		{"no manager", func(s *account.Spec) { s.Members[1].Permissions = View | Billing | Create }, "members", "no member holds manage", account.ErrLastManager},
		{"no members", func(s *account.Spec) { s.Members = nil }, "members", "no member holds manage", account.ErrLastManager},
		{"empty team name", func(s *account.Spec) { s.Teams[1].Name = "" }, "teams[1].name", "empty team name", nil},
		{"account name with space", func(s *account.Spec) { s.Name = "acme " }, "name", "white space", nil},
		{"user with control char", func(s *account.Spec) { s.Members[1].User = "al\x00ice" }, "members[1].user", "control character", nil},
		{"user too long", func(s *account.Spec) { s.Members[1].User = strings.Repeat("a", names.MaxLen+1) }, "members[1].user", "longer than", nil},
		{"team name not UTF-8", func(s *account.Spec) { s.Teams[0].Name = "w\xffb" }, "teams[0].name", "UTF-8", nil},
		{"team user with space", func(s *account.Spec) { s.Teams[0].Members[1].User = " bob" }, "teams[0].members[1].user", "white space", nil},
		{"too many teams", func(s *account.Spec) { s.Teams = make([]account.Team, names.MaxTeams+1) }, "teams", "more than 65536", nil},
		{"repeated team", func(s *account.Spec) { s.Teams[1].Name = "web" }, "teams[1].name", `"web": listed twice`, nil},
		{"team without admin", func(s *account.Spec) { s.Teams[1].Members[0].Role = account.RoleMember }, "teams[1]", "no admin", account.ErrLastTeamAdmin},
		{"team with no members", func(s *account.Spec) { s.Teams[0].Members = nil }, "teams[0]", "no admin", account.ErrLastTeamAdmin},
		{"empty team user", func(s *account.Spec) { s.Teams[0].Members[2].User = "" }, "teams[0].members[2].user", "empty user", nil},
		{"user twice in team", func(s *account.Spec) { s.Teams[0].Members[2].User = "bob" }, "teams[0].members[2].user", `"bob": listed twice`, nil},
		{"zero role", func(s *account.Spec) { s.Teams[0].Members[0].Role = 0 }, "teams[0].members[0].role", "not a team role", nil},
		{"role outside", func(s *account.Spec) { s.Teams[0].Members[0].Role = 9 }, "teams[0].members[0].role", "role(9)", nil},
		{"team admin not a member", func(s *account.Spec) { s.Teams[1].Members[1].Role = account.RoleAdmin }, "teams[1].members[1].user",
			`"dave" holds the admin role in team "api" but is not an account member`, account.ErrNotMember},
		{"team member not a member", func(s *account.Spec) { s.Teams[1].Members[1].Role = account.RoleMember }, "teams[1].members[1].user",
			`"dave" holds the member role in team "api" but is not an account member`, account.ErrNotMember},
		{"team viewer not a member", func(s *account.Spec) { s.Teams[0].Members[2].Role = account.RoleViewer }, "teams[0].members[2].user",
			`"zed" holds the viewer role in team "web" but is not an account member`, account.ErrNotMember},
		{"only admin not a member", func(s *account.Spec) {
			s.Teams[1].Members[0].Role = account.RoleMember
			s.Teams[1].Members[1].Role = account.RoleAdmin
		}, "teams[1].members[1].user", "not an account member", account.ErrNotMember},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := exampleSpec()
			tt.edit(&s)
			a, err := account.New(s)
			if err == nil {
				t.Fatalf("New accepted %+v: %v", s, a.Spec())
			}
			if !errors.Is(err, account.ErrInvalid) {
				t.Errorf("error %q does not wrap ErrInvalid", err)
			}
			if tt.also != nil && !errors.Is(err, tt.also) {
				t.Errorf("error %q does not wrap %q", err, tt.also)
			}
			var pe *account.PathError
			if !errors.As(err, &pe) {
				t.Fatalf("error %q is not a *PathError", err)
			}
			if pe.Path != tt.path {
				t.Errorf("path = %q, want %q", pe.Path, tt.path)
			}
			if !strings.Contains(err.Error(), tt.substr) || !strings.HasPrefix(err.Error(), "account: ") {
				t.Errorf("error %q: want prefix %q and %q in it", err, "account: ", tt.substr)
			}
			checkOneStatement(t, err)
		})
	}
}

// checkOneStatement fails t if err's message has more than one package
// prefix, or says a second time, in parentheses, what its sentinel says.
func checkOneStatement(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	if n := strings.Count(msg, "account:"); n != 1 {
		t.Errorf("error %q has %d \"account:\" prefixes, want 1", msg, n)
	}
	if strings.Contains(msg, ")") && strings.HasSuffix(msg, ")") {
		t.Errorf("error %q ends in a parenthetical restatement", msg)
	}
}

func TestNewDoesNotShareSpec(t *testing.T) {
	s := exampleSpec()
	a := mustNew(t, s)
	want := a.Spec()
	s.Members[0].Permissions = 0
	s.Members[0].User = "mallory"
	s.Teams[0].Members[0].Role = account.RoleAdmin
	got := a.Spec()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changing the input changed the account (-want +got):\n%s", diff)
	}
	got.Members[0].User = "mallory"
	got.Teams[0].Members[0].User = "mallory"
	if diff := cmp.Diff(want, a.Spec()); diff != "" {
		t.Errorf("changing Spec()'s result changed the account (-want +got):\n%s", diff)
	}
}

func TestSpecCanonical(t *testing.T) {
	a := mustNew(t, exampleSpec())
	want := account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "bob", Permissions: View | Billing},
			{User: "carol", Permissions: View | Create},
		},
		Teams: []account.Team{
			{Name: "api", Members: []account.TeamMember{
				{User: "carol", Role: account.RoleAdmin},
				{User: "dave", Role: account.RoleCollaborator},
			}},
			{Name: "web", Licensed: true, Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "bob", Role: account.RoleViewer},
				{User: "zed", Role: account.RoleCollaborator},
			}},
		},
	}
	if diff := cmp.Diff(want, a.Spec()); diff != "" {
		t.Errorf("Spec() (-want +got):\n%s", diff)
	}
	if a.Name() != "acme" || a.Revision() != 0 {
		t.Errorf("Name, Revision = %q, %d; want acme, 0", a.Name(), a.Revision())
	}
	// New(a.Spec()) is the same account.
	b := mustNew(t, a.Spec())
	if diff := cmp.Diff(a.Spec(), b.Spec()); diff != "" {
		t.Errorf("New(Spec()) (-want +got):\n%s", diff)
	}
}

func TestCan(t *testing.T) {
	a := mustNew(t, exampleSpec())
	users := []string{"alice", "bob", "carol", "dave", "zed", "", "nobody"}
	for _, u := range users {
		held, member := a.Permissions(u)
		for act := permission.Action(0); act < 12; act++ {
			want := member && permission.Allows(held, act)
			if got := a.Can(u, act); got != want {
				t.Errorf("Can(%q, %v) = %v, want %v", u, act, got, want)
			}
			d := a.Explain(u, act)
			wantD := account.Decision{Allowed: want, User: u, Action: act, Member: member, Holds: held, Needs: act.AllowedBy()}
			if diff := cmp.Diff(wantD, d); diff != "" {
				t.Errorf("Explain(%q, %v) (-want +got):\n%s", u, act, diff)
			}
		}
	}
	for _, tc := range []struct {
		user string
		want permission.Set
	}{{"alice", permission.Admin}, {"bob", View | Billing}, {"carol", View | Create}, {"dave", 0}, {"", 0}} {
		if got, _ := a.Permissions(tc.user); got != tc.want {
			t.Errorf("Permissions(%q) = %v, want %v", tc.user, got, tc.want)
		}
	}
	var nilAcc *account.Account
	var zero account.Account
	for _, z := range []*account.Account{nilAcc, &zero} {
		for _, act := range permission.Actions() {
			if z.Can("alice", act) || z.Explain("alice", act).Allowed || z.CanViewTeam("alice", "web") {
				t.Errorf("empty account allows %v", act)
			}
		}
	}
}

func TestCanViewTeam(t *testing.T) {
	a := mustNew(t, exampleSpec())
	tests := []struct {
		name, user, team string
		want             bool
	}{
		{"admin", "alice", "web", true},
		{"viewer", "bob", "web", true},
		{"member elsewhere only", "carol", "web", false},
		{"collaborator, not account member", "zed", "web", false},
		{"team member but not account member", "dave", "api", false},
		{"admin of other team", "alice", "api", false},
		{"missing team", "alice", "nope", false},
		{"empty user", "", "web", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.CanViewTeam(tt.user, tt.team); got != tt.want {
				t.Errorf("CanViewTeam(%q, %q) = %v, want %v", tt.user, tt.team, got, tt.want)
			}
		})
	}
}

func TestDecisionString(t *testing.T) {
	a := mustNew(t, exampleSpec())
	tests := []struct {
		name, user string
		act        permission.Action
		want       string
	}{
		{"allowed", "bob", permission.ViewUsage, `"bob" may view-usage: holds billing, which allows it`},
		{"allowed any", "alice", permission.ViewTeams, `"alice" may view-teams: holds view,billing,manage,create, which allows it`},
		{"refused", "carol", permission.ManageUsers, `"carol" may not manage-users: holds view,create; manage-users needs manage`},
		{"refused one of", "nobody", permission.ViewAccess, `"nobody" may not view-access: not an account member`},
		{"outside table", "alice", 42, `"alice" may not action(42): not an action of the permission table`},
		{"zero action", "alice", 0, `"alice" may not action(0): not an action of the permission table`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Explain(tt.user, tt.act).String(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
	d := account.Decision{User: "x", Action: permission.ViewUsage, Member: true, Holds: View, Needs: Billing | Manage}
	if got, want := d.String(), `"x" may not view-usage: holds view; view-usage needs one of billing,manage`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	a := mustNew(t, exampleSpec())
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	b, err := account.ParseJSON(data)
	if err != nil {
		t.Fatalf("ParseJSON(%s): %v", data, err)
	}
	if diff := cmp.Diff(a.Spec(), b.Spec()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	var s account.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Spec(), s, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Spec round trip (-want +got):\n%s", diff)
	}
	const want = `{"name":"acme","members":[{"user":"alice","permissions":["view","billing","manage","create"]},{"user":"bob","permissions":["view","billing"]},{"user":"carol","permissions":["view","create"]}],"teams":[{"name":"api","licensed":false,"members":[{"user":"carol","role":"admin"},{"user":"dave","role":"collaborator"}]},{"name":"web","licensed":true,"members":[{"user":"alice","role":"admin"},{"user":"bob","role":"viewer"},{"user":"zed","role":"collaborator"}]}]}`
	if string(data) != want {
		t.Errorf("JSON:\n got %s\nwant %s", data, want)
	}
}

func TestParseJSONRejects(t *testing.T) {
	tests := []struct {
		name, in, path, substr string
	}{
		{"not json", `{`, "", "malformed JSON"},
		{"trailing", `{"name":"a"} x`, "", "malformed JSON"},
		{"array", `[]`, "", "want a JSON object"},
		{"unknown field", `{"name":"a","admins":[]}`, "", `unknown field "admins"`},
		{"unknown role", `{"name":"a","members":[{"user":"u","permissions":["manage"]}],"teams":[{"name":"t","members":[{"user":"u","role":"owner"}]}]}`, "teams[0].members[0].role", `unknown role "owner"`},
		{"unknown permission", `{"name":"a","members":[{"user":"u","permissions":["root"]}]}`, "members[0].permissions[0]", `unknown permission "root"`},
		{"number user", `{"name":"a","members":[{"user":7,"permissions":[]}]}`, "members[0].user", "want a JSON string"},
		{"valid json invalid account", `{"name":"a","members":[{"user":"u","permissions":["view"]}]}`, "members", "no member holds manage"},
		{"repeated user", `{"name":"a","members":[{"user":"u","permissions":["manage"]},{"user":"u","permissions":[]}]}`, "members[1].user", `"u": listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := account.ParseJSON([]byte(tt.in))
			if err == nil {
				t.Fatalf("ParseJSON accepted %s: %+v", tt.in, a.Spec())
			}
			var pe *account.PathError
			if !errors.Is(err, account.ErrInvalid) || !errors.As(err, &pe) {
				t.Fatalf("error %q: want a *PathError wrapping ErrInvalid", err)
			}
			if pe.Path != tt.path || !strings.Contains(err.Error(), tt.substr) {
				t.Errorf("error %q (path %q): want path %q and %q in it", err, pe.Path, tt.path, tt.substr)
			}
		})
	}
}

func TestSpecLaws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := genSpec().Draw(t, "spec")
		// JSON round trip of the Spec itself.
		data, err := json.Marshal(spec)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		var back account.Spec
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", data, err)
		}
		if diff := cmp.Diff(spec, back, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("JSON round trip (-want +got):\n%s", diff)
		}
		// New then Spec gives the model's canonical form, whatever the input order.
		a := mustNew(t, spec)
		if diff := cmp.Diff(modelOf(spec).spec(), a.Spec()); diff != "" {
			t.Fatalf("Spec() (-want +got):\n%s", diff)
		}
		shuffled := spec.Clone()
		rapid.Permutation(shuffled.Members).Draw(t, "members order")
		if diff := cmp.Diff(a.Spec(), mustNew(t, shuffled).Spec()); diff != "" {
			t.Fatalf("Spec() depends on input order (-want +got):\n%s", diff)
		}
	})
}

func TestChecksDoNotAllocate(t *testing.T) {
	s := account.NewStore(mustNew(t, exampleSpec()))
	account.SetCompactAt(s, 10) // keep an overlay on this small account
	fresh := s.Load()
	if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "erin", Billing) }); err != nil {
		t.Fatal(err)
	}
	withOverlay := s.Load()
	if m, _ := account.OverlaySize(withOverlay); m == 0 {
		t.Fatalf("no overlay after one change")
	}
	for name, a := range map[string]*account.Account{"fresh": fresh, "overlay": withOverlay} {
		allocs := testing.AllocsPerRun(100, func() {
			sinkBool = a.Can("bob", permission.ViewUsage) || a.Can("erin", permission.ManageUsers) ||
				a.CanViewTeam("bob", "web") || s.Load().Can("nobody", permission.ViewTeams)
			sinkDecision = a.Explain("carol", permission.CreateTeams)
		})
		if allocs != 0 {
			t.Errorf("%s: checks allocate %v times", name, allocs)
		}
	}
}
