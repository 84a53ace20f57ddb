package account_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

func newStore(t *testing.T) *account.Store {
	t.Helper()
	return account.NewStore(mustNew(t, exampleSpec()))
}

func TestUpdateSteps(t *testing.T) {
	// In exampleSpec: alice holds everything and is admin of web; bob holds
	// view,billing and views web; carol holds view,create and is admin of
	// api; dave is in api but not an account member.
	tests := []struct {
		name    string
		fn      func(tx *account.Tx) error
		wantErr error
		substr  string
	}{
		{"add member", func(tx *account.Tx) error { return tx.AddMember("alice", "erin", Billing) }, nil, ""},
		{"add by non-manager", func(tx *account.Tx) error { return tx.AddMember("bob", "erin", 0) }, account.ErrForbidden,
			`account: "bob" may not manage-users: holds view,billing; manage-users needs manage: forbidden`},
		{"add by non-member", func(tx *account.Tx) error { return tx.AddMember("dave", "erin", 0) }, account.ErrForbidden,
			`"dave" may not manage-users: not an account member`},
		{"refused actor learns nothing", func(tx *account.Tx) error { return tx.SetPermissions("bob", "nobody", 0) }, account.ErrForbidden, ""},
		{"add existing", func(tx *account.Tx) error { return tx.AddMember("alice", "bob", 0) }, account.ErrExists, `"bob"`},
		{"add empty", func(tx *account.Tx) error { return tx.AddMember("alice", "", 0) }, account.ErrInvalid, "empty user"},
		{"add malformed user", func(tx *account.Tx) error { return tx.AddMember("alice", "erin ", 0) }, account.ErrInvalid, `user "erin ": white space`},
		{"create malformed team", func(tx *account.Tx) error { return tx.CreateTeam("carol", "ops\n") }, account.ErrInvalid, "control character"},
		{"rename to malformed", func(tx *account.Tx) error { return tx.RenameTeam("carol", "api", "") }, account.ErrInvalid, "empty new team name"},
		{"role for malformed user", func(tx *account.Tx) error { return tx.SetTeamRole("carol", "api", "\xff", account.RoleMember) }, account.ErrInvalid, "UTF-8"},
		{"add bad bits", func(tx *account.Tx) error { return tx.AddMember("alice", "erin", 0x40) }, account.ErrInvalid, "outside the table"},
		{"set on non-member", func(tx *account.Tx) error { return tx.SetPermissions("alice", "dave", View) }, account.ErrNotMember, `"dave"`},
		{"last manager", func(tx *account.Tx) error { return tx.SetPermissions("alice", "alice", View) }, account.ErrLastManager, ""},
		{"remove last manager", func(tx *account.Tx) error { return tx.RemoveMember("alice", "alice") }, account.ErrLastManager, ""},
		{"remove non-member", func(tx *account.Tx) error { return tx.RemoveMember("alice", "dave") }, account.ErrNotMember, ""},
		{"create team", func(tx *account.Tx) error { return tx.CreateTeam("carol", "ops") }, nil, ""},
		{"create by account admin", func(tx *account.Tx) error { return tx.CreateTeam("alice", "ops") }, nil, ""},
		{"create by billing", func(tx *account.Tx) error { return tx.CreateTeam("bob", "ops") }, account.ErrForbidden, "create-teams needs create"},
		{"create existing invisible", func(tx *account.Tx) error { return tx.CreateTeam("carol", "web") }, account.ErrExists, ""},
		{"rename invisible team", func(tx *account.Tx) error { return tx.RenameTeam("carol", "web", "www") }, account.ErrNoTeam, `team "web"`},
		{"rename missing team", func(tx *account.Tx) error { return tx.RenameTeam("carol", "nope", "www") }, account.ErrNoTeam, `team "nope"`},
		{"rename visible", func(tx *account.Tx) error { return tx.RenameTeam("carol", "api", "rest") }, nil, ""},
		{"rename onto existing", func(tx *account.Tx) error { return tx.RenameTeam("carol", "api", "web") }, account.ErrExists, ""},
		{"delete invisible", func(tx *account.Tx) error { return tx.DeleteTeam("carol", "web") }, account.ErrNoTeam, ""},
		{"team admin sets role", func(tx *account.Tx) error { return tx.SetTeamRole("carol", "api", "bob", account.RoleViewer) }, nil, ""},
		{"team admin without manage", func(tx *account.Tx) error { return tx.SetTeamRole("carol", "web", "bob", account.RoleViewer) }, account.ErrForbidden,
			`needs manage, or the admin role in team "web"`},
		{"manager on invisible team", func(tx *account.Tx) error { return tx.SetTeamRole("alice", "api", "bob", account.RoleViewer) }, account.ErrNoTeam, ""},
		{"viewer refused on missing team", func(tx *account.Tx) error { return tx.SetTeamRole("bob", "nope", "bob", account.RoleAdmin) }, account.ErrForbidden, ""},
		{"last team admin", func(tx *account.Tx) error { return tx.SetTeamRole("carol", "api", "carol", account.RoleMember) }, account.ErrLastTeamAdmin, ""},
		{"remove last team admin", func(tx *account.Tx) error { return tx.RemoveFromTeam("alice", "web", "alice") }, account.ErrLastTeamAdmin, ""},
		{"remove no role", func(tx *account.Tx) error { return tx.RemoveFromTeam("alice", "web", "carol") }, account.ErrNotMember, "no role"},
		{"bad role", func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "carol", 7) }, account.ErrInvalid, "role(7)"},
		{"non-member team admin", func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "dave", account.RoleAdmin) }, account.ErrNotMember,
			`account: set-team-role: team "web": user "dave": not an account member`},
		{"non-member team viewer", func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "dave", account.RoleViewer) }, account.ErrNotMember, ""},
		{"non-member collaborator", func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "dave", account.RoleCollaborator) }, nil, ""},
		{"remove only team admin", func(tx *account.Tx) error { return tx.RemoveMember("alice", "carol") }, account.ErrLastTeamAdmin, `team "api"`},
		{"state as changed so far", func(tx *account.Tx) error {
			if err := tx.SetPermissions("alice", "bob", Manage); err != nil {
				return err
			}
			return tx.AddMember("bob", "erin", View) // bob may now manage users
		}, nil, ""},
		{"actor loses permission mid-update", func(tx *account.Tx) error {
			if err := tx.SetPermissions("alice", "carol", Manage); err != nil {
				return err
			}
			return tx.CreateTeam("carol", "ops")
		}, account.ErrForbidden, ""},
	}
	// What each step that succeeds changes, written on the account's Spec.
	changes := map[string]func(s *account.Spec){
		"add member": func(s *account.Spec) { setMember(s, "erin", View|Billing) },
		"create team": func(s *account.Spec) {
			s.Teams = append(s.Teams, account.Team{Name: "ops", Members: []account.TeamMember{{User: "carol", Role: account.RoleAdmin}}})
		},
		"create by account admin": func(s *account.Spec) {
			s.Teams = append(s.Teams, account.Team{Name: "ops", Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}})
		},
		"rename visible":          func(s *account.Spec) { teamOf(s, "api").Name = "rest" },
		"team admin sets role":    func(s *account.Spec) { setRole(s, "api", "bob", account.RoleViewer) },
		"non-member collaborator": func(s *account.Spec) { setRole(s, "web", "dave", account.RoleCollaborator) },
		"state as changed so far": func(s *account.Spec) { setMember(s, "bob", View|Manage); setMember(s, "erin", View) },
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			before := s.Load()
			a, err := s.Update(tt.fn)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Update: %v", err)
				}
				if a.Revision() != 1 || s.Load() != a {
					t.Errorf("revision %d, published %v; want 1 and published", a.Revision(), s.Load() == a)
				}
				change := changes[tt.name]
				if change == nil {
					t.Fatalf("no change listed for %q", tt.name)
				}
				want := before.Spec()
				change(&want)
				if diff := cmp.Diff(mustNew(t, want).Spec(), a.Spec()); diff != "" {
					t.Errorf("the account after the update (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.substr) || !strings.HasPrefix(err.Error(), "account: ") {
				t.Errorf("error %q: want %q containing %q", err, tt.wantErr, tt.substr)
			}
			checkOneStatement(t, err)
			if a != nil || s.Load() != before {
				t.Errorf("failed update returned %v and published %v", a, s.Load() != before)
			}
		})
	}
}

