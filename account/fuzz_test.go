package account_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
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
	withIDP := exampleSpec()
	idp := accounttest.IdentityProvider("idp.example.com", true)
	withIDP.IdentityProvider = &idp
	good, err = json.Marshal(mustNew(f, withIDP))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
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

// FuzzParseRole parses arbitrary text as a Role: it never panics, accepts
// exactly the four names, and every accepted role prints and marshals back
// to the same text. UnmarshalText agrees with ParseRole and leaves its
// target alone on error.
func FuzzParseRole(f *testing.F) {
	for _, s := range []string{"admin", "member", "viewer", "collaborator", "", "Admin", "admin ", "role(1)", "owner", "\xff"} {
		f.Add(s)
	}
	names := []string{"admin", "member", "viewer", "collaborator"}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := account.ParseRole(text)
		known := slices.Contains(names, text)
		if known != (err == nil) {
			t.Fatalf("ParseRole(%q) = %v, %v", text, r, err)
		}
		var u account.Role = account.RoleViewer
		uerr := u.UnmarshalText([]byte(text))
		if err != nil {
			if r != 0 || !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), strconv.Quote(text)) && text != "" {
				t.Fatalf("ParseRole(%q) = %v, %v: want 0 and an ErrInvalid quoting the input", text, r, err)
			}
			if uerr == nil || u != account.RoleViewer {
				t.Fatalf("UnmarshalText(%q) = %v, role %v: want an error and the role unchanged", text, uerr, u)
			}
			return
		}
		b, merr := r.MarshalText()
		if !r.Valid() || r.String() != text || merr != nil || string(b) != text || uerr != nil || u != r {
			t.Fatalf("ParseRole(%q) = %v: String %q, MarshalText %q, %v; UnmarshalText %v, %v", text, r, r, b, merr, u, uerr)
		}
		if r.Sees() != (r != account.RoleCollaborator) {
			t.Fatalf("%v.Sees() = %t", r, r.Sees())
		}
	})
}

// FuzzRoleText formats every Role value: the four roles print their names,
// which parse back to them; every other value prints as role(N), which does
// not parse and does not marshal.
func FuzzRoleText(f *testing.F) {
	for _, v := range []uint8{0, 1, 2, 3, 4, 5, 255} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v uint8) {
		r := account.Role(v)
		s := r.String()
		back, err := account.ParseRole(s)
		b, merr := r.MarshalText()
		if !r.Valid() {
			if s != "role("+strconv.Itoa(int(v))+")" || err == nil || merr == nil || b != nil || !errors.Is(merr, account.ErrInvalid) {
				t.Fatalf("Role(%d): %q; ParseRole: %v, %v; MarshalText: %q, %v", v, s, back, err, b, merr)
			}
			return
		}
		if v < 1 || v > 4 || err != nil || back != r || merr != nil || string(b) != s {
			t.Fatalf("Role(%d): %q; ParseRole: %v, %v; MarshalText: %q, %v", v, s, back, err, b, merr)
		}
	})
}

// fuzzStrictJSON is the body of the fuzz targets of the strict JSON
// decoders. Decoding arbitrary bytes never panics; a rejection is a
// *PathError wrapping ErrInvalid and leaves the target alone; an accepted
// value holds only valid UTF-8 and known enumeration values (valid reports
// whether it does), marshals (unless it lacks a role, which only a missing
// "role" field gives), and decodes back from its JSON to an equal value.
// Whatever strict decoding accepts, encoding/json decodes the same way into
// plain, which has the same shape with plain strings for roles and
// permissions; same compares the two.
func fuzzStrictJSON[T, P any](t *testing.T, data []byte, keep T, missingRole func(T) bool, same func(T, P) bool) {
	v := keep
	err := json.Unmarshal(data, &v)
	if err != nil {
		var pe *account.PathError
		var se *json.SyntaxError
		if !errors.As(err, &se) && (!errors.Is(err, account.ErrInvalid) || !errors.As(err, &pe)) {
			t.Fatalf("Unmarshal(%q): %v is not a *PathError wrapping ErrInvalid", data, err)
		}
		if !cmp.Equal(v, keep) {
			t.Fatalf("failed Unmarshal(%q) changed its target: %+v", data, v)
		}
		return
	}
	var plain P
	if err := json.Unmarshal(data, &plain); err != nil || !same(v, plain) {
		t.Fatalf("Unmarshal(%q) = %+v, but encoding/json decodes %+v, %v", data, v, plain, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		if !missingRole(v) || !errors.Is(err, account.ErrInvalid) {
			t.Fatalf("Marshal(%+v): %v", v, err)
		}
		return
	}
	var back T
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatalf("Unmarshal(%s), the JSON of %+v: %v", out, v, err)
	}
	if diff := cmp.Diff(v, back, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("round trip through %s (-want +got):\n%s", out, diff)
	}
}

// Plain counterparts of the JSON types, for encoding/json.
type (
	plainMember struct {
		User        string
		Permissions []string
	}
	plainTeamMember struct{ User, Role string }
	plainTeam       struct {
		Name     string
		Licensed bool
		Members  []plainTeamMember
	}
	plainIDP struct {
		EntityID     string `json:"entity_id"`
		SSOTargetURL string `json:"sso_target_url"`
		SLOTargetURL string `json:"slo_target_url"`
		Certificate  string `json:"certificate"`
		Enforced     bool   `json:"enforced"`
	}
	plainSpec struct {
		Name             string
		Members          []plainMember
		Teams            []plainTeam
		IdentityProvider *plainIDP `json:"identity_provider"`
	}
)

