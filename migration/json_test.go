package migration_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

func TestOrganizationJSON(t *testing.T) {
	const in = `{"name": "acme", "public_beta": false, "teams": [
		{"name": "web", "licensed": true, "members": [{"user": "ana", "role": "admin"}, {"user": "cy", "role": "collaborator"}]},
		{"name": "ops", "members": [{"user": "ana", "role": "admin"}]}
	]}`
	var got migration.Organization
	if err := json.Unmarshal([]byte(in), &got); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	want := org(team("web", true, "ana", "admin", "cy", "collaborator"), team("ops", false, "ana", "admin"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Unmarshal (-want +got):\n%s", diff)
	}
	out, err := json.Marshal(want)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	const wantOut = `{"name":"acme","public_beta":false,"teams":[` +
		`{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"},{"user":"cy","role":"collaborator"}]},` +
		`{"name":"ops","licensed":false,"members":[{"user":"ana","role":"admin"}]}]}`
	if string(out) != wantOut {
		t.Errorf("Marshal = %s\nwant      %s", out, wantOut)
	}
}

func TestOrganizationJSONErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantPath string
		wantText string
	}{
		{"not an object", `[1]`, "", "want a JSON object"},
		{"null", `null`, "", "want a JSON object"},
		{"unknown field", `{"name": "a", "colour": "red"}`, "", `unknown field "colour"`},
		{"name not a string", `{"name": 7}`, "name", "want a JSON string"},
		{"public_beta not a bool", `{"public_beta": "yes"}`, "public_beta", "want true or false"},
		{"public_beta null", `{"public_beta": null}`, "public_beta", "want true or false"},
		{"teams not an array", `{"teams": {}}`, "teams", "want a JSON array"},
		{"team not an object", `{"teams": [{"name": "a"}, 3]}`, "teams[1]", "want a JSON object"},
		{"unknown team field", `{"teams": [{"name": "a", "size": 3}]}`, "teams[0]", `unknown field "size"`},
		{"unknown role", `{"teams": [{"name": "a"}, {"name": "b", "members": [{"user": "u", "role": "owner"}]}]}`, "teams[1].members[0].role", `unknown role "owner"`},
		{"role not a string", `{"teams": [{"name": "a", "members": [{"user": "u", "role": 1}]}]}`, "teams[0].members[0].role", "want a JSON string"},
		{"licensed not a bool", `{"teams": [{"name": "a", "licensed": 1}]}`, "teams[0].licensed", "want true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := org(team("keep", true))
			err := json.Unmarshal([]byte(tt.in), &o)
			if err == nil {
				t.Fatalf("Unmarshal(%s) accepted: %+v", tt.in, o)
			}
			checkPathError(t, err, tt.wantPath, tt.wantText)
			if diff := cmp.Diff(org(team("keep", true)), o); diff != "" {
				t.Errorf("a failed Unmarshal changed its target (-want +got):\n%s", diff)
			}
		})
	}
}

func checkPathError(t *testing.T, err error, wantPath, wantText string) {
	t.Helper()
	if !errors.Is(err, account.ErrInvalid) {
		t.Errorf("error %q does not wrap account.ErrInvalid", err)
	}
	var pe *account.PathError
	if !errors.As(err, &pe) || pe.Path != wantPath {
		t.Errorf("error %q: path %+v, want %q", err, pe, wantPath)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "migration: ") || !strings.Contains(msg, wantText) {
		t.Errorf("error %q: want the prefix \"migration: \" and %q", msg, wantText)
	}
}

func TestDecisionJSON(t *testing.T) {
	tests := []struct {
		name string
		d    migration.Decision
		json string
	}{
		{"no change", migration.Decision{Outcome: migration.NoChange}, `{"outcome":"no-change"}`},
		{
			"automatic",
			migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
				Name: "web", Members: []account.Member{{User: "ana", Permissions: permission.Admin}},
				Teams: []account.Team{team("web", true, "ana", "admin")},
			}},
			`{"outcome":"automatic","account":{"name":"web","members":[{"user":"ana","permissions":["view","billing","manage","create"]}],` +
				`"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"}]}]}}`,
		},
		{
			"manual with details",
			migration.Decision{
				Outcome: migration.Manual, Reasons: []migration.Reason{migration.MultipleLicensedTeams, migration.NoUniversalAdmin},
				Banner: []string{"ana", "bo"}, LicensedTeams: []string{"api", "web"},
				Admins: []migration.AdminOf{{User: "ana", Teams: []string{"web"}}}, TeamsWithoutAdmin: []string{"api"},
			},
			`{"outcome":"manual","reasons":["multiple-licensed-teams","no-universal-admin"],"banner":["ana","bo"],` +
				`"licensed_teams":["api","web"],"admins":[{"user":"ana","teams":["web"]}],"teams_without_admin":["api"]}`,
		},
		{"manual without banner", migration.Decision{Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin, migration.NoLicensedTeam}},
			`{"outcome":"manual","reasons":["no-universal-admin","no-licensed-team"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.d)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(got) != tt.json {
				t.Errorf("Marshal = %s\nwant      %s", got, tt.json)
			}
			var back migration.Decision
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if diff := cmp.Diff(tt.d, back); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := json.Marshal(migration.Decision{}); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("Marshal(zero Decision) error = %v, want ErrInvalid: the zero Outcome has no name", err)
	}
}

func TestDecisionJSONErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantPath string
		wantText string
	}{
		{"missing outcome", `{"reasons":["no-licensed-team"]}`, "outcome", "missing"},
		{"unknown outcome", `{"outcome":"maybe"}`, "outcome", `unknown outcome "maybe"`},
		{"outcome not a string", `{"outcome":2}`, "outcome", "want a JSON string"},
		{"unknown reason", `{"outcome":"manual","reasons":["no-licensed-team","bad-luck"]}`, "reasons[1]", `unknown reason "bad-luck"`},
		{"bad account", `{"outcome":"automatic","account":{"name":"w","teams":[{"name":"w","members":[{"user":"a","role":"boss"}]}]}}`, "account.teams[0].members[0].role", `unknown role "boss"`},
		{"banner entry not a string", `{"outcome":"manual","banner":["ana",1]}`, "banner[1]", "want a JSON string"},
		{"bad admin entry", `{"outcome":"manual","admins":[{"user":"ana","teams":"web"}]}`, "admins[0].teams", "want a JSON array"},
		{"unknown field", `{"outcome":"manual","why":"x"}`, "", `unknown field "why"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d migration.Decision
			err := json.Unmarshal([]byte(tt.in), &d)
			if err == nil {
				t.Fatalf("Unmarshal(%s) accepted: %+v", tt.in, d)
			}
			checkPathError(t, err, tt.wantPath, tt.wantText)
		})
	}
}

