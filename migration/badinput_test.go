package migration_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names/namestest"
	"github.com/entaccess/entaccess/migration"
)

// The bad-input catalogue: one named case per class of bad input, with the
// entry its error must name and a part of what it must say. Every error
// wraps account.ErrInvalid, decoding and Classify name the same entry, and
// nothing is half-applied: a failed decode leaves its target alone and a
// failed Classify returns the zero Decision.

// A badInput is one bad organization, as JSON and, where it has one, as a
// Go value.
type badInput struct {
	name     string
	json     string                  // "" when the input has only a Go form
	org      *migration.Organization // nil when the input has only a JSON form
	syntax   bool                    // not one JSON value: encoding/json rejects it before the decoder runs
	wantPath string
	wantText string
}

// The organization the name cases change one name of: web is licensed and
// ana admin of both teams, so that with good names it is Automatic.
const orgTemplate = `{"name":%s,"public_beta":false,"teams":[` +
	`{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"}]},` +
	`{"name":%s,"licensed":false,"members":[{"user":"ana","role":"admin"},{"user":%s,"role":"viewer"}]}]}`

// A where is a place in orgTemplate that holds a name.
type where struct {
	name, path string
}

var nameSites = []where{{"organization name", "name"}, {"team name", "teams[1].name"}, {"user", "teams[1].members[1].user"}}

// withName returns orgTemplate with the name at site replaced, in JSON
// (jsonName is the JSON text of the string) and in Go.
func withName(site where, goName, jsonName string) (string, migration.Organization) {
	args := []any{`"acme"`, `"ops"`, `"bo"`}
	o := migration.Organization{Name: "acme", Teams: []account.Team{
		team("web", true, "ana", "admin"), team("ops", false, "ana", "admin", "bo", "viewer"),
	}}
	switch site.path {
	case "name":
		args[0], o.Name = jsonName, goName
	case "teams[1].name":
		args[1], o.Teams[1].Name = jsonName, goName
	default:
		args[2], o.Teams[1].Members[1].User = jsonName, goName
	}
	return fmt.Sprintf(orgTemplate, args...), o
}

// badNames is the shared catalogue of names that break a rule.
var badNames = namestest.Bad()

