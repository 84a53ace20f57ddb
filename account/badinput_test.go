package account_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/internal/names/namestest"
	"github.com/entaccess/entaccess/permission"
)

// The bad-input catalogue: one named case per class of bad input, with the
// entry its error must name and part of what it must say. Every error wraps
// ErrInvalid; New and ParseJSON name the same entry; and nothing is half
// applied: a failed decode leaves its target alone, a failed New or
// ParseJSON returns a nil *Account, and a failed step changes nothing.

// badNames is the shared catalogue of names that break a rule.
var badNames = namestest.Bad()

// The account the name cases change one name of; with good names it is valid.
const specTemplate = `{"name":%s,` +
	`"members":[{"user":"ana","permissions":["manage"]},{"user":%s,"permissions":["view"]}],` +
	`"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"}]},` +
	`{"name":%s,"licensed":false,"members":[{"user":"ana","role":"admin"},{"user":%s,"role":"collaborator"}]}]}`

// nameSites are the places in specTemplate that hold a name.
var nameSites = []struct{ what, path string }{
	{"account name", "name"},
	{"user", "members[1].user"},
	{"team name", "teams[1].name"},
	{"user", "teams[1].members[1].user"},
}

// withName returns specTemplate with the name at site k replaced, in JSON
// (jsonName is the JSON text of the string) and in Go.
func withName(k int, goName, jsonName string) (string, account.Spec) {
	args := []any{`"acme"`, `"bo"`, `"ops"`, `"bo"`}
	s := account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "ana", Permissions: Manage},
			{User: "bo", Permissions: View},
		},
		Teams: []account.Team{
			{Name: "web", Licensed: true, Members: []account.TeamMember{{User: "ana", Role: account.RoleAdmin}}},
			{Name: "ops", Members: []account.TeamMember{{User: "ana", Role: account.RoleAdmin}, {User: "bo", Role: account.RoleCollaborator}}},
		},
	}
	args[k] = jsonName
	switch k {
	case 0:
		s.Name = goName
	case 1:
		s.Members[1].User = goName
	case 2:
		s.Teams[1].Name = goName
	case 3:
		s.Teams[1].Members[1].User = goName
	}
	return fmt.Sprintf(specTemplate, args...), s
}

// A badSpec is one bad account, as JSON and, where it has one, as a Spec.
type badSpec struct {
	name     string
	json     string        // "" when the input has only a Go form
	spec     *account.Spec // nil when the input has only a JSON form
	wantPath string
	wantText string
}

