package account_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
)

// FuzzParseJSON feeds arbitrary bytes through strict JSON decoding and New.
// It never panics; every rejection is a *PathError wrapping ErrInvalid; and
// every accepted account round-trips through its JSON to the same Spec, and
// its checks agree with its Spec.
func FuzzParseJSON(f *testing.F) {
	good, err := json.Marshal(mustNew(f, exampleSpec()))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"name":"a","members":[{"user":"u","permissions":["manage"]}]}`))
	f.Add([]byte(`{"name":"a","members":[{"user":"u","permissions":["manage"]}],"teams":[{"name":"t","licensed":true,"members":[{"user":"v","role":"admin"}]}]}`))
	f.Add([]byte(`{"name":"a","members":[{"user":"u","permissions":["manage","manage"]}]}`))
	f.Add([]byte(`{"name":"","members":null,"teams":null}`))
	f.Add([]byte(`{"name":"a","extra":1}`))
	f.Add([]byte(`[1,2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := account.ParseJSON(data)
		if err != nil {
			var pe *account.PathError
			if !errors.Is(err, account.ErrInvalid) || !errors.As(err, &pe) {
				t.Fatalf("ParseJSON(%q): error %v is not a *PathError wrapping ErrInvalid", data, err)
			}
			return
		}
		spec := a.Spec()
		out, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("Marshal of an accepted account: %v", err)
		}
		b, err := account.ParseJSON(out)
		if err != nil {
			t.Fatalf("ParseJSON(%s) of a marshalled account: %v", out, err)
		}
		if diff := cmp.Diff(spec, b.Spec()); diff != "" {
			t.Fatalf("round trip (-want +got):\n%s", diff)
		}
		for _, m := range spec.Members {
			for _, act := range []uint8{0, 1, 3, 6, 7, 8} {
				d := a.Explain(m.User, permission.Action(act))
				if d.Allowed != a.Can(m.User, d.Action) || !d.Member || d.Holds != m.Permissions {
					t.Fatalf("Explain(%q, %v) = %+v disagrees with Can or Spec", m.User, d.Action, d)
				}
			}
		}
		for _, tm := range spec.Teams {
			for _, m := range tm.Members {
				want := a.IsMember(m.User) && m.Role.Sees()
				if got := a.CanViewTeam(m.User, tm.Name); got != want {
					t.Fatalf("CanViewTeam(%q, %q) = %v, want %v", m.User, tm.Name, got, want)
				}
			}
		}
	})
}