func badOrganizations() []badInput {
	var cases []badInput
	for _, site := range nameSites {
		for _, n := range badNames {
			if site.path == "name" && n.Class == "empty" {
				continue // an organization may have no name; see TestCatalogueAccepted
			}
			j, o := withName(site, n.Go, n.JSON)
			c := badInput{name: site.name + ": " + n.Class, json: j, org: &o, wantPath: site.path, wantText: n.Want}
			if n.JSONOnly {
				c.org = nil
			}
			cases = append(cases, c)
		}
	}

	ptr := func(o migration.Organization) *migration.Organization { return &o }
	oneMember := func(m account.TeamMember) *migration.Organization {
		return ptr(migration.Organization{Teams: []account.Team{{Name: "web", Members: []account.TeamMember{m}}}})
	}
	cases = append(cases,
		// Repeated entries.
		badInput{name: "repeated team name", json: `{"teams":[{"name":"web"},{"name":"ops"},{"name":"web"}]}`,
			org:      ptr(migration.Organization{Teams: []account.Team{team("web", false), team("ops", false), team("web", false)}}),
			wantPath: "teams[2].name", wantText: `team "web" repeated (first at teams[0])`},
		badInput{name: "user twice in one team", json: `{"teams":[{"name":"web","members":[{"user":"ana","role":"admin"},{"user":"bo","role":"member"},{"user":"ana","role":"viewer"}]}]}`,
			org:      ptr(migration.Organization{Teams: []account.Team{team("web", false, "ana", "admin", "bo", "member", "ana", "viewer")}}),
			wantPath: "teams[0].members[2].user", wantText: `user "ana" repeated (first at members[0])`},
		badInput{name: "repeated organization field", json: `{"public_beta":false,"public_beta":true}`, wantText: `field "public_beta" repeated`},
		badInput{name: "repeated team field", json: `{"teams":[{"name":"a","name":"b"}]}`, wantPath: "teams[0]", wantText: `field "name" repeated`},
		badInput{name: "repeated member field", json: `{"teams":[{"name":"a","members":[{"user":"u","role":"admin","role":"viewer"}]}]}`,
			wantPath: "teams[0].members[0]", wantText: `field "role" repeated`},

		// Unknown enumeration values and missing required fields.
		badInput{name: "unknown role", json: `{"teams":[{"name":"web","members":[{"user":"ana","role":"owner"}]}]}`,
			wantPath: "teams[0].members[0].role", wantText: `unknown role "owner"`},
		badInput{name: "role in the wrong case", json: `{"teams":[{"name":"web","members":[{"user":"ana","role":"Admin"}]}]}`,
			wantPath: "teams[0].members[0].role", wantText: `unknown role "Admin"`},
		badInput{name: "empty role", json: `{"teams":[{"name":"web","members":[{"user":"ana","role":""}]}]}`,
			wantPath: "teams[0].members[0].role", wantText: "empty role name"},
		badInput{name: "role with white space", json: `{"teams":[{"name":"web","members":[{"user":"ana","role":"admin "}]}]}`,
			wantPath: "teams[0].members[0].role", wantText: `unknown role "admin "`},
		badInput{name: "missing role (the zero Role)", json: `{"teams":[{"name":"web","members":[{"user":"ana"}]}]}`,
			org:      oneMember(account.TeamMember{User: "ana"}),
			wantPath: "teams[0].members[0].role", wantText: "role(0) is not a team role"},
		badInput{name: "role past the four", org: oneMember(account.TeamMember{User: "ana", Role: account.RoleCollaborator + 1}),
			wantPath: "teams[0].members[0].role", wantText: "role(5) is not a team role"},
		badInput{name: "largest role value", org: oneMember(account.TeamMember{User: "ana", Role: 255}),
			wantPath: "teams[0].members[0].role", wantText: "role(255) is not a team role"},
		badInput{name: "missing user", json: `{"teams":[{"name":"web","members":[{"role":"admin"}]}]}`,
			org:      oneMember(account.TeamMember{Role: account.RoleAdmin}),
			wantPath: "teams[0].members[0].user", wantText: "empty user"},
		badInput{name: "missing team name", json: `{"teams":[{"licensed":true}]}`,
			org:      ptr(migration.Organization{Teams: []account.Team{{Licensed: true}}}),
			wantPath: "teams[0].name", wantText: "empty team name"},
		badInput{name: "unknown organization field", json: `{"name":"acme","colour":"red","size":3}`, wantText: `unknown field "colour"`},
		badInput{name: "unknown team field", json: `{"teams":[{"name":"web","size":3}]}`, wantPath: "teams[0]", wantText: `unknown field "size"`},
		badInput{name: "unknown member field", json: `{"teams":[{"name":"web","members":[{"user":"ana","role":"admin","since":2020}]}]}`,
			wantPath: "teams[0].members[0]", wantText: `unknown field "since"`},
		badInput{name: "field name in the wrong case", json: `{"Name":"acme"}`, wantText: `unknown field "Name"`},

		// Not one JSON value.
		badInput{name: "empty input", json: ``, syntax: true},
		badInput{name: "not JSON", json: `organization`, syntax: true},
		badInput{name: "trailing data", json: `{"name":"acme"} x`, syntax: true},
		badInput{name: "two objects", json: `{"name":"acme"}{"name":"globex"}`, syntax: true},
		badInput{name: "unterminated", json: `{"name":"acme","teams":[`, syntax: true},
		badInput{name: "nested past encoding/json's depth limit", json: `{"teams":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}`, syntax: true},

		// Deep nesting within encoding/json's limit.
		badInput{name: "deeply nested team", json: `{"teams":[` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `]}`,
			wantPath: "teams[0]", wantText: "want a JSON object, got [[["},
		badInput{name: "deeply nested unknown field", json: `{"name":"acme","x":` + strings.Repeat(`{"x":`, 5000) + `1` + strings.Repeat("}", 5001),
			wantText: `unknown field "x"`},
		badInput{name: "deeply nested name", json: `{"name":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5001),
			wantPath: "name", wantText: "want a JSON string"},
	)

	// Wrong JSON types, for every field and for every element of an array.
	kinds := []struct {
		kind, wantText string
		right          func(v string) bool // v is of the right type (null included where it means none)
	}{
		{"a string", "want a JSON string", func(v string) bool { return v[0] == '"' }},
		{"a bool", "want true or false", func(v string) bool { return v == "true" || v == "false" }},
		{"an array", "want a JSON array", func(v string) bool { return v[0] == '[' || v == "null" }},
		{"an object", "want a JSON object", func(v string) bool { return v == "{}" }},
	}
	fields := []struct {
		path, template, kind string
	}{
		{"", `%s`, "an object"},
		{"name", `{"name":%s}`, "a string"},
		{"public_beta", `{"public_beta":%s}`, "a bool"},
		{"teams", `{"teams":%s}`, "an array"},
		{"teams[0]", `{"teams":[%s]}`, "an object"},
		{"teams[0].name", `{"teams":[{"name":%s}]}`, "a string"},
		{"teams[0].licensed", `{"teams":[{"name":"web","licensed":%s}]}`, "a bool"},
		{"teams[0].members", `{"teams":[{"name":"web","members":%s}]}`, "an array"},
		{"teams[0].members[0]", `{"teams":[{"name":"web","members":[%s]}]}`, "an object"},
		{"teams[0].members[0].user", `{"teams":[{"name":"web","members":[{"user":%s,"role":"admin"}]}]}`, "a string"},
		{"teams[0].members[0].role", `{"teams":[{"name":"web","members":[{"user":"ana","role":%s}]}]}`, "a string"},
	}
	for _, f := range fields {
		for _, k := range kinds {
			if k.kind != f.kind {
				continue
			}
			for _, v := range []string{`7`, `-1.5e3`, `true`, `"x"`, `[]`, `[1]`, `{}`, `null`} {
				if k.right(v) {
					continue
				}
				path := f.path
				if path == "" {
					path = "the organization"
				}
				cases = append(cases, badInput{name: fmt.Sprintf("%s is %s, not %s", path, v, k.kind),
					json: fmt.Sprintf(f.template, v), wantPath: f.path, wantText: k.wantText + ", got " + v})
			}
		}
	}
	return cases
}

// checkBad checks that err is the error c wants.
func checkBad(t *testing.T, err error, wantPath, wantText string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !errors.Is(err, account.ErrInvalid) {
		t.Errorf("error %q does not wrap account.ErrInvalid", err)
	}
	var pe *account.PathError
	if !errors.As(err, &pe) {
		t.Fatalf("error %q: no *account.PathError", err)
	}
	if pe.Path != wantPath {
		t.Errorf("error %q: path %q, want %q", err, pe.Path, wantPath)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "migration: ") || !strings.Contains(msg, wantText) {
		t.Errorf("error %q: want the prefix \"migration: \" and %q", msg, wantText)
	}
}

func TestBadInputOrganization(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range badOrganizations() {
		if seen[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			if c.json != "" || c.syntax {
				keep := org(team("keep", true, "ana", "admin"))
				o := keep.Clone()
				err := json.Unmarshal([]byte(c.json), &o)
				if c.syntax {
					if _, ok := errors.AsType[*json.SyntaxError](err); !ok {
						t.Errorf("json.Unmarshal error %v, want a *json.SyntaxError", err)
					}
					// Called directly, the decoder says it wants one object.
					err = o.UnmarshalJSON([]byte(c.json))
					checkBad(t, err, "", "want a JSON object")
				} else {
					checkBad(t, err, c.wantPath, c.wantText)
				}
				if diff := cmp.Diff(keep, o); diff != "" {
					t.Errorf("a failed decode changed its target (-want +got):\n%s", diff)
				}
			}
			if c.org != nil {
				before := c.org.Clone()
				d, err := migration.Classify(*c.org)
				checkBad(t, err, c.wantPath, c.wantText)
				if !strings.Contains(err.Error(), "classify ") {
					t.Errorf("Classify error %q does not say it comes from classify", err)
				}
				if diff := cmp.Diff(migration.Decision{}, d); diff != "" {
					t.Errorf("a decision alongside the error (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(before, *c.org); diff != "" {
					t.Errorf("Classify changed its input (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestCatalogueAccepted lists names and shapes that look suspicious but
// are well-formed: each decodes to the expected value and is classified.
func TestBadInputAccepted(t *testing.T) {
	tests := []struct {
		name             string
		site             where
		goName, jsonName string
	}{
		{"organization without a name", nameSites[0], "", `""`},
		{"space inside", nameSites[2], "a b", `"a b"`},
		{"non-ASCII letters", nameSites[1], "zoë-チーム", `"zoë-チーム"`},
		{"256 bytes, the longest", nameSites[2], strings.Repeat("a", 256), `"` + strings.Repeat("a", 256) + `"`},
		{"256 bytes of two-byte letters", nameSites[1], strings.Repeat("é", 128), `"` + strings.Repeat("é", 128) + `"`},
		{"escaped letters", nameSites[2], "bo", `"\u0062\u006F"`},
		{"surrogate pair escape", nameSites[2], "b😀", `"b\ud83d\ude00"`},
		{"surrogate pair escape in upper case", nameSites[2], "😀b", `"\uD83D\uDE00b"`},
		{"the first code point past 16 bits, escaped", nameSites[2], "b\U00010000", `"b\ud800\udc00"`},
		{"the last assigned code point a name may hold, escaped", nameSites[2], "b\U000e01ef", `"b\udb40\uddef"`},
		{"the code points around the surrogates and the private-use area, escaped", nameSites[2], "b\ud7ff\uf900", `"b\ud7ff\uf900"`},
		{"replacement character written out", nameSites[2], "b\ufffd", "\"b\ufffd\""},
		{"replacement character escaped", nameSites[2], "b\ufffd", `"b\ufffd"`},
		{"an escaped backslash before u", nameSites[2], `b\ud800`, `"b\\ud800"`},
		{"escaped quote and slash", nameSites[1], `a"b/c`, `"a\"b\/c"`},
		{"a line separator inside", nameSites[2], "a\u2028b", `"a\u2028b"`},
		{"punctuation", nameSites[2], "o'brien+ops@example.com", `"o'brien+ops@example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, want := withName(tt.site, tt.goName, tt.jsonName)
			var got migration.Organization
			if err := json.Unmarshal([]byte(j), &got); err != nil {
				t.Fatalf("Unmarshal(%s): %v", j, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Unmarshal (-want +got):\n%s", diff)
			}
			d, err := migration.Classify(got)
			if err != nil {
				t.Fatalf("Classify: %v", err)
			}
			if d.Outcome != migration.Automatic {
				t.Fatalf("Classify = %v, want automatic", d)
			}
			if _, err := account.New(*d.Account); err != nil {
				t.Fatalf("account.New(plan): %v", err)
			}
		})
	}
}

