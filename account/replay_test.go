package account_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// run applies random steps to a new store of a random account, one update
// each, and returns the initial account, each committed snapshot and the
// events of each committed update.
func runRandom(t *rapid.T) (first *account.Account, snaps []*account.Account, updates [][]account.Event) {
	a, err := account.New(accounttest.Spec().Draw(t, "spec"))
	if err != nil {
		t.Skip(err) // specs are drawn to be valid; see accounttest's own tests
	}
	s := account.NewStore(a)
	var got []account.Event
	s.SetObserver(func(es []account.Event) { got = slices.Clone(es) })
	n := rapid.IntRange(1, 40).Draw(t, "updates")
	for range n {
		// Some updates take several steps.
		ops := rapid.SliceOfN(accounttest.OpFor(s.Load()), 1, 3).Draw(t, "ops")
		got = nil
		next, err := s.Update(func(tx *account.Tx) error {
			for _, o := range ops {
				if err := o.Apply(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil && got != nil {
			snaps = append(snaps, next)
			updates = append(updates, got)
		}
	}
	return a, snaps, updates
}

func sameAccount(t *rapid.T, want, got *account.Account) {
	t.Helper()
	if want.Revision() != got.Revision() {
		t.Fatalf("revision %d, want %d", got.Revision(), want.Revision())
	}
	if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
		t.Fatalf("replayed account differs (-want +got):\n%s", diff)
	}
}

// Replaying each committed update's events on the snapshot before it gives
// the committed snapshot, and replaying all of them at once gives the last.
func TestReplayReproducesCommits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		first, snaps, updates := runRandom(t)
		prev := first
		for i, es := range updates {
			got, err := prev.Replay(es)
			if err != nil {
				t.Fatalf("update %d: %v", i, err)
			}
			sameAccount(t, snaps[i], got)
			for _, act := range permission.Actions() {
				for _, u := range []string{"ann", "bob", "hal"} {
					if got.Can(u, act) != snaps[i].Can(u, act) {
						t.Fatalf("update %d: Can(%q, %s) differs", i, u, act)
					}
				}
			}
			prev = got
		}
		all := slices.Concat(updates...)
		got, err := first.Replay(all)
		if err != nil {
			t.Fatal(err)
		}
		if len(snaps) > 0 {
			sameAccount(t, snaps[len(snaps)-1], got)
		} else {
			sameAccount(t, first, got)
		}
	})
}

// Any change to an event's Before, or to the revision of an update, is
// ErrMismatch, and the account replayed on is unchanged.
func TestReplayRejectsTamperedEvents(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		first, snaps, updates := runRandom(t)
		if len(updates) == 0 {
			t.Skip("no committed update")
		}
		i := rapid.IntRange(0, len(updates)-1).Draw(t, "update")
		prev := first
		if i > 0 {
			prev = snaps[i-1]
		}
		before := prev.Spec()
		es := slices.Clone(updates[i])
		k := rapid.IntRange(0, len(es)-1).Draw(t, "event")
		switch rapid.IntRange(0, 3).Draw(t, "tamper") {
		case 0:
			es[k].Before += "x"
		case 1: // on a later event, the start of a next update
			es[0].Revision++
		case 2:
			es[k].Revision--
		case 3:
			es[k].Before = rapid.SampledFrom([]string{"", "view", "view,manage", "admin", "viewer", "collaborator"}).Draw(t, "before")
			if es[k].Before == updates[i][k].Before {
				t.Skip("same Before")
			}
		}
		_, err := prev.Replay(es)
		if !errors.Is(err, account.ErrMismatch) {
			t.Fatalf("Replay of tampered events = %v, want ErrMismatch", err)
		}
		if diff := cmp.Diff(before, prev.Spec()); diff != "" {
			t.Fatalf("Replay changed the account (-want +got):\n%s", diff)
		}
	})
}

