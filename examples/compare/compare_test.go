package compare_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/compare/engines"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// outside are actions outside the table: the zero Action, the first value
// after the table, and the largest.
var outside = []permission.Action{0, 8, 9, 128, 255}

// probeActions are the actions every test asks about: the seven of the
// table and the ones outside it.
func probeActions() []permission.Action {
	return append(permission.Actions(), outside...)
}

// slowAllows is the permission table typed out by row name, independent of
// permission.AllowedBy: the reference every engine must agree with.
func slowAllows(s permission.Set, act permission.Action) bool {
	switch act.String() {
	case "view-teams", "view-access":
		return s&(permission.View|permission.Billing|permission.Manage|permission.Create) != 0
	case "manage-teams", "manage-users", "view-settings":
		return s&permission.Manage != 0
	case "view-usage":
		return s&permission.Billing != 0
	case "create-teams":
		return s&permission.Create != 0
	}
	return false
}

// tb is what the helpers need of a *testing.T, *testing.B or *rapid.T.
type tb interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// built holds one account and the four encodings of it.
type built struct {
	canon    account.Spec               // the Account's canonical Spec, View added
	checkers map[string]engines.Checker // by engine name
}

// build validates spec with account.New, then builds entaccess from spec
// and the peers from the canonical Spec, so that all four see the same
// permission sets.
func build(t tb, spec account.Spec) built {
	t.Helper()
	acct, err := account.New(spec)
	if err != nil {
		t.Fatalf("account.New: %v", err)
	}
	b := built{canon: acct.Spec(), checkers: map[string]engines.Checker{}}
	for _, e := range engines.All() {
		in := b.canon
		if e.Name == "entaccess" {
			in = spec // entaccess normalises its own input
		}
		c, err := e.New(in)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		b.checkers[e.Name] = c
	}
	return b
}

// decisions asks c about every user × action and returns the answers keyed
// by `"user" action`, the form cmp.Diff prints readably.
func decisions(c engines.Checker, users []string, acts []permission.Action) map[string]bool {
	got := make(map[string]bool, len(users)*len(acts))
	for _, u := range users {
		for _, a := range acts {
			got[fmt.Sprintf("%q %s", u, a)] = c.Can(u, a)
		}
	}
	return got
}

// want returns the reference decisions for canon: members hold exactly
// their canonical sets, everyone else nothing.
func want(canon account.Spec, users []string, acts []permission.Action) map[string]bool {
	held := make(map[string]permission.Set, len(canon.Members))
	for _, m := range canon.Members {
		held[m.User] = m.Permissions
	}
	w := make(map[string]bool, len(users)*len(acts))
	for _, u := range users {
		for _, a := range acts {
			w[fmt.Sprintf("%q %s", u, a)] = slowAllows(held[u], a)
		}
	}
	return w
}

// agree checks that every engine of b answers like the reference.
func agree(t tb, b built, users []string) {
	t.Helper()
	acts := probeActions()
	w := want(b.canon, users, acts)
	for _, e := range engines.All() {
		if diff := cmp.Diff(w, decisions(b.checkers[e.Name], users, acts)); diff != "" {
			t.Errorf("%s disagrees with the table (-want +got):\n%s", e.Name, diff)
		}
	}
}

// TestEverySetAndAction enumerates the finite domain: one member per
// permission set (16, of which entaccess makes 8 distinct by adding View),
// plus non-members, against every action value 0..255.
func TestEverySetAndAction(t *testing.T) {
	spec := account.Spec{Name: "acme"}
	var users []string
	for s := range permission.Admin + 1 {
		u := fmt.Sprintf("set-%d", s)
		spec.Members = append(spec.Members, account.Member{User: u, Permissions: s})
		users = append(users, u)
	}
	users = append(users, "", "nobody", "SET-15", "set-15 ")
	b := build(t, spec)

	var acts []permission.Action
	for a := range 256 {
		acts = append(acts, permission.Action(a))
	}
	w := want(b.canon, users, acts)
	for _, e := range engines.All() {
		if diff := cmp.Diff(w, decisions(b.checkers[e.Name], users, acts)); diff != "" {
			t.Errorf("%s disagrees with the table (-want +got):\n%s", e.Name, diff)
		}
	}
}