// TestCatalogueLimits checks the size limits at their real values, on
// input that crosses them by one. The count is checked before the entries,
// so the entries can be empty. (The boundaries themselves, and the limit
// on distinct users, are checked with small limits in limits_internal_test.go,
// and so is decoding at each limit.)
func TestBadInputLimits(t *testing.T) {
	t.Run("teams", func(t *testing.T) {
		o := migration.Organization{Teams: make([]account.Team, 1<<16+1)}
		_, err := migration.Classify(o)
		checkBad(t, err, "teams", "65537 teams, more than 65536")
		j := `{"teams":[` + strings.Repeat(`{},`, 1<<16) + `{}]}`
		err = json.Unmarshal([]byte(j), &o)
		checkBad(t, err, "teams", "65537 entries, more than 65536")
	})
	t.Run("members of a team", func(t *testing.T) {
		o := org(team("web", true), account.Team{Name: "ops", Members: make([]account.TeamMember, 1<<21+1)})
		_, err := migration.Classify(o)
		checkBad(t, err, "teams[1].members", "2097153 members, more than 2097152")
		// Decoding checks the same limit, with the same words, before
		// decoding any member: see TestDecodeRosterLimit.
	})
	t.Run("organization name", func(t *testing.T) {
		long := strings.Repeat("x", 10000)
		_, err := migration.Classify(migration.Organization{Name: long})
		checkBad(t, err, "name", "10000 bytes, longer than 256")
		if len(err.Error()) > 300 {
			t.Errorf("error of %d bytes for a long name: %q", len(err.Error()), err)
		}
	})
}