// setMember gives user the permissions p in s, adding the member if need be.
func setMember(s *account.Spec, user string, p permission.Set) {
	for i := range s.Members {
		if s.Members[i].User == user {
			s.Members[i].Permissions = p
			return
		}
	}
	s.Members = append(s.Members, account.Member{User: user, Permissions: p})
}

// teamOf returns the team named name in s; it must exist.
func teamOf(s *account.Spec, name string) *account.Team {
	for i := range s.Teams {
		if s.Teams[i].Name == name {
			return &s.Teams[i]
		}
	}
	panic("no team " + name)
}

// setRole gives user the role r in team, adding them if need be.
func setRole(s *account.Spec, team, user string, r account.Role) {
	t := teamOf(s, team)
	for i := range t.Members {
		if t.Members[i].User == user {
			t.Members[i].Role = r
			return
		}
	}
	t.Members = append(t.Members, account.TeamMember{User: user, Role: r})
}

func TestFailedStepPoisonsUpdate(t *testing.T) {
	s := newStore(t)
	before := s.Load()
	var later error
	_, err := s.Update(func(tx *account.Tx) error {
		_ = tx.AddMember("alice", "erin", View)     // succeeds
		_ = tx.AddMember("bob", "frank", View)      // refused, error ignored
		later = tx.AddMember("alice", "gina", View) // refused: the update failed
		return nil
	})
	if !errors.Is(err, account.ErrForbidden) {
		t.Fatalf("Update error = %v, want the refused step's", err)
	}
	if !errors.Is(later, account.ErrForbidden) || !strings.Contains(later.Error(), "earlier step") {
		t.Errorf("later step error = %v", later)
	}
	var fe *account.ForbiddenError
	if !errors.As(later, &fe) || fe.Actor != "bob" {
		t.Errorf("later step error %v: want the earlier step's *ForbiddenError through errors.As", later)
	}
	// One prefix: the later step's, then the earlier failure without its own.
	if want := `account: add-member: skipped, an earlier step failed: "bob" may not manage-users`; !strings.HasPrefix(later.Error(), want) {
		t.Errorf("later step error\n got %q\nwant %q…", later, want)
	}
	checkOneStatement(t, later)
	if s.Load() != before || s.Load().IsMember("erin") {
		t.Errorf("a failed update published a change")
	}
	// fn's own error wins and publishes nothing.
	errMine := errors.New("mine")
	if _, err := s.Update(func(tx *account.Tx) error { _ = tx.AddMember("alice", "erin", 0); return errMine }); err != errMine {
		t.Errorf("Update error = %v, want fn's", err)
	}
	if s.Load() != before {
		t.Errorf("published after fn's error")
	}
	// A Tx kept after its update refuses to work.
	var kept *account.Tx
	if _, err := s.Update(func(tx *account.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := kept.AddMember("alice", "erin", 0); err == nil {
		t.Errorf("a kept Tx took a step")
	}
	if s.Load() != before {
		t.Errorf("an update without steps published a snapshot")
	}
}

// TestRemoveMemberEndsTeamRoles: removing a member ends their admin, member
// and viewer roles, each as an event of its own, and keeps their
// collaborator roles.
func TestRemoveMemberEndsTeamRoles(t *testing.T) {
	s := newStore(t)
	var got []account.Event
	s.SetObserver(func(evs []account.Event) { got = append(got, withoutTime(evs)...) })
	_, err := s.Update(func(tx *account.Tx) error {
		return errors.Join(
			tx.SetTeamRole("alice", "web", "bob", account.RoleAdmin),
			tx.CreateTeam("alice", "ops"),
			tx.SetTeamRole("alice", "ops", "bob", account.RoleCollaborator),
			tx.CreateTeam("alice", "dev"),
			tx.SetTeamRole("alice", "dev", "bob", account.RoleMember),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	before := len(got)
	a, err := s.Update(func(tx *account.Tx) error { return tx.RemoveMember("alice", "bob") })
	if err != nil {
		t.Fatal(err)
	}
	for team, want := range map[string]account.Role{"web": 0, "dev": 0, "ops": account.RoleCollaborator} {
		if r, _ := a.Role(team, "bob"); r != want {
			t.Errorf("bob's role in %s = %v, want %v", team, r, want)
		}
	}
	want := []account.Event{ // roles first, in team order, then the membership
		{Revision: 2, Actor: "alice", Op: account.OpRemoveFromTeam, Team: "dev", User: "bob", Before: "member"},
		{Revision: 2, Actor: "alice", Op: account.OpRemoveFromTeam, Team: "web", User: "bob", Before: "admin"},
		{Revision: 2, Actor: "alice", Op: account.OpRemoveMember, User: "bob", Before: "view,billing"},
	}
	if diff := cmp.Diff(want, got[before:]); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// Added again, bob has no role but the collaborator one.
	a, err = s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "bob", 0) })
	if err != nil {
		t.Fatal(err)
	}
	if got := a.TeamsOf("bob"); len(got) != 0 {
		t.Errorf("re-added bob can view %q, want no team", got)
	}
}

// TestRemoveMemberOfOnlyTeamAdmin: a member who is the only admin of a team
// cannot be removed, or the team would have no admin who can act.
func TestRemoveMemberOfOnlyTeamAdmin(t *testing.T) {
	s := newStore(t)
	before := s.Load()
	// carol is the only admin of api.
	_, err := s.Update(func(tx *account.Tx) error { return tx.RemoveMember("alice", "carol") })
	if !errors.Is(err, account.ErrLastTeamAdmin) || !strings.Contains(err.Error(), `team "api"`) {
		t.Fatalf("RemoveMember of api's only admin: %v, want ErrLastTeamAdmin naming team \"api\"", err)
	}
	if s.Load() != before {
		t.Errorf("the refused removal published a snapshot")
	}
	// With another admin appointed first, the removal goes through.
	a, err := s.Update(func(tx *account.Tx) error {
		if err := tx.SetTeamRole("carol", "api", "bob", account.RoleAdmin); err != nil {
			return err
		}
		return tx.RemoveMember("alice", "carol")
	})
	if err != nil {
		t.Fatal(err)
	}
	if tm, _ := a.Team("api"); len(tm.Members) != 2 || tm.Members[0] != (account.TeamMember{User: "bob", Role: account.RoleAdmin}) {
		t.Errorf("api = %+v, want bob as its admin and dave", tm)
	}
}

// TestTeamRolesOnlyForMembers: admin, member and viewer roles go only to
// account members; anyone may be a collaborator. A team admin who holds
// only View cannot hand the team to a made-up name and leave it.
func TestTeamRolesOnlyForMembers(t *testing.T) {
	s := newStore(t)
	// bob holds view,billing; make him web's second admin.
	if _, err := s.Update(func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "bob", account.RoleAdmin) }); err != nil {
		t.Fatal(err)
	}
	for _, r := range []account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer} {
		before := s.Load()
		_, err := s.Update(func(tx *account.Tx) error {
			if err := tx.SetTeamRole("bob", "web", "made-up", r); err != nil {
				return err
			}
			return tx.RemoveFromTeam("bob", "web", "bob")
		})
		if !errors.Is(err, account.ErrNotMember) || !strings.Contains(err.Error(), `"made-up"`) {
			t.Errorf("SetTeamRole(%v) for a non-member: %v, want ErrNotMember naming the user", r, err)
		}
		if s.Load() != before {
			t.Errorf("SetTeamRole(%v) for a non-member published a snapshot", r)
		}
	}
	// A refused actor learns nothing: forbidden, not not-a-member.
	if _, err := s.Update(func(tx *account.Tx) error { return tx.SetTeamRole("carol", "web", "made-up", account.RoleAdmin) }); !errors.Is(err, account.ErrForbidden) {
		t.Errorf("refused actor: %v, want forbidden", err)
	}
	a, err := s.Update(func(tx *account.Tx) error { return tx.SetTeamRole("bob", "web", "made-up", account.RoleCollaborator) })
	if err != nil {
		t.Fatalf("collaborator role for a non-member: %v", err)
	}
	if r, _ := a.Role("web", "made-up"); r != account.RoleCollaborator {
		t.Errorf("made-up's role = %v, want collaborator", r)
	}
}

