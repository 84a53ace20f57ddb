package accounttest_test

import (
	"errors"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// draws is how many values the distribution tests draw, with seeds
// 0..draws-1, so that their counts are the same on every run.
const draws = 600

// TestSpecValid: New accepts every generated spec, and the account keeps
// every invariant.
func TestSpecValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec := accounttest.Spec().Draw(t, "spec")
		a, err := account.New(spec)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		accounttest.CheckInvariants(t, a)
	})
}

// TestSpecDistribution: the shapes the generator promises occur often.
func TestSpecDistribution(t *testing.T) {
	counts := map[string]int{}
	gen := accounttest.Spec()
	for seed := range draws {
		spec := gen.Example(seed)
		members := map[string]bool{}
		managers := 0
		for _, m := range spec.Members {
			members[m.User] = true
			counts[fmt.Sprintf("set {%s}", m.Permissions)]++
			if m.Permissions.Has(permission.Manage) {
				managers++
			}
		}
		seen := map[string]bool{}
		note := func(k string) {
			if !seen[k] {
				seen[k] = true
				counts[k]++
			}
		}
		switch {
		case managers == 1:
			note("one manager")
		case managers > 1:
			note("several managers")
		}
		if len(spec.Teams) == 0 {
			note("no teams")
		}
		teamsOf := map[string]int{}
		for _, tm := range spec.Teams {
			admins := 0
			for _, m := range tm.Members {
				note("role " + m.Role.String())
				teamsOf[m.User]++
				if m.Role == account.RoleAdmin {
					admins++
				}
				switch {
				case m.Role == account.RoleCollaborator && members[m.User]:
					note("collaborator who is a member")
				case m.Role == account.RoleCollaborator:
					note("collaborator who is not a member")
				case !members[m.User]:
					note("admin, member or viewer who is not a member") // never: New rejects it
				}
			}
			if admins > 1 {
				note("team with several admins")
			}
		}
		for u, n := range teamsOf {
			if n > 1 && members[u] {
				note("member in several teams")
			}
		}
		for u := range members {
			if teamsOf[u] == 0 && len(spec.Teams) > 0 {
				note("member in no team")
			}
		}
	}
	want := map[string]int{ // at least this percentage of specs
		"one manager": 30, "several managers": 30, "no teams": 5,
		"role admin": 50, "role member": 30, "role viewer": 30, "role collaborator": 40,
		"collaborator who is a member": 20, "collaborator who is not a member": 30,
		"team with several admins": 20, "member in several teams": 30, "member in no team": 20,
	}
	for s := range permission.Admin + 1 {
		want[fmt.Sprintf("set {%s}", s)] = 3 // counted per member: several per spec
	}
	if n := counts["admin, member or viewer who is not a member"]; n > 0 {
		t.Errorf("%d specs give a role other than collaborator to a user who is not a member", n)
	}
	for k, pct := range want {
		if got := counts[k] * 100 / draws; got < pct {
			t.Errorf("%s: %d%% of specs, want at least %d%%", k, got, pct)
		}
	}
	t.Logf("%v", counts)
}

// outcome names the result of a step: "ok" or the sentinel it wraps.
func outcome(err error) string {
	switch s := accounttest.Sentinel(err); s {
	case nil:
		return "ok"
	case account.ErrForbidden:
		return "forbidden"
	case account.ErrInvalid:
		return "invalid"
	case account.ErrExists:
		return "exists"
	case account.ErrNotMember:
		return "not-member"
	case account.ErrNoTeam:
		return "no-team"
	case account.ErrLastManager:
		return "last-manager"
	case account.ErrLastTeamAdmin:
		return "last-team-admin"
	case account.ErrNoIdentityProvider:
		return "no-identity-provider"
	default:
		return "other: " + s.Error()
	}
}