func sameIDP(p account.IdentityProvider, q plainIDP) bool {
	return account.IdentityProvider(q) == p && utf8.ValidString(p.EntityID+p.SSOTargetURL+p.SLOTargetURL+p.Certificate)
}

func sameMember(m account.Member, p plainMember) bool {
	set, err := permission.ParseSet(strings.Join(p.Permissions, ","))
	return m.User == p.User && err == nil && set == m.Permissions && len(p.Permissions) == set.Len() && utf8.ValidString(m.User)
}

func sameTeamMember(m account.TeamMember, p plainTeamMember) bool {
	if !utf8.ValidString(m.User) || m.User != p.User {
		return false
	}
	if p.Role == "" { // no "role" field
		return m.Role == 0
	}
	r, err := account.ParseRole(p.Role)
	return err == nil && r == m.Role
}

func sameTeam(tm account.Team, p plainTeam) bool {
	return tm.Name == p.Name && tm.Licensed == p.Licensed && utf8.ValidString(tm.Name) &&
		slices.EqualFunc(tm.Members, p.Members, sameTeamMember)
}

func sameSpec(s account.Spec, p plainSpec) bool {
	return s.Name == p.Name && utf8.ValidString(s.Name) &&
		slices.EqualFunc(s.Members, p.Members, sameMember) && slices.EqualFunc(s.Teams, p.Teams, sameTeam) &&
		(s.IdentityProvider == nil) == (p.IdentityProvider == nil) && (s.IdentityProvider == nil || sameIDP(*s.IdentityProvider, *p.IdentityProvider))
}

// FuzzIdentityProviderJSON decodes arbitrary bytes as an IdentityProvider;
// see fuzzStrictJSON.
func FuzzIdentityProviderJSON(f *testing.F) {
	f.Add([]byte(`{"entity_id":"https://idp.example.com","sso_target_url":"https://idp.example.com/sso","slo_target_url":"","certificate":"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n","enforced":true}`))
	f.Add([]byte(`{"entity_id":"e","enforced":"yes"}`))
	f.Add([]byte(`{"entity_id":"e","sso_url":"https://x"}`))
	f.Add([]byte(`{"entity_id":"e","entity_id":"f"}`))
	keep := account.IdentityProvider{EntityID: "kept"}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStrictJSON(t, data, keep, func(account.IdentityProvider) bool { return false }, sameIDP)
	})
}

func teamLacksRole(tm account.Team) bool {
	return slices.ContainsFunc(tm.Members, func(m account.TeamMember) bool { return m.Role == 0 })
}

// FuzzSpecJSON decodes arbitrary bytes as a Spec; see fuzzStrictJSON.
func FuzzSpecJSON(f *testing.F) {
	f.Add([]byte(`{"name":"a","members":[{"user":"u","permissions":["manage","view"]}],"teams":[{"name":"t","licensed":true,"members":[{"user":"v","role":"admin"}]}]}`))
	f.Add([]byte(`{"name":"a","name":"b"}`))
	f.Add([]byte(`{"teams":[{"name":"t","members":[{"user":"u"}]}]}`))
	f.Add([]byte(`{"name":"b\ud800o"}`))
	f.Add([]byte(`{"name":"a","identity_provider":{"entity_id":"e","sso_target_url":"https://x","slo_target_url":"","certificate":"c","enforced":false}}`))
	f.Add([]byte(`{"name":"a","identity_provider":null}`))
	f.Add([]byte(`{"name":"a","identity_provider":{"entity_id":"e","extra":1}}`))
	keep := account.Spec{Name: "kept", Members: []account.Member{{User: "k", Permissions: permission.Admin}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStrictJSON(t, data, keep, func(s account.Spec) bool { return slices.ContainsFunc(s.Teams, teamLacksRole) }, sameSpec)
	})
}

// FuzzTeamJSON decodes arbitrary bytes as a Team; see fuzzStrictJSON.
func FuzzTeamJSON(f *testing.F) {
	f.Add([]byte(`{"name":"t","licensed":false,"members":[{"user":"v","role":"collaborator"},{"user":"w","role":"admin"}]}`))
	f.Add([]byte(`{"name":"t","licensed":1}`))
	f.Add([]byte(`{"name":"t","members":null}`))
	keep := account.Team{Name: "kept", Members: []account.TeamMember{{User: "k", Role: account.RoleAdmin}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStrictJSON(t, data, keep, teamLacksRole, sameTeam)
	})
}

// FuzzMemberJSON decodes arbitrary bytes as a Member; see fuzzStrictJSON.
func FuzzMemberJSON(f *testing.F) {
	f.Add([]byte(`{"user":"u","permissions":["view","billing","manage","create"]}`))
	f.Add([]byte(`{"user":"u","permissions":["manage","manage"]}`))
	f.Add([]byte(`{"user":"u","permissions":null}`))
	keep := account.Member{User: "kept", Permissions: permission.Billing}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStrictJSON(t, data, keep, func(account.Member) bool { return false }, sameMember)
	})
}

// FuzzTeamMemberJSON decodes arbitrary bytes as a TeamMember; see
// fuzzStrictJSON.
func FuzzTeamMemberJSON(f *testing.F) {
	f.Add([]byte(`{"user":"u","role":"viewer"}`))
	f.Add([]byte(`{"user":"u","role":"Viewer"}`))
	f.Add([]byte(`{"user":"u"}`))
	keep := account.TeamMember{User: "kept", Role: account.RoleMember}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzStrictJSON(t, data, keep, func(m account.TeamMember) bool { return m.Role == 0 }, sameTeamMember)
	})
}