// TestTrickyNames uses user names that collide with the peers' own
// vocabulary: casbin role names, Cedar entity syntax, Rego and JSON
// punctuation. None of them may grant anything to a non-member.
func TestTrickyNames(t *testing.T) {
	tricky := []string{
		"view", "manage", "permission:manage", "user:", "user:boss",
		`Permission::"manage"`, `"`, `\`, "a,b", "*", "", " ", "boss\x00",
		"data.account.members", "input.user", "é", "\u202e",
	}
	spec := account.Spec{Name: `Acme "Inc", Ltd`, Members: []account.Member{
		{User: "boss", Permissions: permission.Manage},
		{User: "permission:view", Permissions: permission.Billing},
		{User: "user:alice", Permissions: permission.Create},
		{User: `Permission::"billing"`, Permissions: 0},
		{User: "*", Permissions: 0},
		{User: "a,b", Permissions: permission.Manage},
	}}
	b := build(t, spec)
	agree(t, b, append(tricky, "boss", "permission:view", "user:alice", `Permission::"billing"`))
}

// members draws an account's members: distinct users, random permission
// sets (bits within the table), at least one holding Manage.
func members(t *rapid.T) []account.Member {
	user := rapid.OneOf(
		rapid.SampledFrom([]string{"alice", "bob", "carol", "Alice", "view", "manage", "user:bob", "permission:manage", "a,b"}),
		validName(rapid.StringN(1, 8, -1)),
	)
	member := rapid.Custom(func(t *rapid.T) account.Member {
		return account.Member{
			User:        user.Draw(t, "user"),
			Permissions: permission.Set(rapid.IntRange(0, int(permission.Admin)).Draw(t, "permissions")),
		}
	})
	ms := rapid.SliceOfNDistinct(member, 1, 12, func(m account.Member) string { return m.User }).Draw(t, "members")
	if !hasManager(ms) {
		i := rapid.IntRange(0, len(ms)-1).Draw(t, "manager")
		ms[i].Permissions |= permission.Manage
	}
	return ms
}

// validName keeps the drawn strings that entaccess accepts as names (valid
// UTF-8, no white space at either end, no control characters, invisible
// format characters, private-use characters or noncharacters), so that the
// peers are compared on accounts that exist.
func validName(g *rapid.Generator[string]) *rapid.Generator[string] {
	return g.Filter(func(s string) bool { return names.Check(s) == nil })
}

func hasManager(ms []account.Member) bool {
	for _, m := range ms {
		if m.Permissions.Has(permission.Manage) {
			return true
		}
	}
	return false
}

// teams draws up to three teams, each with an admin who is an account
// member, whose members are drawn from the account's members and from
// outsiders, who can only be collaborators.
func teams(t *rapid.T, ms []account.Member) []account.Team {
	pool := []string{"outsider", "contractor"}
	member := map[string]bool{}
	for _, m := range ms {
		pool = append(pool, m.User)
		member[m.User] = true
	}
	tm := rapid.Custom(func(t *rapid.T) account.TeamMember {
		return account.TeamMember{
			User: rapid.SampledFrom(pool).Draw(t, "user"),
			Role: account.Role(rapid.IntRange(int(account.RoleAdmin), int(account.RoleCollaborator)).Draw(t, "role")),
		}
	})
	team := rapid.Custom(func(t *rapid.T) account.Team {
		members := rapid.SliceOfNDistinct(tm, 1, 5, func(m account.TeamMember) string { return m.User }).Draw(t, "members")
		for i, m := range members {
			if !member[m.User] {
				members[i].Role = account.RoleCollaborator
			}
		}
		admin := rapid.SampledFrom(ms).Draw(t, "admin").User
		if i := slices.IndexFunc(members, func(m account.TeamMember) bool { return m.User == admin }); i >= 0 {
			members[i].Role = account.RoleAdmin
		} else {
			members = append(members, account.TeamMember{User: admin, Role: account.RoleAdmin})
		}
		return account.Team{
			Name:     rapid.StringMatching(`[a-z]{1,6}`).Draw(t, "name"),
			Licensed: rapid.Bool().Draw(t, "licensed"),
			Members:  members,
		}
	})
	return rapid.SliceOfNDistinct(team, 0, 3, func(t account.Team) string { return t.Name }).Draw(t, "teams")
}

// TestEnginesAgree is the differential test: on generated accounts, all
// four encodings give the table's answer for every member, team-only user,
// unknown user and the empty user, and every action in and outside the
// table.
func TestEnginesAgree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ms := members(t)
		spec := account.Spec{Name: validName(rapid.StringN(1, 10, -1)).Draw(t, "name"), Members: ms, Teams: teams(t, ms)}
		b := build(t, spec)

		users := []string{"", "nobody"}
		for _, m := range b.canon.Members {
			users = append(users, m.User, strings.ToUpper(m.User), m.User+" ")
		}
		for _, team := range b.canon.Teams {
			for _, m := range team.Members {
				users = append(users, m.User)
			}
		}
		users = append(users, rapid.SliceOfN(rapid.String(), 0, 3).Draw(t, "strangers")...)
		agree(t, b, users)
	})
}

// TestConcurrentChecks runs checks from several goroutines at once on each
// encoding, for the race detector: a Checker is documented as safe for
// concurrent use.
func TestConcurrentChecks(t *testing.T) {
	spec := account.Spec{Name: "acme", Members: []account.Member{
		{User: "alice", Permissions: permission.Admin},
		{User: "bob", Permissions: permission.Billing},
		{User: "carol", Permissions: 0},
	}}
	b := build(t, spec)
	users := []string{"alice", "bob", "carol", "dave", ""}
	w := want(b.canon, users, probeActions())
	for _, e := range engines.All() {
		var wg sync.WaitGroup
		got := make([]map[string]bool, 4)
		for i := range got {
			wg.Go(func() { got[i] = decisions(b.checkers[e.Name], users, probeActions()) })
		}
		wg.Wait()
		for i, g := range got {
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("%s, goroutine %d (-want +got):\n%s", e.Name, i, diff)
			}
		}
	}
}