// Events tampered so that a state they lead through breaks an invariant of
// the account, with every Before still right, are ErrMismatch: a member
// removed while still holding a role that needs membership, a role that
// needs membership given to a non-member, a team created by a non-member.
func TestReplayRejectsBrokenInvariants(t *testing.T) {
	const stranger = "stranger, not a member"
	rapid.Check(t, func(t *rapid.T) {
		first, snaps, updates := runRandom(t)
		type spot struct{ update, event, kind int }
		var spots []spot
		for i, es := range updates {
			for k, e := range es {
				switch {
				case e.Op == account.OpRemoveFromTeam && e.Before != account.RoleCollaborator.String():
					// RemoveMember's events end the user's roles, then remove them.
					if j := slices.IndexFunc(es[k:], func(o account.Event) bool { return o.Op == account.OpRemoveMember && o.User == e.User }); j > 0 {
						spots = append(spots, spot{i, k, 0})
					}
				case e.Op == account.OpSetTeamRole && e.After != account.RoleCollaborator.String():
					spots = append(spots, spot{i, k, 1})
				case e.Op == account.OpCreateTeam:
					spots = append(spots, spot{i, k, 2})
				}
			}
		}
		if len(spots) == 0 {
			t.Skip("no event to tamper with")
		}
		sp := rapid.SampledFrom(spots).Draw(t, "spot")
		prev := first
		if sp.update > 0 {
			prev = snaps[sp.update-1]
		}
		es := slices.Clone(updates[sp.update])
		switch sp.kind {
		case 0: // the role is never ended
			es = slices.Delete(es, sp.event, sp.event+1)
		case 1: // the role goes to a non-member instead
			es[sp.event].User, es[sp.event].Before = stranger, ""
			es = es[:sp.event+1]
		case 2: // the team's admin is a non-member
			es[sp.event].User = stranger
			es = es[:sp.event+1]
		}
		if _, err := prev.Replay(es); !errors.Is(err, account.ErrMismatch) {
			t.Fatalf("Replay of %v = %v, want ErrMismatch", es, err)
		}
	})
}

