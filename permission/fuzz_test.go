package permission_test

import (
	"encoding/json"
	"testing"

	"github.com/entaccess/entaccess/permission"
)

func FuzzParseSet(f *testing.F) {
	for _, s := range []string{"", "view", "view,billing,manage,create", "create,view", "view,view", "set(0x10)", ",", "admin"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := permission.ParseSet(in)
		if err != nil {
			if s != 0 {
				t.Fatalf("ParseSet(%q) failed but returned %v", in, s)
			}
			return
		}
		if !s.Valid() {
			t.Fatalf("ParseSet(%q) = %#x, outside the table", in, uint8(s))
		}
		canon := s.String()
		again, err := permission.ParseSet(canon)
		if err != nil || again != s {
			t.Fatalf("ParseSet(%q) = %v, but ParseSet(%q) = %v, %v", in, s, canon, again, err)
		}
		if len(canon) > len(in) {
			t.Fatalf("canonical form %q is longer than accepted input %q", canon, in)
		}
	})
}

func FuzzParseAction(f *testing.F) {
	for _, a := range permission.Actions() {
		f.Add(a.String())
	}
	f.Add("action(0)")
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		a, err := permission.ParseAction(in)
		if err != nil {
			return
		}
		if !a.Valid() || a.String() != in {
			t.Fatalf("ParseAction(%q) = %v (valid %v): not the exact inverse of String", in, a, a.Valid())
		}
	})
}

func FuzzSetJSON(f *testing.F) {
	for _, s := range []string{`[]`, `["view"]`, `["create","view"]`, `["view","view"]`, `null`, `[1]`, `"view"`, `["manage" , "billing"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var s permission.Set
		if err := json.Unmarshal(in, &s); err != nil {
			if s != 0 {
				t.Fatalf("failed Unmarshal(%q) changed the set to %v", in, s)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("Marshal(%v) after Unmarshal(%q): %v", s, in, err)
		}
		var back permission.Set
		if err := json.Unmarshal(out, &back); err != nil || back != s {
			t.Fatalf("round trip of %q: %s -> %v, %v; want %v", in, out, back, err, s)
		}
		if text, _ := s.MarshalText(); string(text) != s.String() {
			t.Fatalf("MarshalText %q != String %q", text, s.String())
		}
	})
}
