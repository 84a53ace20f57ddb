package account_test

import (
	"slices"
	"testing"

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