// TestOpsDistribution: drawn sequences reach every step with every outcome
// it can have, mostly on users and teams that exist.
func TestOpsDistribution(t *testing.T) {
	possible := map[account.Op][]string{
		account.OpAddMember:      {"ok", "forbidden", "invalid", "exists"},
		account.OpSetPermissions: {"ok", "forbidden", "invalid", "not-member", "last-manager"},
		account.OpRemoveMember:   {"ok", "forbidden", "not-member", "last-manager", "last-team-admin"},
		account.OpCreateTeam:     {"ok", "forbidden", "invalid", "exists"},
		account.OpRenameTeam:     {"ok", "forbidden", "invalid", "exists", "no-team"},
		account.OpDeleteTeam:     {"ok", "forbidden", "no-team"},
		account.OpSetTeamRole:    {"ok", "forbidden", "invalid", "not-member", "no-team", "last-team-admin"},
		account.OpRemoveFromTeam: {"ok", "forbidden", "not-member", "no-team", "last-team-admin"},

		account.OpSetIdentityProvider:    {"ok", "forbidden", "invalid"},
		account.OpRemoveIdentityProvider: {"ok", "forbidden", "no-identity-provider"},
	}
	counts := map[string]int{}
	kinds := map[account.Op]int{}
	total, existing := 0, 0
	specs := accounttest.Spec()
	for seed := range draws / 3 {
		a, err := account.New(specs.Example(seed))
		if err != nil {
			t.Fatal(err)
		}
		ops := accounttest.Ops(a, 10, 10).Example(seed)
		store := account.NewStore(a)
		for _, o := range ops {
			before := store.Load()
			if _, ok := before.Team(o.Team); ok || before.IsMember(o.User) {
				existing++
			}
			_, err := store.Update(o.Apply)
			k := outcome(err)
			if !slices.Contains(possible[o.Kind], k) {
				t.Errorf("%v: unexpected outcome %s: %v", o, k, err)
			}
			counts[o.Kind.String()+" "+k]++
			kinds[o.Kind]++
			total++
		}
	}
	for _, k := range accounttest.Kinds() {
		if kinds[k]*100/total < 6 {
			t.Errorf("%s: %d of %d steps, want about one in ten", k, kinds[k], total)
		}
		for _, o := range possible[k] {
			// Every outcome at least twice in a hundred steps of its kind,
			// success and refusal far more often.
			min := kinds[k] / 50
			if o == "ok" || o == "forbidden" {
				min = kinds[k] / 6
			}
			if got := counts[k.String()+" "+o]; got < min {
				t.Errorf("%s %s: %d of %d steps, want at least %d", k, o, got, kinds[k], min)
			}
		}
	}
	if existing*2 < total {
		t.Errorf("%d of %d steps concern an existing member or team, want at least half", existing, total)
	}
	t.Logf("%d steps: %v", total, counts)
}

// TestOpsKeepInvariants: whatever the steps, applied one update each or all
// in one update, every published account keeps the invariants, a failed
// update publishes nothing, and a committed one publishes what its steps
// did.
func TestOpsKeepInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, err := account.New(accounttest.Spec().Draw(t, "spec"))
		if err != nil {
			t.Fatal(err)
		}
		ops := accounttest.Ops(a, 1, 12).Draw(t, "ops")
		store := account.NewStore(a)
		for _, o := range ops {
			before := store.Load()
			got, err := store.Update(o.Apply)
			if err != nil {
				if got != nil || store.Load() != before {
					t.Fatalf("%v failed (%v) but published a snapshot", o, err)
				}
				continue
			}
			if got != store.Load() || got.Revision() != before.Revision()+1 {
				t.Fatalf("%v: Update returned revision %d, published %d, before %d", o, got.Revision(), store.Load().Revision(), before.Revision())
			}
			accounttest.CheckInvariants(t, got)
		}
		// All in one update: all or nothing.
		before := store.Load()
		_, err = store.Update(func(tx *account.Tx) error {
			for _, o := range ops {
				if err := o.Apply(tx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil && store.Load() != before {
			t.Fatalf("a failed update (%v) published a snapshot", err)
		}
		accounttest.CheckInvariants(t, store.Load())
	})
}

// TestApplyEach: ApplyEach gives the same errors and final state as
// applying each step in its own update by hand.
func TestApplyEach(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a, err := account.New(accounttest.Spec().Draw(t, "spec"))
		if err != nil {
			t.Fatal(err)
		}
		ops := accounttest.Ops(a, 0, 8).Draw(t, "ops")
		s1, s2 := account.NewStore(a), account.NewStore(a)
		errs := accounttest.ApplyEach(s1, ops)
		if len(errs) != len(ops) {
			t.Fatalf("%d errors for %d steps", len(errs), len(ops))
		}
		for i, o := range ops {
			_, err := s2.Update(o.Apply)
			if (err == nil) != (errs[i] == nil) || err != nil && err.Error() != errs[i].Error() {
				t.Fatalf("%v: ApplyEach error %v, by hand %v", o, errs[i], err)
			}
		}
		if !equal(s1.Load().Spec(), s2.Load().Spec()) {
			t.Fatalf("final states differ")
		}
	})
}

// TestOpsOnNil: a nil account stands for one with no members or teams, on
// which every step is refused.
func TestOpsOnNil(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ops := accounttest.Ops(nil, 1, 5).Draw(t, "ops")
		for i, err := range accounttest.ApplyEach(account.NewStore(nil), ops) {
			if !errors.Is(err, account.ErrForbidden) {
				t.Fatalf("%v on no account: %v, want forbidden", ops[i], err)
			}
		}
	})
}

func equal(x, y account.Spec) bool { return cmp.Equal(x, y) }