func TestDecisionString(t *testing.T) {
	tests := []struct {
		name string
		d    migration.Decision
		want []string // parts of the line
	}{
		{"zero", migration.Decision{}, []string{"no decision", "outcome(0)"}},
		{"out of range", migration.Decision{Outcome: 9}, []string{"outcome(9)"}},
		{"no change", migration.Decision{Outcome: migration.NoChange}, []string{"no-change", "public beta", "no action"}},
		{"automatic", migration.Decision{Outcome: migration.Automatic, Account: &account.Spec{
			Name: "web", Members: []account.Member{{User: "ana", Permissions: permission.Admin}, {User: "bo", Permissions: permission.View}},
			Teams: []account.Team{team("web", true), team("ops", false)},
		}}, []string{"automatic", `"web"`, "2 teams", "2 members", "account admins: ana"}},
		{"manual", migration.Decision{
			Outcome: migration.Manual, Reasons: []migration.Reason{migration.MultipleLicensedTeams, migration.NoUniversalAdmin, migration.NoLicensedTeam},
			Banner: []string{"a", "b", "c", "d", "e", "f", "g"}, LicensedTeams: []string{"api", "web"},
			Admins: []migration.AdminOf{{User: "ana", Teams: []string{"web"}}}, TeamsWithoutAdmin: []string{"api"},
		}, []string{"manual: ", "2 teams hold licenses (api, web)", "ana is admin of web", "no one is admin of api",
			"make at least one user admin of every team", "license the main team", "banner shown to 7 users (a, b, c, d, e and 2 more)"}},
		{"names that need quoting", migration.Decision{
			Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin},
			Banner: []string{"a b", "x\ny", "ü"}, Admins: []migration.AdminOf{{User: "a b", Teams: []string{"t,1", "t2"}}},
		}, []string{`"a b" is admin of "t,1", t2`, `("a b", "x\ny", ü)`}},
		{"automatic without an account", migration.Decision{Outcome: migration.Automatic}, []string{"automatic: no account"}},
		{"many admins", migration.Decision{
			Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin}, Banner: []string{"a"},
			Admins: []migration.AdminOf{{User: "a", Teams: []string{"t"}}, {User: "b", Teams: []string{"t"}}, {User: "c", Teams: []string{"t"}}, {User: "d", Teams: []string{"t"}}, {User: "e", Teams: []string{"t"}}, {User: "f", Teams: []string{"t"}}, {User: "g", Teams: []string{"t"}}},
		}, []string{"e is admin of t; and 2 more admins", "banner shown to 1 user (a)"}},
		{"manual nobody sees the banner", migration.Decision{Outcome: migration.Manual, Reasons: []migration.Reason{migration.NoUniversalAdmin, migration.NoLicensedTeam}},
			[]string{"there are no teams", "no user sees the contact-support banner"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.d.String()
			if strings.Contains(got, "\n") {
				t.Errorf("String() = %q spans lines", got)
			}
			for _, part := range tt.want {
				if !strings.Contains(got, part) {
					t.Errorf("String() = %q, want it to contain %q", got, part)
				}
			}
		})
	}
}

func TestAdminOfJSON(t *testing.T) {
	var a migration.AdminOf
	if err := json.Unmarshal([]byte(`{"user":"ana","teams":["ops","web"]}`), &a); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if diff := cmp.Diff(migration.AdminOf{User: "ana", Teams: []string{"ops", "web"}}, a); diff != "" {
		t.Errorf("Unmarshal (-want +got):\n%s", diff)
	}
	err := json.Unmarshal([]byte(`{"user":"ana","teams":["ops",7]}`), &a)
	checkPathError(t, err, "teams[1]", "want a JSON string")
	err = json.Unmarshal([]byte(`{"user":"ana","role":"admin"}`), &a)
	checkPathError(t, err, "", `unknown field "role"`)
}
