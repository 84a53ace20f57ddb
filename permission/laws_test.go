package permission_test

import (
	"testing"

	"github.com/entaccess/entaccess/permission"
	"pgregory.net/rapid"
)

// anySet draws any byte as a Set, bits outside the table included.
var anySet = rapid.Custom(func(t *rapid.T) permission.Set { return permission.Set(rapid.Uint8().Draw(t, "set")) })

// anyAction draws any byte as an Action, out-of-table values included.
var anyAction = rapid.Custom(func(t *rapid.T) permission.Action {
	return permission.Action(rapid.Uint8().Draw(t, "action"))
})

func TestSetLaws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s, u := anySet.Draw(t, "s"), anySet.Draw(t, "u")
		p := rapid.SampledFrom(permission.Permissions()).Draw(t, "p")
		a := anyAction.Draw(t, "a")

		if !(s | p).Has(p) {
			t.Fatalf("(%v | %v).Has(%v) = false", s, p, p)
		}
		if !(s | u).Has(s) || !(s | u).Has(u) || !s.Has(s&u) || !u.Has(s&u) {
			t.Fatalf("union/intersection containment fails for %v, %v", s, u)
		}
		// Monotonicity: adding a permission never removes an allowed action.
		if permission.Allows(s, a) && !permission.Allows(s|p, a) {
			t.Fatalf("adding %v to %v removed %v", p, s, a)
		}
		// A union allows exactly what either part allows.
		if got, want := permission.Allows(s|u, a), permission.Allows(s, a) || permission.Allows(u, a); got != want {
			t.Fatalf("Allows(%v|%v, %v) = %v, want %v", s, u, a, got, want)
		}
		// An intersection allows only what both parts allow.
		if permission.Allows(s&u, a) && !(permission.Allows(s, a) && permission.Allows(u, a)) {
			t.Fatalf("Allows(%v&%v, %v) but not both parts", s, u, a)
		}
		// Removing a permission can only take actions away.
		if permission.Allows(s&^p, a) && !permission.Allows(s, a) {
			t.Fatalf("removing %v from %v added %v", p, s, a)
		}
		// Only table bits matter.
		if permission.Allows(s, a) != permission.Allows(s&permission.Admin, a) {
			t.Fatalf("bits outside the table changed Allows(%v, %v)", s, a)
		}
		// Has agrees with the definition through All.
		want := true
		for q := range u.All() {
			want = want && s&q != 0
		}
		if u.Valid() && s.Has(u) != want {
			t.Fatalf("%v.Has(%v) = %v, want %v", s, u, s.Has(u), want)
		}
	})
}
