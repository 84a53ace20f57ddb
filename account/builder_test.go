package account_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// spoil applies a few of the ways a spec can be invalid, each drawn, so
// that specs with several offending entries test which one is reported.
func spoil(t *rapid.T, s account.Spec) account.Spec {
	s.Members = slices.Clone(s.Members)
	s.Teams = slices.Clone(s.Teams)
	for i := range s.Teams {
		s.Teams[i].Members = slices.Clone(s.Teams[i].Members)
	}
	member := func() int { return rapid.IntRange(0, len(s.Members)-1).Draw(t, "member") }
	for range rapid.IntRange(0, 3).Draw(t, "spoils") {
		switch rapid.IntRange(0, 11).Draw(t, "spoil") {
		case 0: // a user listed twice
			s.Members = append(s.Members, s.Members[member()])
		case 1: // a bad user name
			s.Members[member()].User = rapid.SampledFrom([]string{"", " ann", "a\u200bb"}).Draw(t, "bad user")
		case 2: // bits outside the table
			s.Members[member()].Permissions = permission.Set(0x80)
		case 3: // no manager
			for i := range s.Members {
				s.Members[i].Permissions &^= permission.Manage
			}
		case 4: // a bad account name
			s.Name = ""
		case 5: // a team listed twice
			if len(s.Teams) > 0 {
				s.Teams = append(s.Teams, s.Teams[rapid.IntRange(0, len(s.Teams)-1).Draw(t, "team")])
			}
		case 6: // a bad team name
			if len(s.Teams) > 0 {
				s.Teams[rapid.IntRange(0, len(s.Teams)-1).Draw(t, "team")].Name = ""
			}
		case 7: // a role outside the four, or a bad user in a team
			if len(s.Teams) > 0 {
				tm := &s.Teams[rapid.IntRange(0, len(s.Teams)-1).Draw(t, "team")]
				if len(tm.Members) > 0 {
					k := rapid.IntRange(0, len(tm.Members)-1).Draw(t, "team member")
					if rapid.Bool().Draw(t, "role") {
						tm.Members[k].Role = account.Role(9)
					} else {
						tm.Members[k].User = ""
					}
				}
			}
		case 8: // a role that needs membership, held by a stranger
			if len(s.Teams) > 0 {
				tm := &s.Teams[rapid.IntRange(0, len(s.Teams)-1).Draw(t, "team")]
				role := rapid.SampledFrom([]account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator}).Draw(t, "stranger's role")
				at := rapid.IntRange(0, len(tm.Members)).Draw(t, "at")
				tm.Members = slices.Insert(tm.Members, at, account.TeamMember{User: "stranger", Role: role})
			}
		case 9: // a team with no admin
			if len(s.Teams) > 0 {
				tm := &s.Teams[rapid.IntRange(0, len(s.Teams)-1).Draw(t, "team")]
				for k := range tm.Members {
					if tm.Members[k].Role == account.RoleAdmin {
						tm.Members[k].Role = account.RoleMember
					}
				}
			}
		case 10: // a user listed twice in a team
			if len(s.Teams) > 0 {
				tm := &s.Teams[rapid.IntRange(0, len(s.Teams)-1).Draw(t, "team")]
				if len(tm.Members) > 0 {
					tm.Members = append(tm.Members, tm.Members[rapid.IntRange(0, len(tm.Members)-1).Draw(t, "team member")])
				}
			}
		case 11: // a bad identity provider
			p := accounttest.IdentityProvider("idp.example.com", false)
			p.SSOTargetURL = "http://idp.example.com/sso"
			s.IdentityProvider = &p
		}
	}
	return s
}

