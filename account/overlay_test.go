package account_test

import (
	"fmt"
	"maps"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
	"pgregory.net/rapid"
)

// TestOverlayLarge grows overlays of up to a few hundred entries, with and
// without compaction, and checks every user, in the overlay or not, member
// or not, against a plain map.
func TestOverlayLarge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 300).Draw(t, "members")
		spec := account.Spec{Name: "big"}
		want := map[string]permission.Set{}
		for i := range n {
			p := permission.Set(rapid.IntRange(0, 15).Draw(t, "perms")) | permission.View
			if i == 0 {
				p = permission.Admin
			}
			u := userName(i)
			spec.Members = append(spec.Members, account.Member{User: u, Permissions: p})
			want[u] = p
		}
		s := account.NewStore(mustNew(t, spec))
		account.SetCompactAt(s, rapid.IntRange(1, 400).Draw(t, "compact at"))
		changes := rapid.IntRange(1, 300).Draw(t, "changes")
		for range changes {
			u := userName(rapid.IntRange(1, 2*n).Draw(t, "user"))
			_, isMember := want[u]
			p := permission.Set(rapid.IntRange(0, 15).Draw(t, "new perms")) &^ permission.Manage
			_, err := s.Update(func(tx *account.Tx) error {
				switch {
				case !isMember:
					return tx.AddMember(userName(0), u, p)
				case rapid.Bool().Draw(t, "remove"):
					return tx.RemoveMember(userName(0), u)
				}
				return tx.SetPermissions(userName(0), u, p)
			})
			if err != nil {
				t.Fatalf("update of %q: %v", u, err)
			}
			switch _, still := s.Load().Permissions(u); {
			case still:
				want[u] = p | permission.View
			default:
				delete(want, u)
			}
		}
		a := s.Load()
		got := maps.Collect(a.Members())
		if len(got) != len(want) || a.NumMembers() != len(want) {
			t.Fatalf("%d members, NumMembers %d, want %d", len(got), a.NumMembers(), len(want))
		}
		for i := range 2*n + 1 {
			u := userName(i)
			if got, ok := a.Permissions(u); got != want[u] || ok != (want[u] != 0) {
				t.Fatalf("Permissions(%q) = %v, %v; want %v", u, got, ok, want[u])
			}
			if got[u] != want[u] {
				t.Fatalf("Members()[%q] = %v, want %v", u, got[u], want[u])
			}
			for _, act := range permission.Actions() {
				if a.Can(u, act) != permission.Allows(want[u], act) {
					t.Fatalf("Can(%q, %v) = %v with %v", u, act, a.Can(u, act), want[u])
				}
			}
		}
	})
}

// userName returns the i-th user of TestOverlayLarge: short names, and every
// third one longer than the 24 bytes an account keeps inline, with lengths
// around that boundary.
func userName(i int) string {
	switch i % 6 {
	case 1:
		return fmt.Sprintf("exactly-24-bytes-%07d", i) // 24 bytes
	case 3:
		return fmt.Sprintf("twenty-five-bytes-%07d", i) // 25 bytes
	case 5:
		return fmt.Sprintf("a.much.longer.user.name.%d@example.com", i)
	}
	return fmt.Sprint("u", i)
}