// badDecisions is the catalogue for Decision decoding.
func badDecisions() []badInput {
	cases := []badInput{
		{name: "missing outcome", json: `{"reasons":["no-licensed-team"]}`, wantPath: "outcome", wantText: "missing"},
		{name: "unknown outcome", json: `{"outcome":"maybe"}`, wantPath: "outcome", wantText: `unknown outcome "maybe"`},
		{name: "outcome in the wrong case", json: `{"outcome":"Manual"}`, wantPath: "outcome", wantText: `unknown outcome "Manual"`},
		{name: "outcome by number", json: `{"outcome":3}`, wantPath: "outcome", wantText: "want a JSON string, got 3"},
		{name: "zero outcome's text", json: `{"outcome":"outcome(0)"}`, wantPath: "outcome", wantText: `unknown outcome "outcome(0)"`},
		{name: "unknown reason", json: `{"outcome":"manual","reasons":["no-licensed-team","bad-luck"]}`, wantPath: "reasons[1]", wantText: `unknown reason "bad-luck"`},
		{name: "reason by number", json: `{"outcome":"manual","reasons":[2]}`, wantPath: "reasons[0]", wantText: "want a JSON string, got 2"},
		{name: "repeated reason", json: `{"outcome":"manual","reasons":["no-universal-admin","no-universal-admin"]}`,
			wantPath: "reasons[1]", wantText: "no-universal-admin after no-universal-admin"},
		{name: "reasons out of order", json: `{"outcome":"manual","reasons":["no-licensed-team","multiple-licensed-teams"]}`,
			wantPath: "reasons[1]", wantText: "multiple-licensed-teams after no-licensed-team"},
		{name: "more reasons than there are", json: `{"outcome":"manual","reasons":["multiple-licensed-teams","no-universal-admin","no-licensed-team","no-licensed-team"]}`,
			wantPath: "reasons", wantText: "4 entries, more than 3"},
		{name: "repeated field", json: `{"outcome":"manual","outcome":"automatic"}`, wantText: `field "outcome" repeated`},
		{name: "unknown field", json: `{"outcome":"manual","why":"x"}`, wantText: `unknown field "why"`},
		{name: "bad account plan", json: `{"outcome":"automatic","account":{"name":"w","teams":[{"name":"w","members":[{"user":"a","role":"boss"}]}]}}`,
			wantPath: "account.teams[0].members[0].role", wantText: `unknown role "boss"`},
		{name: "account not an object", json: `{"outcome":"automatic","account":[]}`, wantPath: "account", wantText: "want a JSON object"},
		{name: "trailing data", json: `{"outcome":"manual"} {}`, syntax: true},
	}
	lists := []struct{ path, template, what string }{
		{"banner[1]", `{"outcome":"manual","banner":["ana",%s]}`, "user"},
		{"licensed_teams[1]", `{"outcome":"manual","licensed_teams":["web",%s]}`, "team name"},
		{"admins[0].user", `{"outcome":"manual","admins":[{"user":%s,"teams":["web"]}]}`, "user"},
		{"admins[0].teams[1]", `{"outcome":"manual","admins":[{"user":"ana","teams":["web",%s]}]}`, "team name"},
		{"teams_without_admin[1]", `{"outcome":"manual","teams_without_admin":["web",%s]}`, "team name"},
	}
	for _, l := range lists {
		for _, n := range badNames {
			want := n.Want
			if n.Class == "empty" {
				want = "empty " + l.what
			}
			cases = append(cases, badInput{name: l.path + ": " + n.Class, json: fmt.Sprintf(l.template, n.JSON), wantPath: l.path, wantText: want})
		}
		for _, v := range []string{`7`, `false`, `null`, `[]`, `{}`} {
			cases = append(cases, badInput{name: fmt.Sprintf("%s is %s, not a string", l.path, v),
				json: fmt.Sprintf(l.template, v), wantPath: l.path, wantText: "want a JSON string, got " + v})
		}
	}
	for _, f := range []string{"reasons", "banner", "licensed_teams", "admins", "teams_without_admin"} {
		for _, v := range []string{`"x"`, `1`, `{}`, `true`} {
			cases = append(cases, badInput{name: fmt.Sprintf("%s is %s, not an array", f, v),
				json: fmt.Sprintf(`{"outcome":"manual",%q:%s}`, f, v), wantPath: f, wantText: "want a JSON array, got " + v})
		}
	}
	for _, v := range []string{`"x"`, `1`, `[]`, `null`} {
		cases = append(cases, badInput{name: fmt.Sprintf("decision is %s, not an object", v), json: v, wantText: "want a JSON object, got " + v},
			badInput{name: fmt.Sprintf("admins[0] is %s, not an object", v), json: `{"outcome":"manual","admins":[` + v + `]}`,
				wantPath: "admins[0]", wantText: "want a JSON object, got " + v})
	}
	return cases
}

func TestBadInputDecision(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range badDecisions() {
		if seen[c.name] {
			t.Fatalf("two cases named %q", c.name)
		}
		seen[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			keep := migration.Decision{Outcome: migration.NoChange}
			d := keep
			err := json.Unmarshal([]byte(c.json), &d)
			if c.syntax {
				if _, ok := errors.AsType[*json.SyntaxError](err); !ok {
					t.Errorf("json.Unmarshal error %v, want a *json.SyntaxError", err)
				}
				err = d.UnmarshalJSON([]byte(c.json))
				checkBad(t, err, "", "want a JSON object")
			} else {
				checkBad(t, err, c.wantPath, c.wantText)
			}
			if diff := cmp.Diff(keep, d); diff != "" {
				t.Errorf("a failed decode changed its target (-want +got):\n%s", diff)
			}
		})
	}
}