// buildInOrder adds spec's entries to a Builder in an order drawn from
// those that list the same entries in the same order: members may come
// after teams (all of a team's members follow it), the identity provider
// anywhere, the hint of Grow or not.
func buildInOrder(t *rapid.T, spec account.Spec) *account.Builder {
	b := account.NewBuilder(spec.Name)
	if rapid.Bool().Draw(t, "grow") {
		b.Grow(len(spec.Members), len(spec.Teams))
	}
	// after[i]: how many teams are added before member i, never fewer than
	// before member i-1.
	after := make([]int, len(spec.Members))
	for i := range after {
		lo := 0
		if i > 0 {
			lo = after[i-1]
		}
		after[i] = rapid.IntRange(lo, len(spec.Teams)).Draw(t, "teams before member")
	}
	idpAt := rapid.IntRange(0, len(spec.Teams)).Draw(t, "teams before the identity provider")
	m := 0
	for ti := 0; ti <= len(spec.Teams); ti++ {
		for m < len(spec.Members) && after[m] == ti {
			b.AddMember(spec.Members[m].User, spec.Members[m].Permissions)
			m++
		}
		if spec.IdentityProvider != nil && idpAt == ti {
			b.SetIdentityProvider(*spec.IdentityProvider)
		}
		if ti < len(spec.Teams) {
			st := spec.Teams[ti]
			b.AddTeam(st.Name, st.Licensed)
			for _, tm := range st.Members {
				b.AddTeamMember(tm.User, tm.Role)
			}
		}
	}
	return b
}

// firstOffence is a plain reference for the entry New must name first in
// spec, "" if spec is valid: the checks in New's documented order, written
// out for the small specs the tests draw (below the count limits).
func firstOffence(spec account.Spec) string {
	isName := func(s string) bool { return s != "" && names.Check(s) == nil }
	if !isName(spec.Name) {
		return "name"
	}
	members := map[string]permission.Set{}
	managers := 0
	for i, m := range spec.Members {
		at := "members[" + strconv.Itoa(i) + "]"
		if _, dup := members[m.User]; !isName(m.User) || dup {
			return at + ".user"
		}
		if !m.Permissions.Valid() {
			return at + ".permissions"
		}
		members[m.User] = m.Permissions | permission.View
		if m.Permissions.Has(permission.Manage) {
			managers++
		}
	}
	if managers == 0 {
		return "members"
	}
	teams := map[string]bool{}
	for i, st := range spec.Teams {
		at := "teams[" + strconv.Itoa(i) + "]"
		if !isName(st.Name) || teams[st.Name] {
			return at + ".name"
		}
		teams[st.Name] = true
		roles := map[string]bool{}
		admins := 0
		for k, tm := range st.Members {
			tat := at + ".members[" + strconv.Itoa(k) + "]"
			if !isName(tm.User) || roles[tm.User] {
				return tat + ".user"
			}
			if !tm.Role.Valid() {
				return tat + ".role"
			}
			if _, member := members[tm.User]; !member && tm.Role != account.RoleCollaborator {
				return tat + ".user"
			}
			roles[tm.User] = true
			if tm.Role == account.RoleAdmin {
				admins++
			}
		}
		if admins == 0 {
			return at
		}
	}
	if spec.IdentityProvider != nil {
		// Whether the provider alone is valid: New of an account with it
		// and nothing else to fault.
		if _, err := account.New(account.Spec{Name: "x", Members: []account.Member{{User: "x", Permissions: permission.Manage}}, IdentityProvider: spec.IdentityProvider}); err != nil {
			return err.(*account.PathError).Path
		}
	}
	return ""
}

// TestNewNamesFirstOffence: New names the first offending entry of a
// spec, as the plain reference finds it.
func TestNewNamesFirstOffence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := spoil(t, accounttest.Spec().Draw(t, "spec"))
		want := firstOffence(spec)
		_, err := account.New(spec)
		var pe *account.PathError
		switch {
		case want == "" && err != nil:
			t.Fatalf("New: %v; want no error", err)
		case want == "":
		case !errors.As(err, &pe) || pe.Path != want:
			t.Fatalf("New: %v; want an error at %s", err, want)
		}
	})
}

