package account_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// The default-deny audit: the zero value of every type, nil pointers, and
// unknown names are denied or rejected, and none of them panics.

// allActions is every action of the table and some outside it.
var allActions = append(permission.Actions(), 0, permission.CreateTeams+1, 255)

// probeUsers are users that are members of no account in these tests.
var probeUsers = []string{"", "nobody", "alice ", "ALICE", "\xff", strings.Repeat("a", 300)}

// checkDeniesAll checks that a, which has no members, denies every check
// and lists nothing.
func checkDeniesAll(t *testing.T, what string, a *account.Account) {
	t.Helper()
	for _, u := range append(probeUsers, "alice") {
		for _, act := range allActions {
			d := a.Explain(u, act)
			want := account.Decision{User: u, Action: act, Needs: act.AllowedBy()}
			if a.Can(u, act) || d != want {
				t.Errorf("%s: Can(%q, %v) = %t, Explain = %+v; want denied, %+v", what, u, act, a.Can(u, act), d, want)
			}
		}
		if p, ok := a.Permissions(u); p != 0 || ok || a.IsMember(u) {
			t.Errorf("%s: Permissions(%q) = %v, %t; IsMember %t: want nothing", what, u, p, ok, a.IsMember(u))
		}
		if got := a.Actions(u); len(got) != 0 {
			t.Errorf("%s: Actions(%q) = %v, want none", what, u, got)
		}
		if got := a.TeamsOf(u); len(got) != 0 {
			t.Errorf("%s: TeamsOf(%q) = %v, want none", what, u, got)
		}
		for _, team := range []string{"", "web"} {
			if a.CanViewTeam(u, team) {
				t.Errorf("%s: CanViewTeam(%q, %q) = true", what, u, team)
			}
			if r, ok := a.Role(team, u); r != 0 || ok {
				t.Errorf("%s: Role(%q, %q) = %v, %t; want no team", what, team, u, r, ok)
			}
		}
	}
	for _, act := range allActions {
		if got := a.UsersWhoCan(act); len(got) != 0 {
			t.Errorf("%s: UsersWhoCan(%v) = %q, want none", what, act, got)
		}
	}
	if tm, ok := a.Team("web"); ok || !cmp.Equal(tm, account.Team{}) {
		t.Errorf("%s: Team(web) = %+v, %t", what, tm, ok)
	}
	for u := range a.Members() {
		t.Errorf("%s: Members yields %q", what, u)
	}
	for tm := range a.Teams() {
		t.Errorf("%s: Teams yields %+v", what, tm)
	}
	if a.NumMembers() != 0 || a.NumTeams() != 0 {
		t.Errorf("%s: %d members, %d teams; want none", what, a.NumMembers(), a.NumTeams())
	}
	if s := a.Spec(); len(s.Members) != 0 || len(s.Teams) != 0 {
		t.Errorf("%s: Spec() = %+v, want no members or teams", what, s)
	}
	// Its JSON is not an account: no name, and no one holds Manage.
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatalf("%s: Marshal: %v", what, err)
	}
	if b, err := account.ParseJSON(data); !errors.Is(err, account.ErrInvalid) || b != nil {
		t.Errorf("%s: ParseJSON(%s) = %v, %v; want ErrInvalid", what, data, b, err)
	}
}

// checkRefusesAll checks that every step on tx is refused with err.
func checkRefusesAll(t *testing.T, what string, tx *account.Tx, want error) {
	t.Helper()
	for _, actor := range append(probeUsers, "alice") {
		steps := map[string]error{
			"add-member":       tx.AddMember(actor, "bob", permission.Admin),
			"set-permissions":  tx.SetPermissions(actor, actor, permission.Admin),
			"remove-member":    tx.RemoveMember(actor, actor),
			"create-team":      tx.CreateTeam(actor, "web"),
			"rename-team":      tx.RenameTeam(actor, "web", "www"),
			"delete-team":      tx.DeleteTeam(actor, "web"),
			"set-team-role":    tx.SetTeamRole(actor, "web", actor, account.RoleAdmin),
			"remove-from-team": tx.RemoveFromTeam(actor, "web", actor),

			"set-identity-provider":    tx.SetIdentityProvider(actor, accounttest.IdentityProvider("idp.example.com", true)),
			"remove-identity-provider": tx.RemoveIdentityProvider(actor),
		}
		for step, err := range steps {
			if !errors.Is(err, want) {
				t.Errorf("%s: %s by %q: %v, want %v", what, step, actor, err, want)
			}
		}
	}
}