func TestOpString(t *testing.T) {
	for _, tc := range []struct {
		name string
		op   accounttest.Op
		want string
	}{
		{"add", accounttest.Op{Kind: account.OpAddMember, Actor: "ann", User: "ben", Perms: permission.View | permission.Billing}, `add-member(actor="ann", user="ben", perms={view,billing})`},
		{"set empty", accounttest.Op{Kind: account.OpSetPermissions, Actor: "ann", User: "ben"}, `set-permissions(actor="ann", user="ben", perms={})`},
		{"set bad bits", accounttest.Op{Kind: account.OpSetPermissions, Actor: "ann", User: "ben", Perms: 0x11}, `set-permissions(actor="ann", user="ben", perms={view,set(0x10)})`},
		{"remove", accounttest.Op{Kind: account.OpRemoveMember, Actor: "", User: "ben"}, `remove-member(actor="", user="ben")`},
		{"create", accounttest.Op{Kind: account.OpCreateTeam, Actor: "ann", Team: "web"}, `create-team(actor="ann", team="web")`},
		{"rename", accounttest.Op{Kind: account.OpRenameTeam, Actor: "ann", Team: "web", To: "ops"}, `rename-team(actor="ann", team="web", to="ops")`},
		{"delete", accounttest.Op{Kind: account.OpDeleteTeam, Actor: "ann", Team: "web"}, `delete-team(actor="ann", team="web")`},
		{"role", accounttest.Op{Kind: account.OpSetTeamRole, Actor: "ann", Team: "web", User: "ben", Role: account.RoleViewer}, `set-team-role(actor="ann", team="web", user="ben", role=viewer)`},
		{"bad role", accounttest.Op{Kind: account.OpSetTeamRole, Actor: "ann", Team: "web", User: "ben"}, `set-team-role(actor="ann", team="web", user="ben", role=role(0))`},
		{"unrole", accounttest.Op{Kind: account.OpRemoveFromTeam, Actor: "ann", Team: "web", User: "ben"}, `remove-from-team(actor="ann", team="web", user="ben")`},
		{"no kind", accounttest.Op{Actor: "ann"}, `op(0)(actor="ann", team="", to="", user="", perms={}, role=role(0))`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.op.String(); got != tc.want {
				t.Errorf("String() = %s\nwant        %s", got, tc.want)
			}
		})
	}
}

// TestOpApply: each kind calls its own Tx method with its own arguments,
// seen through the events of the committed update.
func TestOpApply(t *testing.T) {
	spec := account.Spec{Name: "acme",
		Members: []account.Member{{User: "ann", Permissions: permission.Admin}, {User: "ben", Permissions: permission.View}},
		Teams:   []account.Team{{Name: "web", Members: []account.TeamMember{{User: "ann", Role: account.RoleAdmin}}}}}
	ops := []accounttest.Op{
		{Kind: account.OpAddMember, Actor: "ann", User: "cat", Perms: permission.Billing},
		{Kind: account.OpSetPermissions, Actor: "ann", User: "cat", Perms: permission.Create},
		{Kind: account.OpCreateTeam, Actor: "ann", Team: "ops"},
		{Kind: account.OpRenameTeam, Actor: "ann", Team: "ops", To: "api"},
		{Kind: account.OpSetTeamRole, Actor: "ann", Team: "api", User: "cat", Role: account.RoleMember},
		{Kind: account.OpRemoveFromTeam, Actor: "ann", Team: "api", User: "cat"},
		{Kind: account.OpDeleteTeam, Actor: "ann", Team: "api"},
		{Kind: account.OpRemoveMember, Actor: "ann", User: "cat"},
	}
	want := []string{
		"add-member  cat  view,billing", "set-permissions  cat view,billing view,create",
		"create-team ops ann  ops", "rename-team ops  ops api", "set-team-role api cat  member",
		"remove-from-team api cat member ", "delete-team api  api ", "remove-member  cat view,create ",
	}
	a, err := account.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	store := account.NewStore(a)
	var got []string
	store.SetObserver(func(evs []account.Event) {
		for _, e := range evs {
			got = append(got, strings.Join([]string{e.Op.String(), e.Team, e.User, e.Before, e.After}, " "))
		}
	})
	for i, err := range accounttest.ApplyEach(store, ops) {
		if err != nil {
			t.Errorf("%v: %v", ops[i], err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("events:\n%q\nwant\n%q", got, want)
	}
	_, err = store.Update(accounttest.Op{Actor: "ann"}.Apply)
	if !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), "op(0)") {
		t.Errorf("Apply of no kind: %v, want an invalid error naming op(0)", err)
	}
}

func TestSentinel(t *testing.T) {
	other := errors.New("other")
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"nil", nil, nil},
		{"other", other, other},
		{"forbidden", &account.ForbiddenError{Actor: "x"}, account.ErrForbidden},
		{"wrapped", fmt.Errorf("x: %w", account.ErrNoTeam), account.ErrNoTeam},
		{"last manager over invalid", fmt.Errorf("%w (%w)", account.ErrInvalid, account.ErrLastManager), account.ErrLastManager},
		{"last team admin", account.ErrLastTeamAdmin, account.ErrLastTeamAdmin},
		{"not member", account.ErrNotMember, account.ErrNotMember},
		{"exists", account.ErrExists, account.ErrExists},
		{"invalid", &account.PathError{Path: "name", Err: account.ErrInvalid}, account.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := accounttest.Sentinel(tc.err); got != tc.want {
				t.Errorf("Sentinel(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