// TestBuilderAgreesWithNew: a Builder given a spec's entries, in any order
// that keeps their order, returns what New returns: the same account, or
// an error naming the same entry and wrapping the same sentinels.
func TestBuilderAgreesWithNew(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := accounttest.Spec().Draw(t, "spec")
		if rapid.Bool().Draw(t, "spoiled") {
			spec = spoil(t, spec)
		}
		want, wantErr := account.New(spec)
		got, err := buildInOrder(t, spec).Account()
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("Builder: %v; New: %v", err, wantErr)
		}
		if err != nil {
			var pe, wpe *account.PathError
			if !errors.As(err, &pe) || !errors.As(wantErr, &wpe) {
				t.Fatalf("Builder: %v; New: %v; want *PathError from both", err, wantErr)
			}
			if pe.Path != wpe.Path {
				t.Fatalf("Builder names %q (%v); New names %q (%v)", pe.Path, err, wpe.Path, wantErr)
			}
			for _, s := range []error{account.ErrInvalid, account.ErrLastManager, account.ErrLastTeamAdmin, account.ErrNotMember} {
				if errors.Is(err, s) != errors.Is(wantErr, s) {
					t.Fatalf("Builder: %v; New: %v; they differ on %v", err, wantErr, s)
				}
			}
			if got != nil {
				t.Fatalf("Builder returned an account with its error %v", err)
			}
			return
		}
		if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
			t.Fatalf("Builder's account (-New +Builder):\n%s", diff)
		}
		if got.Revision() != 0 {
			t.Fatalf("revision %d, want 0", got.Revision())
		}
	})
}

// builderOf returns a Builder holding spec's entries at revision rev.
func builderOf(spec account.Spec, rev uint64) *account.Builder {
	b := account.NewBuilder(spec.Name)
	b.SetRevision(rev)
	for _, m := range spec.Members {
		b.AddMember(m.User, m.Permissions)
	}
	for _, st := range spec.Teams {
		b.AddTeam(st.Name, st.Licensed)
		for _, tm := range st.Members {
			b.AddTeamMember(tm.User, tm.Role)
		}
	}
	if spec.IdentityProvider != nil {
		b.SetIdentityProvider(*spec.IdentityProvider)
	}
	return b
}

// TestBuilderReplay: replaying the events of committed updates on a
// Builder, in place, in batches of whole updates, gives the account the
// Store committed, as Account.Replay does; a damaged event is the same
// error from both.
func TestBuilderReplay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := accounttest.Spec().Draw(t, "spec")
		rev := rapid.Uint64Range(0, 1<<40).Draw(t, "revision")
		start := mustNew(t, spec).WithRevision(rev)
		s := account.NewStore(start)
		var updates [][]account.Event
		s.SetObserver(func(es []account.Event) { updates = append(updates, slices.Clone(es)) })
		accounttest.ApplyEach(s, accounttest.Ops(start, 1, 25).Draw(t, "ops"))
		var all []account.Event
		for _, u := range updates {
			all = append(all, u...)
		}

		if rapid.IntRange(0, 3).Draw(t, "damage") == 0 && len(all) > 0 {
			all = slices.Clone(all)
			i := rapid.IntRange(0, len(all)-1).Draw(t, "damaged event")
			all[i].Before += "x"
			_, wantErr := start.Replay(all)
			b := builderOf(spec, rev)
			n, err := b.Replay(all)
			if wantErr == nil || err == nil || err.Error() != wantErr.Error() || !errors.Is(err, account.ErrMismatch) {
				t.Fatalf("Builder.Replay: %v; Account.Replay: %v; want the same ErrMismatch", err, wantErr)
			}
			// The events before the damaged one apply; it does not.
			if _, err := start.Replay(all[:n]); err != nil || n > i {
				t.Fatalf("Replay applied %d events, the damaged one is events[%d]; replaying those %d: %v", n, i, n, err)
			}
			if n < i {
				if _, err := start.Replay(all[:n+1]); err == nil {
					t.Fatalf("Replay stopped after %d events, but events[%d] applies", n, n)
				}
			}
			if a, err2 := b.Account(); a != nil || err2 == nil {
				t.Fatalf("Account after a failed Replay = %v, %v; want an error", a, err2)
			}
			return
		}

		b := builderOf(spec, rev)
		for len(updates) > 0 {
			n := rapid.IntRange(0, len(updates)).Draw(t, "updates in a batch")
			var batch []account.Event
			for _, u := range updates[:n] {
				batch = append(batch, u...)
			}
			updates = updates[n:]
			if n, err := b.Replay(batch); err != nil || n != len(batch) {
				t.Fatalf("Builder.Replay = %d, %v; want %d, nil", n, err, len(batch))
			}
		}
		got, err := b.Account()
		if err != nil {
			t.Fatal(err)
		}
		want := s.Load()
		if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
			t.Fatalf("replayed on a Builder (-committed +replayed):\n%s", diff)
		}
		if got.Revision() != want.Revision() {
			t.Fatalf("revision %d, want %d", got.Revision(), want.Revision())
		}
		// The account published is the Builder's no more: nothing the
		// Builder is asked afterwards changes it.
		b.AddMember("late", permission.Admin)
		if _, err := b.Replay(all); err == nil {
			t.Fatal("Replay after Account succeeded")
		}
		if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
			t.Fatalf("the account changed after Account returned it (-committed +now):\n%s", diff)
		}
	})
}