func TestZeroAndNilAccountsDenyEverything(t *testing.T) {
	var zero account.Account
	checkDeniesAll(t, "nil *Account", nil)
	checkDeniesAll(t, "zero Account", &zero)
	checkDeniesAll(t, "NewStore(nil).Load()", account.NewStore(nil).Load())
	var nilAccount *account.Account
	if nilAccount.Name() != "" || nilAccount.Revision() != 0 || zero.Revision() != 0 {
		t.Errorf("nil or zero Account has a name or a revision")
	}
}

func TestZeroAndNilStores(t *testing.T) {
	t.Run("nil *Store", func(t *testing.T) {
		var s *account.Store
		s.SetObserver(func([]account.Event) { t.Error("observer of a nil *Store called") })
		if a := s.Load(); a != nil {
			t.Errorf("Load() = %v, want nil", a)
		}
		called := false
		a, err := s.Update(func(*account.Tx) error { called = true; return nil })
		if a != nil || !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), "nil *Store") || called {
			t.Errorf("Update = %v, %v (fn called: %t); want ErrInvalid without calling fn", a, err, called)
		}
		checkDeniesAll(t, "nil *Store's Load()", s.Load())
	})
	for name, s := range map[string]*account.Store{"zero Store": new(account.Store), "NewStore(nil)": account.NewStore(nil)} {
		t.Run(name, func(t *testing.T) {
			events := 0
			s.SetObserver(func(es []account.Event) { events += len(es) })
			before := s.Load()
			checkDeniesAll(t, name+" Load()", before)
			a, err := s.Update(func(tx *account.Tx) error {
				checkRefusesAll(t, name, tx, account.ErrForbidden)
				checkDeniesAll(t, name+" Tx.Account()", tx.Account())
				return nil
			})
			if a != nil || !errors.Is(err, account.ErrForbidden) {
				t.Errorf("Update = %v, %v; want the refusal", a, err)
			}
			// An update that takes no step publishes nothing.
			if a, err := s.Update(func(*account.Tx) error { return nil }); a != before || err != nil {
				t.Errorf("empty Update = %v, %v; want %v, nil", a, err, before)
			}
			if s.Load() != before || events != 0 {
				t.Errorf("%s changed: revision %d, %d events", name, s.Load().Revision(), events)
			}
			if a, err := s.Update(nil); a != nil || !errors.Is(err, account.ErrInvalid) {
				t.Errorf("Update(nil) = %v, %v; want ErrInvalid", a, err)
			}
		})
	}
}