func TestTxAccountIsASnapshot(t *testing.T) {
	s := newStore(t)
	var peek *account.Account
	var want account.Spec
	_, err := s.Update(func(tx *account.Tx) error {
		if err := tx.SetTeamRole("alice", "web", "carol", account.RoleMember); err != nil {
			return err
		}
		if err := tx.SetPermissions("alice", "bob", Manage); err != nil {
			return err
		}
		peek = tx.Account()
		want = peek.Spec()
		if !peek.CanViewTeam("carol", "web") || !peek.Can("bob", permission.ManageUsers) {
			t.Errorf("Tx.Account does not show the steps so far")
		}
		if err := tx.SetTeamRole("alice", "web", "carol", account.RoleCollaborator); err != nil {
			return err
		}
		return tx.SetPermissions("alice", "bob", Billing)
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, peek.Spec()); diff != "" {
		t.Errorf("later steps changed Tx.Account's snapshot (-want +got):\n%s", diff)
	}
}

func TestEventsAndLogObserver(t *testing.T) {
	s := newStore(t)
	var buf bytes.Buffer
	var got []account.Event
	log := account.LogObserver(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}})))
	s.SetObserver(func(evs []account.Event) { got = append(got, withoutTime(evs)...); log(evs) })
	_, err := s.Update(func(tx *account.Tx) error {
		return errors.Join(
			tx.AddMember("alice", "erin", Billing),
			tx.SetPermissions("alice", "erin", Create),
			tx.CreateTeam("erin", "ops"),
			tx.SetTeamRole("erin", "ops", "bob", account.RoleMember),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Update(func(tx *account.Tx) error {
		return errors.Join(
			tx.RemoveFromTeam("erin", "ops", "bob"),
			tx.RenameTeam("erin", "ops", "dev"),
			tx.DeleteTeam("erin", "dev"),
			tx.RemoveMember("alice", "erin"),
		)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []account.Event{
		{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "erin", After: "view,billing"},
		{Revision: 1, Actor: "alice", Op: account.OpSetPermissions, User: "erin", Before: "view,billing", After: "view,create"},
		{Revision: 1, Actor: "erin", Op: account.OpCreateTeam, Team: "ops", User: "erin", After: "ops"},
		{Revision: 1, Actor: "erin", Op: account.OpSetTeamRole, Team: "ops", User: "bob", After: "member"},
		{Revision: 2, Actor: "erin", Op: account.OpRemoveFromTeam, Team: "ops", User: "bob", Before: "member"},
		{Revision: 2, Actor: "erin", Op: account.OpRenameTeam, Team: "ops", Before: "ops", After: "dev"},
		{Revision: 2, Actor: "erin", Op: account.OpDeleteTeam, Team: "dev", Before: "dev"},
		{Revision: 2, Actor: "alice", Op: account.OpRemoveMember, User: "erin", Before: "view,create"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("logged %d lines, want %d:\n%s", len(lines), len(want), buf.String())
	}
	if wantLine := `level=INFO msg="account change" revision=1 actor=alice op=set-permissions user=erin before=view,billing after=view,create`; lines[1] != wantLine {
		t.Errorf("log line\n got %s\nwant %s", lines[1], wantLine)
	}
}