func TestReplayCases(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	ev := func(op account.Op, team, user, before, after string) account.Event {
		return account.Event{Revision: 1, Actor: "alice", Op: op, Team: team, User: user, Before: before, After: after}
	}
	tests := []struct {
		name   string
		events []account.Event
		ok     bool
	}{
		{"add member", []account.Event{ev(account.OpAddMember, "", "carl", "", "view")}, true},
		{"add existing member", []account.Event{ev(account.OpAddMember, "", "bob", "", "view")}, false},
		{"add member without view", []account.Event{ev(account.OpAddMember, "", "carl", "", "billing")}, false},
		{"add member, set not canonical", []account.Event{ev(account.OpAddMember, "", "carl", "", "manage,view")}, false},
		{"add member, bad name", []account.Event{ev(account.OpAddMember, "", " carl", "", "view")}, false},
		{"set permissions", []account.Event{ev(account.OpSetPermissions, "", "bob", "view,billing", "view")}, true},
		{"set permissions, wrong before", []account.Event{ev(account.OpSetPermissions, "", "bob", "view", "view,billing")}, false},
		{"remove last manager", []account.Event{ev(account.OpRemoveMember, "", "alice", "view,manage,create", "")}, false},
		{"remove member", []account.Event{ev(account.OpRemoveFromTeam, "web", "bob", "viewer", ""), ev(account.OpRemoveMember, "", "bob", "view,billing", "")}, true},
		{"create team", []account.Event{ev(account.OpCreateTeam, "ops", "alice", "", "ops")}, true},
		{"create existing team", []account.Event{ev(account.OpCreateTeam, "web", "alice", "", "web")}, false},
		{"rename team", []account.Event{ev(account.OpRenameTeam, "web", "", "web", "www")}, true},
		{"rename missing team", []account.Event{ev(account.OpRenameTeam, "ops", "", "ops", "www")}, false},
		{"rename to empty", []account.Event{ev(account.OpRenameTeam, "web", "", "web", "")}, false},
		{"delete team", []account.Event{ev(account.OpDeleteTeam, "web", "", "web", "")}, true},
		{"set role", []account.Event{ev(account.OpSetTeamRole, "web", "bob", "viewer", "admin")}, true},
		{"set role, bad role", []account.Event{ev(account.OpSetTeamRole, "web", "bob", "viewer", "boss")}, false},
		{"remove last admin", []account.Event{ev(account.OpRemoveFromTeam, "web", "alice", "admin", "")}, false},
		{"remove role not held", []account.Event{ev(account.OpRemoveFromTeam, "web", "carl", "", "")}, false},
		{"no op", []account.Event{ev(0, "", "bob", "", "")}, false},
		{"op outside the table", []account.Event{ev(42, "", "bob", "", "")}, false},
		{"first revision not next", []account.Event{{Revision: 2, Op: account.OpDeleteTeam, Team: "web", Before: "web"}}, false},
		{"two updates", []account.Event{ev(account.OpDeleteTeam, "web", "", "web", ""), {Revision: 2, Op: account.OpAddMember, User: "carl", After: "view"}}, true},
		// Every state a replay passes through keeps the invariants: seeing
		// roles (admin, member, viewer) only for account members.
		{"remove member keeping a seeing role", []account.Event{ev(account.OpRemoveMember, "", "bob", "view,billing", "")}, false},
		{"remove member, role ended after", []account.Event{ev(account.OpRemoveMember, "", "bob", "view,billing", ""), ev(account.OpRemoveFromTeam, "web", "bob", "viewer", "")}, false},
		{"remove member keeping a collaborator role", []account.Event{
			ev(account.OpSetTeamRole, "web", "bob", "viewer", "collaborator"), ev(account.OpRemoveMember, "", "bob", "view,billing", "")}, true},
		{"seeing role to a non-member", []account.Event{ev(account.OpSetTeamRole, "web", "carl", "", "viewer")}, false},
		{"admin role to a non-member", []account.Event{ev(account.OpSetTeamRole, "web", "carl", "", "admin")}, false},
		{"collaborator role to a non-member", []account.Event{ev(account.OpSetTeamRole, "web", "carl", "", "collaborator")}, true},
		{"seeing role to a member added before", []account.Event{ev(account.OpAddMember, "", "carl", "", "view"), ev(account.OpSetTeamRole, "web", "carl", "", "member")}, true},
		{"seeing role to a member added after", []account.Event{ev(account.OpSetTeamRole, "web", "carl", "", "member"), ev(account.OpAddMember, "", "carl", "", "view")}, false},
		{"team created by a non-member", []account.Event{ev(account.OpCreateTeam, "ops", "carl", "", "ops")}, false},
		{"collaborator made a seeing role in a renamed team", []account.Event{
			ev(account.OpSetTeamRole, "web", "carl", "", "collaborator"), ev(account.OpRenameTeam, "web", "", "web", "www"),
			ev(account.OpSetTeamRole, "www", "carl", "collaborator", "viewer")}, false},
		{"revision skipped", []account.Event{ev(account.OpDeleteTeam, "web", "", "web", ""), {Revision: 3, Op: account.OpAddMember, User: "carl", After: "view"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Replay(tt.events)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				if want := tt.events[len(tt.events)-1].Revision; got.Revision() != want {
					t.Errorf("revision %d, want %d", got.Revision(), want)
				}
				return
			}
			if !errors.Is(err, account.ErrMismatch) {
				t.Fatalf("Replay = %v, want ErrMismatch", err)
			}
		})
	}
	if got, err := a.Replay(nil); err != nil || got != a {
		t.Errorf("Replay(nil) = %p, %v; want a, nil", got, err)
	}
	var nilAccount *account.Account
	if _, err := nilAccount.Replay(nil); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("Replay on nil = %v, want ErrInvalid", err)
	}
}