// TestBuilderMisuse: calls out of order are errors that Account reports,
// never panics nor half-built accounts.
func TestBuilderMisuse(t *testing.T) {
	valid := func() *account.Builder {
		b := account.NewBuilder("acme")
		b.AddMember("ann", Manage)
		return b
	}
	cases := []struct {
		name     string
		do       func(b *account.Builder) error
		wantPath string // "" for an error that is not a *PathError
	}{
		{"zero Builder", func(*account.Builder) error { var b account.Builder; _, err := b.Account(); return err }, "name"},
		{"nil *Builder", func(*account.Builder) error {
			var b *account.Builder
			b.Grow(1, 1)
			b.SetRevision(1)
			b.AddMember("ann", Manage)
			b.AddTeam("web", false)
			b.AddTeamMember("ann", account.RoleAdmin)
			b.SetIdentityProvider(account.IdentityProvider{})
			if err := b.Check(); !errors.Is(err, account.ErrInvalid) {
				return fmt.Errorf("Check: %v", err)
			}
			if _, err := b.Replay(nil); !errors.Is(err, account.ErrInvalid) {
				return fmt.Errorf("Replay: %v", err)
			}
			a, err := b.Account()
			if a != nil {
				return fmt.Errorf("Account = %v", a)
			}
			return err
		}, ""},
		{"team member before any team", func(b *account.Builder) error {
			b.AddTeamMember("ann", account.RoleAdmin)
			_, err := b.Account()
			return err
		}, "teams"},
		{"member after Check", func(b *account.Builder) error {
			if err := b.Check(); err != nil {
				return nil
			}
			b.AddMember("ben", View)
			_, err := b.Account()
			return err
		}, ""},
		{"team after Replay", func(b *account.Builder) error {
			if _, err := b.Replay(nil); err != nil {
				return nil
			}
			b.AddTeam("web", false)
			_, err := b.Replay(nil)
			return err
		}, ""},
		{"Account twice", func(b *account.Builder) error {
			if _, err := b.Account(); err != nil {
				return nil
			}
			_, err := b.Account()
			return err
		}, ""},
		{"revision after Check", func(b *account.Builder) error {
			if err := b.Check(); err != nil {
				return nil
			}
			b.SetRevision(7)
			_, err := b.Account()
			return err
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do(valid())
			if !errors.Is(err, account.ErrInvalid) {
				t.Fatalf("error %v, want one wrapping ErrInvalid", err)
			}
			var pe *account.PathError
			if errors.As(err, &pe) != (tc.wantPath != "") || (pe != nil && pe.Path != tc.wantPath) {
				t.Fatalf("error %v, want a *PathError at %q: %t", err, tc.wantPath, tc.wantPath != "")
			}
		})
	}
}

// TestBuilderRevision: the account has the revision set, or that of the
// last event replayed.
func TestBuilderRevision(t *testing.T) {
	b := account.NewBuilder("acme")
	b.SetRevision(41)
	b.AddMember("ann", Manage)
	if _, err := b.Replay([]account.Event{{Revision: 42, Actor: "ann", Op: account.OpAddMember, User: "ben", After: "view"}}); err != nil {
		t.Fatal(err)
	}
	a, err := b.Account()
	if err != nil {
		t.Fatal(err)
	}
	if a.Revision() != 42 || !a.IsMember("ben") {
		t.Fatalf("revision %d, ben a member: %t; want 42, true", a.Revision(), a.IsMember("ben"))
	}
	b = account.NewBuilder("acme")
	b.SetRevision(41)
	b.AddMember("ann", Manage)
	if _, err := b.Replay([]account.Event{{Revision: 41, Actor: "ann", Op: account.OpAddMember, User: "ben", After: "view"}}); !errors.Is(err, account.ErrMismatch) {
		t.Fatalf("an event of the Builder's own revision: %v, want ErrMismatch", err)
	}
}