func badSpecs() []badSpec {
	var cases []badSpec
	for k, site := range nameSites {
		for _, n := range badNames {
			j, s := withName(k, n.Go, n.JSON)
			want := n.Want
			if n.Class == "empty" {
				want = "empty " + site.what
			}
			c := badSpec{name: site.path + ": " + n.Class, json: j, spec: &s, wantPath: site.path, wantText: want}
			if n.JSONOnly {
				c.spec = nil
			}
			cases = append(cases, c)
		}
	}
	// A good spec changed by edit, in Go and as JSON.
	edited := func(name string, edit func(*account.Spec), path, text string) badSpec {
		_, s := withName(0, "acme", `"acme"`)
		edit(&s)
		j, err := json.Marshal(s)
		if err != nil { // roles and sets outside the table do not marshal
			j = nil
		}
		return badSpec{name: name, json: string(j), spec: &s, wantPath: path, wantText: text}
	}
	team := func(members string) string {
		return `{"name":"a","members":[{"user":"ana","permissions":["manage"]}],"teams":[{"name":"web","members":[` + members + `]}]}`
	}
	member := func(perms string) string {
		return `{"name":"a","members":[{"user":"ana","permissions":` + perms + `}]}`
	}
	cases = append(cases,
		// Repeated entries.
		edited("repeated user", func(s *account.Spec) { s.Members[1].User = "ana" }, "members[1].user", `"ana": listed twice, first at members[0]`),
		edited("repeated team name", func(s *account.Spec) { s.Teams[1].Name = "web" }, "teams[1].name", `"web": listed twice, first at teams[0]`),
		edited("user twice in one team", func(s *account.Spec) { s.Teams[1].Members[1].User = "ana" }, "teams[1].members[1].user", `"ana": listed twice in team "ops"`),

		// Admin, member and viewer roles are for account members only.
		edited("team admin not an account member", func(s *account.Spec) {
			s.Teams[1].Members[1] = account.TeamMember{User: "zed", Role: account.RoleAdmin}
		},
			"teams[1].members[1].user", `"zed" holds the admin role in team "ops" but is not an account member`),
		edited("team member not an account member", func(s *account.Spec) {
			s.Teams[1].Members[1] = account.TeamMember{User: "zed", Role: account.RoleMember}
		},
			"teams[1].members[1].user", `"zed" holds the member role in team "ops"`),
		edited("team viewer not an account member", func(s *account.Spec) {
			s.Teams[1].Members[1] = account.TeamMember{User: "zed", Role: account.RoleViewer}
		},
			"teams[1].members[1].user", `"zed" holds the viewer role in team "ops"`),
		edited("only team admin not an account member", func(s *account.Spec) { s.Teams[0].Members[0].User = "zed" },
			"teams[0].members[0].user", `"zed" holds the admin role in team "web"`),
		badSpec{name: "repeated permission", json: member(`["manage","view","manage"]`), wantPath: "members[0].permissions[2]", wantText: `permission "manage" repeated`},
		badSpec{name: "repeated account field", json: `{"name":"a","name":"b"}`, wantText: `field "name" repeated`},
		badSpec{name: "repeated member field", json: member(`["manage"],"permissions":["view"]`), wantPath: "members[0]", wantText: `field "permissions" repeated`},
		badSpec{name: "repeated team field", json: `{"name":"a","teams":[{"name":"t","licensed":true,"licensed":false}]}`, wantPath: "teams[0]", wantText: `field "licensed" repeated`},
		badSpec{name: "repeated team member field", json: team(`{"user":"ana","role":"admin","user":"bo"}`), wantPath: "teams[0].members[0]", wantText: `field "user" repeated`},

		// Unknown enumeration values.
		badSpec{name: "unknown role", json: team(`{"user":"ana","role":"owner"}`), wantPath: "teams[0].members[0].role", wantText: `unknown role "owner"`},
		badSpec{name: "role in the wrong case", json: team(`{"user":"ana","role":"Admin"}`), wantPath: "teams[0].members[0].role", wantText: `unknown role "Admin"`},
		badSpec{name: "empty role", json: team(`{"user":"ana","role":""}`), wantPath: "teams[0].members[0].role", wantText: "empty role name"},
		badSpec{name: "role with white space", json: team(`{"user":"ana","role":"admin "}`), wantPath: "teams[0].members[0].role", wantText: `unknown role "admin "`},
		badSpec{name: "role as its number", json: team(`{"user":"ana","role":1}`), wantPath: "teams[0].members[0].role", wantText: "want a JSON string, got 1"},
		edited("missing role (the zero Role)", func(s *account.Spec) { s.Teams[1].Members[1].Role = 0 }, "teams[1].members[1].role", "role(0) is not a team role"),
		edited("role past the four", func(s *account.Spec) { s.Teams[1].Members[1].Role = account.RoleCollaborator + 1 }, "teams[1].members[1].role", "role(5) is not a team role"),
		edited("largest role value", func(s *account.Spec) { s.Teams[1].Members[1].Role = 255 }, "teams[1].members[1].role", "role(255) is not a team role"),
		badSpec{name: "unknown permission", json: member(`["manage","root"]`), wantPath: "members[0].permissions[1]", wantText: `unknown permission "root"`},
		badSpec{name: "permission in the wrong case", json: member(`["Manage"]`), wantPath: "members[0].permissions[0]", wantText: `unknown permission "Manage"`},
		badSpec{name: "two permissions in one name", json: member(`["view,manage"]`), wantPath: "members[0].permissions[0]", wantText: `unknown permission "view,manage"`},
		badSpec{name: "empty permission name", json: member(`[""]`), wantPath: "members[0].permissions[0]", wantText: `unknown permission ""`},
		badSpec{name: "admin as a permission", json: member(`["view","admin"]`), wantPath: "members[0].permissions[1]",
			wantText: `unknown permission "admin" (the admin role is view,billing,manage,create): invalid`},
		badSpec{name: "Admin as a permission", json: member(`["Admin"]`), wantPath: "members[0].permissions[0]",
			wantText: `unknown permission "Admin" (the admin role is view,billing,manage,create)`},
		badSpec{name: "permissions as a bit mask", json: member(`5`), wantPath: "members[0].permissions", wantText: "want a JSON array, got 5"},
		badSpec{name: "permissions null", json: member(`null`), wantPath: "members[0].permissions", wantText: "got null"},
		edited("permission bits outside the table", func(s *account.Spec) { s.Members[1].Permissions = 1 << 4 }, "members[1].permissions", "permission bits outside the table"),
		edited("every bit", func(s *account.Spec) { s.Members[1].Permissions = 0xff }, "members[1].permissions", "permission bits outside the table"),

		// Missing and unknown fields.
		badSpec{name: "missing user", json: team(`{"role":"admin"}`), wantPath: "teams[0].members[0].user", wantText: "empty user"},
		badSpec{name: "missing account name", json: `{"members":[{"user":"ana","permissions":["manage"]}]}`, wantPath: "name", wantText: "empty account name"},
		badSpec{name: "unknown account field", json: `{"name":"a","owner":"x","colour":"red"}`, wantText: `unknown field "colour"`},
		badSpec{name: "unknown member field", json: member(`["manage"],"since":2020`), wantPath: "members[0]", wantText: `unknown field "since"`},
		badSpec{name: "unknown team field", json: `{"name":"a","teams":[{"name":"t","size":3}]}`, wantPath: "teams[0]", wantText: `unknown field "size"`},
		badSpec{name: "unknown team member field", json: team(`{"user":"ana","role":"admin","since":2020}`), wantPath: "teams[0].members[0]", wantText: `unknown field "since"`},
		badSpec{name: "field name in the wrong case", json: `{"Name":"a"}`, wantText: `unknown field "Name"`},

		// Huge inputs, past the limits of internal/names.
		// In JSON, the limit is checked before any entry is decoded.
		badSpec{name: "too many teams", spec: &account.Spec{Name: "a", Teams: make([]account.Team, names.MaxTeams+1)},
			json: `{"name":"a","teams":[` + strings.Repeat(`{},`, names.MaxTeams) + `{}]}`, wantPath: "teams", wantText: "65537 teams, more than 65536"},
		// Millions of entries in JSON take seconds to scan; TestDecodeArrayLimit
		// checks the same limit on arrays of any size.
		badSpec{name: "too many members", spec: &account.Spec{Name: "a", Members: make([]account.Member, names.MaxMembers+1)},
			wantPath: "members", wantText: "2097153 members, more than 2097152"},
		edited("too many users in a team", func(s *account.Spec) { s.Teams[1].Members = make([]account.TeamMember, names.MaxTeamMembers+1) },
			"teams[1].members", `team "ops": 2097153 members, more than 2097152`),
		badSpec{name: "too many permissions", json: member(`["view","billing","manage","create","view"]`), wantPath: "members[0].permissions", wantText: "5 permissions, more than 4"},
		badSpec{name: "deeply nested team", json: `{"name":"a","teams":[` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `]}`, wantPath: "teams[0]", wantText: "want a JSON object, got [[["},
		badSpec{name: "deeply nested unknown field", json: `{"name":"a","x":` + strings.Repeat(`{"x":`, 5000) + `1` + strings.Repeat("}", 5001), wantText: `unknown field "x"`},

		// Not exactly one JSON value.
		badSpec{name: "empty input", json: ` `, wantText: "malformed JSON"},
		badSpec{name: "not JSON", json: `account`, wantText: "malformed JSON"},
		badSpec{name: "trailing data", json: `{"name":"a"} x`, wantText: "malformed JSON"},
		badSpec{name: "two objects", json: `{"name":"a"}{"name":"b"}`, wantText: "malformed JSON"},
		badSpec{name: "unterminated", json: `{"name":"a","teams":[`, wantText: "malformed JSON"},
		badSpec{name: "nested past encoding/json's depth limit", json: `{"teams":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, wantText: "malformed JSON"},
	)

	// Wrong JSON types, for every field and every element of an array.
	kinds := map[string]struct {
		text  string
		right func(v string) bool
	}{
		"string": {"want a JSON string", func(v string) bool { return v[0] == '"' }},
		"bool":   {"want true or false", func(v string) bool { return v == "true" || v == "false" }},
		"array":  {"want a JSON array", func(v string) bool { return v[0] == '[' || v == "null" }},
		"set":    {"want a JSON array", func(v string) bool { return v[0] == '[' }},
		"object": {"want a JSON object", func(v string) bool { return v == "{}" }},
	}
	fields := []struct{ path, template, kind string }{
		{"", `%s`, "object"},
		{"name", `{"name":%s}`, "string"},
		{"members", `{"name":"a","members":%s}`, "array"},
		{"members[0]", `{"name":"a","members":[%s]}`, "object"},
		{"members[0].user", `{"name":"a","members":[{"user":%s}]}`, "string"},
		{"members[0].permissions", `{"name":"a","members":[{"user":"u","permissions":%s}]}`, "set"},
		{"members[0].permissions[0]", `{"name":"a","members":[{"user":"u","permissions":[%s]}]}`, "string"},
		{"teams", `{"name":"a","teams":%s}`, "array"},
		{"teams[0]", `{"name":"a","teams":[%s]}`, "object"},
		{"teams[0].name", `{"name":"a","teams":[{"name":%s}]}`, "string"},
		{"teams[0].licensed", `{"name":"a","teams":[{"name":"t","licensed":%s}]}`, "bool"},
		{"teams[0].members", `{"name":"a","teams":[{"name":"t","members":%s}]}`, "array"},
		{"teams[0].members[0]", `{"name":"a","teams":[{"name":"t","members":[%s]}]}`, "object"},
		{"teams[0].members[0].user", `{"name":"a","teams":[{"name":"t","members":[{"user":%s}]}]}`, "string"},
		{"teams[0].members[0].role", `{"name":"a","teams":[{"name":"t","members":[{"user":"u","role":%s}]}]}`, "string"},
	}
	for _, f := range fields {
		k := kinds[f.kind]
		for _, v := range []string{`7`, `-1.5e3`, `true`, `"x"`, `[]`, `[1]`, `{}`, `null`} {
			if k.right(v) {
				continue
			}
			text := k.text
			if f.kind == "set" && v == "null" {
				text = "got null"
			}
			cases = append(cases, badSpec{name: fmt.Sprintf("%s as %s", f.path, v), json: fmt.Sprintf(f.template, v), wantPath: f.path, wantText: text})
		}
	}
	return cases
}

// TestBadInputCatalogue runs each bad account through ParseJSON and New, and
// each JSON form through json.Unmarshal into a Spec: each gives its error,
// naming its entry, and nothing else.
func TestBadInputCatalogue(t *testing.T) {
	for _, c := range badSpecs() {
		t.Run(c.name, func(t *testing.T) {
			check := func(how string, a *account.Account, err error) {
				t.Helper()
				var pe *account.PathError
				switch {
				case err == nil:
					t.Fatalf("%s accepted it: %v", how, a.Spec())
				case a != nil:
					t.Errorf("%s returned an account with its error", how)
				case !errors.Is(err, account.ErrInvalid) || !errors.As(err, &pe):
					t.Errorf("%s: %v: want a *PathError wrapping ErrInvalid", how, err)
				case pe.Path != c.wantPath || !strings.Contains(err.Error(), c.wantText) || !strings.HasPrefix(err.Error(), "account: "):
					t.Errorf("%s: %v\nwant path %q and %q in it", how, err, c.wantPath, c.wantText)
				default:
					checkOneStatement(t, err)
				}
			}
			if c.spec != nil {
				a, err := account.New(*c.spec)
				check("New", a, err)
			}
			if c.json != "" {
				a, err := account.ParseJSON([]byte(c.json))
				check("ParseJSON", a, err)
				// Decoding alone fails at the same entry, or decodes what New rejects.
				before := account.Spec{Name: "kept", Members: []account.Member{{User: "kept"}}}
				s := before.Clone()
				if err := json.Unmarshal([]byte(c.json), &s); err != nil {
					if diff := cmp.Diff(before, s); diff != "" {
						t.Errorf("failed decoding changed its target (-before +after):\n%s", diff)
					}
					if c.wantText != "malformed JSON" {
						check("json.Unmarshal", nil, err)
					}
				} else {
					a, err := account.New(s)
					check("New after json.Unmarshal", a, err)
				}
			}
		})
	}
}

// TestCatalogueTemplateIsValid makes sure the name cases fail because of the
// name: with good names, the template is a valid account in both forms, and
// a name of exactly 256 bytes or with white space inside is fine.
func TestCatalogueTemplateIsValid(t *testing.T) {
	for k := range nameSites {
		for _, name := range []string{"bo", "b o", "ünïcode", strings.Repeat("x", names.MaxLen), "😀"} {
			j, s := withName(k, name, fmt.Sprintf("%q", name))
			a, err := account.ParseJSON([]byte(j))
			if err != nil {
				t.Fatalf("ParseJSON(%s): %v", j, err)
			}
			b := mustNew(t, s)
			if diff := cmp.Diff(b.Spec(), a.Spec()); diff != "" {
				t.Errorf("site %d, %q: JSON and Go forms differ (-Go +JSON):\n%s", k, name, diff)
			}
		}
	}
}

// TestStepRejectsBadInput runs each class of bad name and value through
// every step argument that takes one, by an actor allowed to take the step:
// each step fails with its error, and the update publishes nothing. Steps
// that look a user or team up report a malformed name as missing, since no
// entry can have it; steps that create or name an entry reject it as
// ErrInvalid. A refused actor is told only that (ErrForbidden), whatever
// the arguments.
func TestStepRejectsBadInput(t *testing.T) {
	type stepCase struct {
		name string
		step func(tx *account.Tx) error
		want error
		text string
	}
	var cases []stepCase
	for _, n := range badNames {
		if n.JSONOnly {
			continue
		}
		bad := n.Go
		text := n.Want
		if n.Class == "empty" {
			text = "empty user"
		}
		cases = append(cases,
			stepCase{"add-member user: " + n.Class, func(tx *account.Tx) error { return tx.AddMember("alice", bad, View) }, account.ErrInvalid, text},
			stepCase{"set-team-role user: " + n.Class, func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", bad, account.RoleViewer) }, account.ErrInvalid, text},
			stepCase{"create-team name: " + n.Class, func(tx *account.Tx) error { return tx.CreateTeam("carol", bad) }, account.ErrInvalid, strings.Replace(text, "empty user", "empty team name", 1)},
			stepCase{"rename-team to: " + n.Class, func(tx *account.Tx) error { return tx.RenameTeam("carol", "api", bad) }, account.ErrInvalid, strings.Replace(text, "empty user", "empty new team name", 1)},
			stepCase{"set-permissions user: " + n.Class, func(tx *account.Tx) error { return tx.SetPermissions("alice", bad, View) }, account.ErrNotMember, "not an account member"},
			stepCase{"remove-member user: " + n.Class, func(tx *account.Tx) error { return tx.RemoveMember("alice", bad) }, account.ErrNotMember, "not an account member"},
			stepCase{"remove-from-team user: " + n.Class, func(tx *account.Tx) error { return tx.RemoveFromTeam("alice", "web", bad) }, account.ErrNotMember, "has no role in the team"},
			stepCase{"rename-team from: " + n.Class, func(tx *account.Tx) error { return tx.RenameTeam("carol", bad, "new") }, account.ErrNoTeam, "no such team"},
			stepCase{"delete-team name: " + n.Class, func(tx *account.Tx) error { return tx.DeleteTeam("carol", bad) }, account.ErrNoTeam, "no such team"},
			stepCase{"set-team-role team: " + n.Class, func(tx *account.Tx) error { return tx.SetTeamRole("alice", bad, "bob", account.RoleViewer) }, account.ErrNoTeam, "no such team"},
			stepCase{"remove-from-team team: " + n.Class, func(tx *account.Tx) error { return tx.RemoveFromTeam("alice", bad, "bob") }, account.ErrNoTeam, "no such team"},
			stepCase{"actor: " + n.Class, func(tx *account.Tx) error { return tx.AddMember(bad, "newbie", View) }, account.ErrForbidden, "not an account member"},
			stepCase{"team role actor: " + n.Class, func(tx *account.Tx) error { return tx.SetTeamRole(bad, "web", "bob", account.RoleAdmin) }, account.ErrForbidden, "may not manage-teams"},
		)
	}
	for _, p := range []permission.Set{1 << 4, 1 << 7, 0xf0, 0xff} {
		cases = append(cases,
			stepCase{fmt.Sprintf("add-member perms %#x", uint8(p)), func(tx *account.Tx) error { return tx.AddMember("alice", "newbie", p) }, account.ErrInvalid, "permission bits outside the table"},
			stepCase{fmt.Sprintf("set-permissions perms %#x", uint8(p)), func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", p) }, account.ErrInvalid, "permission bits outside the table"},
		)
	}
	for _, r := range []account.Role{0, account.RoleCollaborator + 1, 255} {
		cases = append(cases, stepCase{"set-team-role role " + r.String(), func(tx *account.Tx) error { return tx.SetTeamRole("alice", "web", "bob", r) }, account.ErrInvalid, r.String() + " is not a team role"})
	}
	cases = append(cases,
		stepCase{"refused actor with bad arguments", func(tx *account.Tx) error { return tx.AddMember("bob", "", 0xff) }, account.ErrForbidden, `"bob" may not manage-users`},
		stepCase{"refused team actor with a bad role", func(tx *account.Tx) error { return tx.SetTeamRole("bob", "api", "", 0) }, account.ErrForbidden, `"bob" may not manage-teams`},
		stepCase{"repeated member", func(tx *account.Tx) error { return tx.AddMember("alice", "bob", View) }, account.ErrExists, `user "bob": already exists`},
		stepCase{"repeated team", func(tx *account.Tx) error { return tx.CreateTeam("carol", "web") }, account.ErrExists, `team "web": already exists`},
		stepCase{"rename onto itself", func(tx *account.Tx) error { return tx.RenameTeam("carol", "api", "api") }, account.ErrExists, "already exists"},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := account.NewStore(mustNew(t, exampleSpec()))
			before := s.Load()
			var stepErr error
			a, err := s.Update(func(tx *account.Tx) error {
				stepErr = c.step(tx)
				return nil // Update must fail all the same
			})
			if a != nil || err != stepErr {
				t.Errorf("Update = %v, %v; want nil and the step's error %v", a, err, stepErr)
			}
			if !errors.Is(stepErr, c.want) || !strings.Contains(fmt.Sprint(stepErr), c.text) || !strings.HasPrefix(fmt.Sprint(stepErr), "account: ") {
				t.Errorf("step: %v\nwant %q with %q in it", stepErr, c.want, c.text)
			}
			if s.Load() != before {
				t.Errorf("the failed update published revision %d", s.Load().Revision())
			}
		})
	}
}

// TestNewAtTheLimits gives New specs with exactly as many members, teams
// and users in one team as allowed: the count passes, so New goes on to
// the first entry, which is empty.
func TestNewAtTheLimits(t *testing.T) {
	manager := []account.Member{{User: "boss", Permissions: Manage}}
	for _, tt := range []struct {
		name, path string
		spec       account.Spec
	}{
		{"members", "members[0].user", account.Spec{Name: "a", Members: make([]account.Member, names.MaxMembers)}},
		{"teams", "teams[0].name", account.Spec{Name: "a", Members: manager, Teams: make([]account.Team, names.MaxTeams)}},
		{"users in a team", "teams[0].members[0].user", account.Spec{Name: "a", Members: manager,
			Teams: []account.Team{{Name: "t", Members: make([]account.TeamMember, names.MaxTeamMembers)}}}},
	} {
		_, err := account.New(tt.spec)
		var pe *account.PathError
		if !errors.As(err, &pe) || pe.Path != tt.path || !strings.Contains(err.Error(), "empty") {
			t.Errorf("%s at the limit: %v; want the first entry's error, at %s", tt.name, err, tt.path)
		}
	}
}