func TestWithRevision(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	b := a.WithRevision(41)
	if b.Revision() != 41 || a.Revision() != 0 {
		t.Fatalf("revisions %d and %d, want 41 and 0", b.Revision(), a.Revision())
	}
	if diff := cmp.Diff(a.Spec(), b.Spec()); diff != "" {
		t.Fatalf("content differs (-want +got):\n%s", diff)
	}
	s := account.NewStore(b)
	next, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "carl", 0) })
	if err != nil || next.Revision() != 42 {
		t.Fatalf("Update = revision %d, %v; want 42", next.Revision(), err)
	}
}

// TestReplayLarge replays, on accounts large enough to carry overlays,
// more changes than a snapshot's overlay keeps, so that Replay folds the
// overlays into bases of its own as it goes: the result is the committed
// account, the account replayed on is unchanged, and so is the result when
// a later update builds on it.
func TestReplayLarge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2048, 2600).Draw(t, "members")
		spec := account.Spec{Name: "big"}
		for i := range n {
			p := permission.View
			if i == 0 {
				p = permission.Admin
			}
			spec.Members = append(spec.Members, account.Member{User: userName(i), Permissions: p})
		}
		s := account.NewStore(mustNew(t, spec))
		account.SetCompactAt(s, rapid.IntRange(1, 400).Draw(t, "compact at"))
		var events []account.Event
		s.SetObserver(func(es []account.Event) { events = append(events, es...) })
		admin := userName(0)
		// update draws and commits one change: of members mostly, of teams
		// sometimes, so that both tables grow overlays.
		update := func() {
			_, err := s.Update(func(tx *account.Tx) error {
				a := tx.Account()
				u := userName(rapid.IntRange(1, n+n/4).Draw(t, "user"))
				team := fmt.Sprint("team-", rapid.IntRange(0, 15).Draw(t, "team"))
				_, exists := a.Role(team, admin)
				switch p := permission.Set(rapid.IntRange(0, 15).Draw(t, "perms")) &^ permission.Manage; {
				case rapid.IntRange(0, 3).Draw(t, "kind") == 0 && !exists:
					return tx.CreateTeam(admin, team)
				case exists && a.IsMember(u) && rapid.Bool().Draw(t, "team role"):
					return tx.SetTeamRole(admin, team, u, account.Role(rapid.IntRange(2, 4).Draw(t, "role")))
				case !a.IsMember(u):
					return tx.AddMember(admin, u, p)
				case rapid.IntRange(0, 5).Draw(t, "remove") == 0:
					return tx.RemoveMember(admin, u)
				default:
					return tx.SetPermissions(admin, u, p)
				}
			})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
		}
		for range rapid.IntRange(0, 50).Draw(t, "updates before") {
			update()
		}
		from := s.Load()
		fromSpec := from.Spec()
		events = nil
		for range rapid.IntRange(1, 300).Draw(t, "updates replayed") {
			update()
		}
		want := s.Load()

		got, err := from.Replay(events)
		if err != nil {
			t.Fatal(err)
		}
		sameAccount(t, want, got)
		if diff := cmp.Diff(fromSpec, from.Spec()); diff != "" {
			t.Fatalf("Replay changed the account replayed on (-want +got):\n%s", diff)
		}
		gotSpec := got.Spec()
		s2 := account.NewStore(got)
		for _, u := range []string{userName(1), userName(2), userName(n + 1)} {
			if _, err := s2.Update(func(tx *account.Tx) error {
				if got.IsMember(u) {
					return tx.RemoveMember(admin, u)
				}
				return tx.AddMember(admin, u, permission.Billing)
			}); err != nil {
				t.Fatal(err)
			}
		}
		if diff := cmp.Diff(gotSpec, got.Spec()); diff != "" {
			t.Fatalf("an update after Replay changed its result (-want +got):\n%s", diff)
		}
	})
}

