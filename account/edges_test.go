package account_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
)

// TestIteratorsStop checks that Members and Teams stop when the loop body
// breaks, on snapshots with and without an overlay.
func TestIteratorsStop(t *testing.T) {
	s := account.NewStore(mustNew(t, exampleSpec()))
	account.SetCompactAt(s, 100) // keep the overlay
	for _, a := range []*account.Account{s.Load(), update(t, s, func(tx *account.Tx) error {
		if err := tx.AddMember("alice", "aaron", 0); err != nil {
			return err
		}
		if err := tx.RemoveMember("alice", "bob"); err != nil {
			return err
		}
		return tx.CreateTeam("alice", "aaa")
	})} {
		var users []string
		for u := range a.Members() {
			users = append(users, u)
			if len(users) == 2 {
				break
			}
		}
		all := slices.Collect(func(yield func(string) bool) {
			for u := range a.Members() {
				if !yield(u) {
					return
				}
			}
		})
		if !slices.Equal(users, all[:2]) {
			t.Errorf("revision %d: first two members %q, all %q", a.Revision(), users, all)
		}
		var teams []string
		for tm := range a.Teams() {
			teams = append(teams, tm.Name)
			break
		}
		var names []string
		for _, tm := range a.Spec().Teams {
			names = append(names, tm.Name)
		}
		if len(teams) != 1 || teams[0] != names[0] {
			t.Errorf("revision %d: first team %q, all %q", a.Revision(), teams, names)
		}
	}
}

func update(t *testing.T, s *account.Store, fn func(*account.Tx) error) *account.Account {
	t.Helper()
	a, err := s.Update(fn)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestLongJSONStringsAreShortenedInErrors checks that an error quoting a
// bad JSON string shows its start, escaped, and cuts the rest.
func TestLongJSONStringsAreShortenedInErrors(t *testing.T) {
	long := strings.Repeat("x", 100) + "\xff"
	_, err := account.ParseJSON([]byte(`{"name":"` + long + `"}`))
	if err == nil || !strings.Contains(err.Error(), `"`+strings.Repeat("x", 64)+`"…: not valid UTF-8`) {
		t.Errorf("error %v: want the first 64 bytes quoted", err)
	}
	_, err = account.ParseJSON([]byte(`{"name":"` + strings.Repeat("x", 63) + "\xff" + `"}`))
	if err == nil || !strings.Contains(err.Error(), `"`+strings.Repeat("x", 63)+`\xff": not valid UTF-8`) {
		t.Errorf("error %v: want all 64 bytes quoted", err)
	}
}

// TestCloneIsDeep changes every part of clones of a Spec and a Team: the
// originals keep their values, and nil and empty slices keep their form.
func TestCloneIsDeep(t *testing.T) {
	orig := exampleSpec()
	orig.Teams = append(orig.Teams, account.Team{Name: "empty", Members: []account.TeamMember{}}, account.Team{Name: "nil"})
	want := exampleSpec()
	want.Teams = append(want.Teams, account.Team{Name: "empty", Members: []account.TeamMember{}}, account.Team{Name: "nil"})

	c := orig.Clone()
	if diff := cmp.Diff(orig, c); diff != "" {
		t.Fatalf("Clone differs (-orig +clone):\n%s", diff)
	}
	if c.Teams[2].Members == nil || c.Teams[3].Members != nil {
		t.Errorf("Clone changed an empty or nil member list: %#v, %#v", c.Teams[2].Members, c.Teams[3].Members)
	}
	c.Name = "x"
	c.Members[0].User = "x"
	c.Teams[0].Name = "x"
	c.Teams[0].Members[0].Role = account.RoleCollaborator
	tc := orig.Teams[1].Clone()
	tc.Members[0].User = "x"
	if diff := cmp.Diff(want, orig); diff != "" {
		t.Errorf("changing clones changed the original (-want +got):\n%s", diff)
	}
	if (account.Spec{}).Clone().Members != nil || (account.Spec{Members: []account.Member{}}).Clone().Members == nil {
		t.Error("Spec.Clone changed a nil or empty member list")
	}
}