func TestZeroAndNilTx(t *testing.T) {
	checkRefusesAll(t, "zero Tx", new(account.Tx), account.ErrForbidden)
	checkDeniesAll(t, "zero Tx's Account()", new(account.Tx).Account())
	checkRefusesAll(t, "nil *Tx", nil, account.ErrInvalid)
	if a := (*account.Tx)(nil).Account(); a != nil {
		t.Errorf("nil *Tx: Account() = %v, want nil", a)
	}
	// A Tx kept after its update ended refuses every step, even by alice,
	// who may take each of them.
	s := newStore(t)
	var kept *account.Tx
	if _, err := s.Update(func(tx *account.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	checkRefusesAll(t, "Tx after its update", kept, account.ErrInvalid)
	if err := kept.AddMember("alice", "erin", 0); err == nil || !strings.Contains(err.Error(), "after its update ended") {
		t.Errorf("late step: %v", err)
	}
	if s.Load().Revision() != 0 {
		t.Errorf("late steps published revision %d", s.Load().Revision())
	}
}

func TestZeroValuesOfPlainTypes(t *testing.T) {
	var d account.Decision
	if d.Allowed || d.String() != `"" may not action(0): not an action of the permission table` {
		t.Errorf("zero Decision: allowed %t, %q", d.Allowed, d)
	}
	var r account.Role
	if r.Valid() || r.Sees() || r.String() != "role(0)" {
		t.Errorf("Role(0): valid %t, sees %t, %q", r.Valid(), r.Sees(), r)
	}
	if b, err := r.MarshalText(); err == nil || !errors.Is(err, account.ErrInvalid) {
		t.Errorf("Role(0).MarshalText() = %q, %v; want ErrInvalid", b, err)
	}
	if got, err := account.ParseRole(""); got != 0 || !errors.Is(err, account.ErrInvalid) {
		t.Errorf(`ParseRole("") = %v, %v`, got, err)
	}
	if err := r.UnmarshalText(nil); !errors.Is(err, account.ErrInvalid) || r != 0 {
		t.Errorf("UnmarshalText(nil) = %v, role %v", err, r)
	}
	if got := account.Op(0).String(); got != "op(0)" {
		t.Errorf("Op(0) = %q", got)
	}
	if err := (accounttest.Op{}).Apply(new(account.Tx)); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("zero accounttest.Op: %v", err)
	}
	if got := (account.Event{}).LogValue().String(); !strings.Contains(got, "op=op(0)") {
		t.Errorf("zero Event logs as %q", got)
	}

	// Zero errors still print and match; the zero ForbiddenError denies.
	var fe account.ForbiddenError
	if !errors.Is(&fe, account.ErrForbidden) || !strings.Contains(fe.Error(), `"" may not action(0): not an account member`) {
		t.Errorf("zero ForbiddenError: %q", fe.Error())
	}
	if d := fe.Decision(); d.Allowed || d != (account.Decision{}) {
		t.Errorf("zero ForbiddenError's Decision = %+v", d)
	}
	if d := (*account.ForbiddenError)(nil).Decision(); d != (account.Decision{}) {
		t.Errorf("nil *ForbiddenError's Decision = %+v", d)
	}
	if got := (&account.PathError{}).Error(); got != "account: <nil>" {
		t.Errorf("zero PathError = %q", got)
	}
	if got := (&account.PathError{Path: "name"}).Error(); got != "account: name: <nil>" {
		t.Errorf("PathError without Err = %q", got)
	}

	// Zero and empty specs, members and teams are rejected.
	manager := account.Member{User: "ann", Permissions: permission.Manage}
	admin := account.TeamMember{User: "ann", Role: account.RoleAdmin}
	for _, tt := range []struct {
		name, path, text string
		spec             account.Spec
	}{
		{"zero Spec", "name", "empty account name", account.Spec{}},
		{"zero Member", "members[0].user", "empty user", account.Spec{Name: "a", Members: []account.Member{{}}}},
		{"no members", "members", "no member holds manage", account.Spec{Name: "a", Members: []account.Member{}}},
		{"zero Team", "teams[0].name", "empty team name", account.Spec{Name: "a", Members: []account.Member{manager}, Teams: []account.Team{{}}}},
		{"team without members", "teams[0]", "has no admin", account.Spec{Name: "a", Members: []account.Member{manager}, Teams: []account.Team{{Name: "t"}}}},
		{"zero TeamMember", "teams[0].members[1].user", "empty user", account.Spec{Name: "a", Members: []account.Member{manager},
			Teams: []account.Team{{Name: "t", Members: []account.TeamMember{admin, {}}}}}},
		{"zero Role", "teams[0].members[1].role", "role(0) is not a team role", account.Spec{Name: "a", Members: []account.Member{manager},
			Teams: []account.Team{{Name: "t", Members: []account.TeamMember{admin, {User: "bo"}}}}}},
	} {
		a, err := account.New(tt.spec)
		var pe *account.PathError
		if a != nil || !errors.As(err, &pe) || !errors.Is(err, account.ErrInvalid) || pe.Path != tt.path || !strings.Contains(err.Error(), tt.text) {
			t.Errorf("%s: New = %v, %v; want ErrInvalid at %s saying %q", tt.name, a, err, tt.path, tt.text)
		}
	}
	for _, in := range []string{`{}`, `{"name":"a"}`, `{"name":"a","members":[]}`, `{"name":"a","members":[{}]}`, `null`, `""`, `0`} {
		if a, err := account.ParseJSON([]byte(in)); a != nil || !errors.Is(err, account.ErrInvalid) {
			t.Errorf("ParseJSON(%s) = %v, %v; want ErrInvalid", in, a, err)
		}
	}
}

// TestUnknownNamesAreDenied checks a real account against users and teams
// it does not have, and actions outside the table.
func TestUnknownNamesAreDenied(t *testing.T) {
	a := mustNew(t, exampleSpec())
	for _, u := range append(probeUsers, "dave", "zed") { // dave and zed hold team roles only
		if got := a.Actions(u); len(got) != 0 {
			t.Errorf("Actions(%q) = %v", u, got)
		}
		for _, act := range allActions {
			if a.Can(u, act) || a.Explain(u, act).Allowed {
				t.Errorf("Can(%q, %v) = true", u, act)
			}
		}
		for _, team := range []string{"web", "api", "nope"} {
			if a.CanViewTeam(u, team) {
				t.Errorf("CanViewTeam(%q, %q) = true", u, team)
			}
		}
	}
	for _, act := range []permission.Action{0, permission.CreateTeams + 1, 255} {
		if a.Can("alice", act) || len(a.UsersWhoCan(act)) != 0 {
			t.Errorf("action %v allowed to someone", act)
		}
		if s := a.Explain("alice", act).String(); !strings.Contains(s, "not an action of the permission table") {
			t.Errorf("Explain(alice, %v) = %q", act, s)
		}
	}
	if a.CanViewTeam("alice", "nope") || a.CanViewTeam("alice", "") {
		t.Error("alice can view a missing team")
	}
	if _, ok := a.Team("nope"); ok {
		t.Error("Team(nope) exists")
	}
	// A member who holds the empty set holds View only.
	b := mustNew(t, account.Spec{Name: "a", Members: []account.Member{{User: "boss", Permissions: permission.Manage}, {User: "nil", Permissions: 0}}})
	if got, want := b.Actions("nil"), []permission.Action{permission.ViewTeams, permission.ViewAccess}; !slices.Equal(got, want) {
		t.Errorf("a member holding the empty set may %v, want %v", got, want)
	}
	// Unknown actors are refused and unknown targets are missing.
	s := account.NewStore(a)
	for _, tt := range []struct {
		name string
		step func(tx *account.Tx) error
		want error
	}{
		{"unknown actor", func(tx *account.Tx) error { return tx.AddMember("nobody", "erin", 0) }, account.ErrForbidden},
		{"team-role-only actor", func(tx *account.Tx) error { return tx.SetTeamRole("dave", "api", "dave", account.RoleAdmin) }, account.ErrForbidden},
		{"unknown team", func(tx *account.Tx) error { return tx.DeleteTeam("alice", "nope") }, account.ErrNoTeam},
		{"unknown user", func(tx *account.Tx) error { return tx.RemoveMember("alice", "nobody") }, account.ErrNotMember},
		{"unknown team member", func(tx *account.Tx) error { return tx.RemoveFromTeam("alice", "web", "nobody") }, account.ErrNotMember},
	} {
		if _, err := s.Update(tt.step); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	if s.Load() != a {
		t.Error("refused steps published a snapshot")
	}
}

// TestForbiddenErrorDecision checks that a refused step's Decision is what
// Explain says for the actor and the action on the account as the step saw
// it, for every kind of step, including refusals that follow earlier steps
// of the same update.
func TestForbiddenErrorDecision(t *testing.T) {
	tests := []struct {
		name  string
		setup func(tx *account.Tx) error // steps before the refused one
		step  func(tx *account.Tx) error
		actor string
		act   permission.Action
	}{
		{"member without manage", nil, func(tx *account.Tx) error { return tx.AddMember("bob", "erin", 0) }, "bob", permission.ManageUsers},
		{"non-member", nil, func(tx *account.Tx) error { return tx.RemoveMember("dave", "bob") }, "dave", permission.ManageUsers},
		{"unknown actor", nil, func(tx *account.Tx) error { return tx.CreateTeam("", "ops") }, "", permission.CreateTeams},
		{"create without create", nil, func(tx *account.Tx) error { return tx.DeleteTeam("bob", "web") }, "bob", permission.CreateTeams},
		{"role step without manage", nil, func(tx *account.Tx) error { return tx.SetTeamRole("carol", "web", "bob", account.RoleViewer) }, "carol", permission.ManageTeams},
		{"after losing manage in the same update",
			func(tx *account.Tx) error { return tx.AddMember("alice", "erin", permission.Manage) },
			func(tx *account.Tx) error {
				if err := tx.SetPermissions("alice", "alice", permission.Billing); err != nil {
					return err
				}
				return tx.SetPermissions("alice", "bob", 0)
			}, "alice", permission.ManageUsers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			_, err := s.Update(func(tx *account.Tx) error {
				if tt.setup != nil {
					if err := tt.setup(tx); err != nil {
						return fmt.Errorf("setup: %w", err)
					}
				}
				err := tt.step(tx)
				var fe *account.ForbiddenError
				if !errors.As(err, &fe) {
					t.Fatalf("step: %v, want a *ForbiddenError", err)
				}
				want := tx.Account().Explain(tt.actor, tt.act) // the refused step changed nothing
				if diff := cmp.Diff(want, fe.Decision()); diff != "" {
					t.Errorf("Decision() (-want +got):\n%s", diff)
				}
				if want.Allowed {
					t.Errorf("test bug: %s may %v", tt.actor, tt.act)
				}
				// The Decision's sentence carries the facts of the error.
				got := fe.Decision().String()
				for _, part := range []string{fmt.Sprintf("%q may not %v", tt.actor, tt.act), tt.act.AllowedBy().String()} {
					if !strings.Contains(got, part) || !strings.Contains(fe.Error(), part) {
						t.Errorf("Decision %q and error %q: want %q in both", got, fe.Error(), part)
					}
				}
				return err
			})
			if !errors.Is(err, account.ErrForbidden) {
				t.Errorf("Update: %v", err)
			}
		})
	}
}