// A replay that goes through every member's permission set, more than once,
// gives each its set, and still refuses a set seen before when it is
// written out of order or without view.
func TestReplayPermissionSets(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	var sets []permission.Set
	for p := permission.View; p <= permission.Admin; p++ {
		if p.Has(permission.View) {
			sets = append(sets, p)
		}
	}
	events := []account.Event{{Revision: 1, Actor: "alice", Op: account.OpAddMember, User: "carl", After: "view"}}
	before := permission.View
	for i := range 3 * len(sets) {
		p := sets[(i*3+1)%len(sets)]
		events = append(events, account.Event{Revision: uint64(i + 2), Actor: "alice", Op: account.OpSetPermissions, User: "carl", Before: before.String(), After: p.String()})
		before = p
		got, err := a.Replay(events)
		if err != nil {
			t.Fatal(err)
		}
		if have, _ := got.Permissions("carl"); have != p {
			t.Fatalf("after %d changes carl holds %v, want %v", i+1, have, p)
		}
	}
	for _, after := range []string{"billing,view", "billing", "view,view", ""} {
		last := events[len(events)-1]
		bad := append(slices.Clone(events), account.Event{Revision: last.Revision + 1, Actor: "alice", Op: account.OpSetPermissions, User: "carl", Before: before.String(), After: after})
		if _, err := a.Replay(bad); !errors.Is(err, account.ErrMismatch) {
			t.Errorf("Replay to %q = %v, want ErrMismatch", after, err)
		}
	}
}

// TestReplayChecksNewTeamUser: a team role given to a user who holds none
// in the team checks the user's name, as SetTeamRole does; a collaborator
// need not be an account member, so only the name check stops it.
func TestReplayChecksNewTeamUser(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{" carl", "carl ", "ca\nrl", ""} {
		e := account.Event{Revision: 1, Actor: "alice", Op: account.OpSetTeamRole, Team: "web", User: user, After: "collaborator"}
		if _, err := a.Replay([]account.Event{e}); !errors.Is(err, account.ErrMismatch) {
			t.Errorf("Replay of a collaborator role for %q: %v, want ErrMismatch", user, err)
		}
	}
}

// TestReplayMismatchSaysWhatIsHeld: an event whose Before is not what the
// member holds is an error quoting what they hold.
func TestReplayMismatchSaysWhatIsHeld(t *testing.T) {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	e := account.Event{Revision: 1, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view", After: "view,billing"}
	_, err = a.Replay([]account.Event{e})
	if !errors.Is(err, account.ErrMismatch) || !strings.Contains(err.Error(), `user "bob" holds "view,billing", the event says "view"`) {
		t.Errorf("Replay: %v; want ErrMismatch saying bob holds view,billing", err)
	}
}

// TestReplayLargeCounts: a replay long enough to fold the members' overlay
// into a base of its own, then removing members from it, counts the
// members as the committed account does.
func TestReplayLargeCounts(t *testing.T) {
	const n = 2100
	spec := account.Spec{Name: "big"}
	for i := range n {
		p := permission.View
		if i == 0 {
			p = permission.Admin
		}
		spec.Members = append(spec.Members, account.Member{User: userName(i), Permissions: p})
	}
	from := mustNew(t, spec)
	s := account.NewStore(from)
	var events []account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, es...) })
	admin := userName(0)
	update := func(f func(tx *account.Tx) error) {
		t.Helper()
		if _, err := s.Update(f); err != nil {
			t.Fatal(err)
		}
	}
	// Far more changes than the overlay keeps (n/256), then removals, of
	// members who were there before and of members just added.
	for i := range 40 {
		update(func(tx *account.Tx) error { return tx.AddMember(admin, userName(n+i), permission.Billing) })
	}
	for i := range 10 {
		update(func(tx *account.Tx) error { return tx.RemoveMember(admin, userName(1+i)) })
		update(func(tx *account.Tx) error { return tx.RemoveMember(admin, userName(n+i)) })
	}
	want := s.Load()
	got, err := from.Replay(events)
	if err != nil {
		t.Fatal(err)
	}
	if got.NumMembers() != n+40-20 || got.NumMembers() != want.NumMembers() || got.NumMembers() != len(got.Spec().Members) {
		t.Errorf("replayed account has %d members (%d in its spec), want %d", got.NumMembers(), len(got.Spec().Members), n+40-20)
	}
}
