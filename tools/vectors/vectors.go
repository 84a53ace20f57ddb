package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/migrationtest"
	"github.com/entaccess/entaccess/permission"
)

// Format names the version of the vectors' format; it changes only when a
// file's structure does.
const Format = "entaccess-vectors/1"

// MaxAction is the largest action value the grids list: the seven actions
// of the table are 1 to 7, and 0 and 8 stand for the values outside it.
const MaxAction = 8

// A File is one vectors file: its name under testdata/vectors and its content.
type File struct {
	Name string
	Data []byte
}

// Files returns every vectors file, in name order.
func Files() ([]File, error) {
	var files []File
	for _, f := range []struct {
		name string
		gen  func() ([]byte, error)
	}{{"accounts.json", Accounts}, {"classify.json", Classify}, {"table.json", Table}} {
		data, err := f.gen()
		if err != nil {
			return nil, fmt.Errorf("vectors: %s: %w", f.name, err)
		}
		files = append(files, File{f.name, data})
	}
	return files, nil
}

// A writer builds one file: an indented outline whose leaves are compact
// JSON values, one per line. It keeps the first error.
type writer struct {
	b   bytes.Buffer
	err error
}

// json returns v as compact JSON, without escaping <, > and &.
func (w *writer) json(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil && w.err == nil {
		w.err = err
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (w *writer) line(indent int, s string) {
	w.b.WriteString(strings.Repeat("  ", indent) + s + "\n")
}

// list writes "key": [ one item per line ] at indent; last says whether it
// is the last field of its object.
func list[T any](w *writer, indent int, key string, items []T, last bool) {
	w.line(indent, fmt.Sprintf("%q: [", key))
	for i, it := range items {
		w.line(indent+1, w.json(it)+comma(i == len(items)-1))
	}
	w.line(indent, "]"+comma(last))
}

func comma(last bool) string {
	if last {
		return ""
	}
	return ","
}

func (w *writer) bytes() ([]byte, error) { return w.b.Bytes(), w.err }

// The records of table.json.
type (
	permissionRecord struct {
		Name string `json:"name"`
		Bit  uint8  `json:"bit"`
	}
	actionRecord struct {
		Name      string         `json:"name"`
		Value     uint8          `json:"value"`
		AllowedBy permission.Set `json:"allowed_by"`
	}
	gridRecord struct {
		Set         uint8          `json:"set"`
		Permissions permission.Set `json:"permissions"`
		Allowed     []bool         `json:"allowed"` // by action value, 0 to MaxAction
	}
)

// Table returns table.json: the four permissions, the seven rows of the
// table, and for each of the 16 sets whether it allows each action value
// from 0 to [MaxAction].
func Table() ([]byte, error) {
	var perms []permissionRecord
	for _, p := range permission.Permissions() {
		perms = append(perms, permissionRecord{p.String(), uint8(p)})
	}
	var rows []actionRecord
	for _, r := range permission.Table() {
		rows = append(rows, actionRecord{r.Action.String(), uint8(r.Action), r.AllowedBy})
	}
	var grid []gridRecord
	for s := range permission.Admin + 1 {
		grid = append(grid, gridRecord{uint8(s), s, allowedRow(func(a permission.Action) bool { return permission.Allows(s, a) })})
	}
	var w writer
	w.line(0, "{")
	w.line(1, `"format": `+w.json(Format)+",")
	list(&w, 1, "permissions", perms, false)
	list(&w, 1, "actions", rows, false)
	list(&w, 1, "grid", grid, true)
	w.line(0, "}")
	return w.bytes()
}

// allowedRow returns allowed(a) for each action value from 0 to MaxAction.
func allowedRow(allowed func(permission.Action) bool) []bool {
	row := make([]bool, MaxAction+1)
	for a := range row {
		row[a] = allowed(permission.Action(a))
	}
	return row
}

// The records of accounts.json.
type (
	canRecord struct {
		User    string `json:"user"`
		Member  bool   `json:"member"`
		Allowed []bool `json:"allowed"` // by action value, 0 to MaxAction
	}
	viewRecord struct {
		User    string `json:"user"`
		Team    string `json:"team"`
		Allowed bool   `json:"allowed"`
	}
)

// accountCases returns the accounts of accounts.json: a few written out,
// then a few drawn by accounttest.Spec with fixed seeds.
func accountCases() []struct {
	name string
	spec account.Spec
} {
	tm := func(u string, r account.Role) account.TeamMember { return account.TeamMember{User: u, Role: r} }
	idp := accounttest.IdentityProvider("idp.initech.example", true)
	cases := []struct {
		name string
		spec account.Spec
	}{
		{"every permission and role", account.Spec{Name: "acme",
			Members: []account.Member{
				{User: "ann", Permissions: permission.Admin},
				{User: "bob", Permissions: permission.Billing}, // View is implied
				{User: "cy", Permissions: permission.View | permission.Create},
				{User: "dan", Permissions: permission.View},
				{User: "eve", Permissions: permission.View | permission.Manage},
			},
			Teams: []account.Team{
				{Name: "web", Licensed: true, Members: []account.TeamMember{
					tm("ann", account.RoleAdmin), tm("bob", account.RoleMember), tm("dan", account.RoleViewer), tm("ext", account.RoleCollaborator)}},
				{Name: "ops", Members: []account.TeamMember{
					tm("cy", account.RoleAdmin), tm("eve", account.RoleCollaborator), tm("ann", account.RoleViewer)}},
			}}},
		{"one manager, no teams", account.Spec{Name: "solo",
			Members: []account.Member{{User: "root", Permissions: permission.Manage}}}},
		{"a collaborator from outside the account", account.Spec{Name: "Globex",
			Members: []account.Member{{User: "ann", Permissions: permission.Manage}, {User: "Ann", Permissions: permission.Billing}},
			Teams: []account.Team{{Name: "partners", Members: []account.TeamMember{
				tm("Ann", account.RoleAdmin), tm("ann", account.RoleCollaborator), tm("vendor", account.RoleCollaborator)}}}}},
		{"single sign-on enforced", account.Spec{Name: "Initech",
			Members:          []account.Member{{User: "ann", Permissions: permission.Manage}, {User: "bob", Permissions: permission.View}},
			IdentityProvider: &idp}},
	}
	gen := accounttest.Spec()
	for _, seed := range []int{1, 2, 3} {
		cases = append(cases, struct {
			name string
			spec account.Spec
		}{fmt.Sprintf("accounttest.Spec seed %d", seed), gen.Example(seed)})
	}
	return cases
}

// Accounts returns accounts.json: for each account, its spec, whether each
// user of [accounttest.Users] may perform each action value from 0 to
// [MaxAction], and whether each of them can view each team of
// [accounttest.Teams].
func Accounts() ([]byte, error) {
	var w writer
	w.line(0, "{")
	w.line(1, `"format": `+w.json(Format)+",")
	w.line(1, `"accounts": [`)
	cases := accountCases()
	for i, c := range cases {
		a, err := account.New(c.spec)
		if err != nil {
			return nil, fmt.Errorf("account %q: %w", c.name, err)
		}
		var cans []canRecord
		var views []viewRecord
		for _, u := range accounttest.Users(c.spec) {
			cans = append(cans, canRecord{u, a.IsMember(u), allowedRow(func(act permission.Action) bool { return a.Can(u, act) })})
			for _, team := range accounttest.Teams(c.spec) {
				views = append(views, viewRecord{u, team, a.CanViewTeam(u, team)})
			}
		}
		w.line(2, "{")
		w.line(3, `"name": `+w.json(c.name)+",")
		w.line(3, `"spec": `+w.json(emptySpec(c.spec))+",")
		list(&w, 3, "can", cans, false)
		list(&w, 3, "can_view_team", views, true)
		w.line(2, "}"+comma(i == len(cases)-1))
	}
	w.line(1, "]")
	w.line(0, "}")
	return w.bytes()
}

// emptyTeams returns a copy of teams whose nil rosters are empty, so that
// they are written as [] rather than null.
func emptyTeams(teams []account.Team) []account.Team {
	out := make([]account.Team, len(teams))
	for i, t := range teams {
		out[i] = t.Clone()
		if out[i].Members == nil {
			out[i].Members = []account.TeamMember{}
		}
	}
	return out
}

// emptySpec returns a copy of s with no nil lists, so that JSON has [] for them.
func emptySpec(s account.Spec) account.Spec {
	s = s.Clone()
	if s.Members == nil {
		s.Members = []account.Member{}
	}
	s.Teams = emptyTeams(s.Teams)
	return s
}

// emptyOrg returns a copy of o with no nil lists, so that JSON has [] for them.
func emptyOrg(o migration.Organization) migration.Organization {
	o.Teams = emptyTeams(o.Teams)
	return o
}

// A classifyCase is one organization of classify.json, as JSON, so that
// malformed JSON can be written too.
type classifyCase struct {
	name string
	org  json.RawMessage
}

// classifyCases returns the organizations of classify.json: written-out
// cases for every outcome, reason and kind of malformed input, then two
// organizations of each shape and one of each kind of defect drawn by
// migrationtest with fixed seeds.
func classifyCases() ([]classifyCase, error) {
	tm := func(u string, r account.Role) account.TeamMember { return account.TeamMember{User: u, Role: r} }
	admin := func(u string) account.TeamMember { return tm(u, account.RoleAdmin) }
	team := func(name string, licensed bool, members ...account.TeamMember) account.Team {
		return account.Team{Name: name, Licensed: licensed, Members: members}
	}
	written := []struct {
		name string
		org  migration.Organization
	}{
		{"automatic: one licensed team, one admin of every team", migration.Organization{Name: "acme", Teams: []account.Team{
			team("web", true, admin("ana"), tm("bo", account.RoleMember), tm("ext", account.RoleCollaborator)),
			team("ops", false, tm("cy", account.RoleViewer), admin("ana"), admin("bo"))}}},
		{"no-change: public beta, whatever else holds", migration.Organization{Name: "beta", PublicBeta: true, Teams: []account.Team{
			team("web", true), team("ops", true)}}},
		{"manual: multiple licensed teams", migration.Organization{Name: "acme", Teams: []account.Team{
			team("web", true, admin("ana")), team("ops", true, admin("ana"), tm("bo", account.RoleViewer))}}},
		{"manual: no universal admin", migration.Organization{Name: "acme", Teams: []account.Team{
			team("web", true, admin("ana"), tm("bo", account.RoleMember)), team("ops", false, admin("bo"), tm("ana", account.RoleMember)),
			team("docs", false, tm("cy", account.RoleCollaborator))}}},
		{"manual: no licensed team", migration.Organization{Name: "acme", Teams: []account.Team{
			team("web", false, admin("ana"), tm("ext", account.RoleCollaborator))}}},
		{"manual: multiple licensed teams and no universal admin", migration.Organization{Name: "acme", Teams: []account.Team{
			team("web", true, admin("ana")), team("ops", true, admin("bo"))}}},
		{"manual: no universal admin and no licensed team (no teams at all)", migration.Organization{Name: "empty"}},
		{"manual: only collaborators, so no one sees the banner", migration.Organization{Name: "acme", Teams: []account.Team{
			team("web", false, tm("ext", account.RoleCollaborator))}}},
	}
	var cases []classifyCase
	for _, c := range written {
		b, err := json.Marshal(emptyOrg(c.org))
		if err != nil {
			return nil, err
		}
		cases = append(cases, classifyCase{c.name, b})
	}
	// Malformed, written as JSON: some of it cannot be built in Go.
	for _, c := range []struct{ name, org string }{
		{"malformed: empty team name", `{"name":"acme","public_beta":false,"teams":[{"name":"","licensed":true,"members":[]}]}`},
		{"malformed: repeated team name, even in the public beta", `{"name":"acme","public_beta":true,"teams":[{"name":"web","licensed":true,"members":[]},{"name":"web","licensed":false,"members":[]}]}`},
		{"malformed: empty user", `{"name":"acme","public_beta":false,"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"},{"user":"","role":"member"}]}]}`},
		{"malformed: user twice in one team", `{"name":"acme","public_beta":false,"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"admin"},{"user":"ana","role":"viewer"}]}]}`},
		{"malformed: unknown role", `{"name":"acme","public_beta":false,"teams":[{"name":"web","licensed":true,"members":[{"user":"ana","role":"owner"}]}]}`},
		{"malformed: licensed is not a boolean", `{"name":"acme","public_beta":false,"teams":[{"name":"web","licensed":"yes","members":[]}]}`},
		{"malformed: unknown field", `{"name":"acme","public_beta":false,"teams":[{"name":"web","licensed":true,"members":[],"size":3}]}`},
	} {
		cases = append(cases, classifyCase{c.name, json.RawMessage(c.org)})
	}
	for _, s := range migrationtest.Shapes() {
		for _, seed := range []int{1, 2} {
			b, err := json.Marshal(emptyOrg(migrationtest.OrganizationOf(s).Example(seed)))
			if err != nil {
				return nil, err
			}
			cases = append(cases, classifyCase{fmt.Sprintf("migrationtest.OrganizationOf(%s) seed %d", s, seed), b})
		}
	}
	// One of each defect that has a JSON form (a role outside the four has
	// none; "unknown role" above stands for it), the first seed that draws it.
	gen := migrationtest.MalformedOrganization()
	for _, defect := range migrationtest.Defects() {
		if defect == "invalid role" {
			continue
		}
		for seed := 0; ; seed++ {
			if m := gen.Example(seed); m.Defect == defect {
				b, err := json.Marshal(emptyOrg(m.Organization))
				if err != nil {
					return nil, err
				}
				cases = append(cases, classifyCase{fmt.Sprintf("migrationtest.MalformedOrganization seed %d: %s", seed, defect), b})
				break
			}
		}
	}
	return cases, nil
}

// Decide decodes the organization org and classifies it, as an
// implementation reading classify.json would: it returns the decision, or
// the path of the entry a decoding or classifying error names.
func Decide(org []byte) (migration.Decision, string, error) {
	var o migration.Organization
	err := json.Unmarshal(org, &o)
	var d migration.Decision
	if err == nil {
		d, err = migration.Classify(o)
	}
	if err == nil {
		return d, "", nil
	}
	var pe *account.PathError
	if !errors.As(err, &pe) {
		return d, "", fmt.Errorf("an error without a path: %w", err)
	}
	return d, pe.Path, nil
}

// Classify returns classify.json: organizations, each with the decision
// [migration.Classify] makes, or the path of the entry that makes it
// malformed.
func Classify() ([]byte, error) {
	cases, err := classifyCases()
	if err != nil {
		return nil, err
	}
	var w writer
	w.line(0, "{")
	w.line(1, `"format": `+w.json(Format)+",")
	w.line(1, `"cases": [`)
	for i, c := range cases {
		d, path, err := Decide(c.org)
		if err != nil {
			return nil, fmt.Errorf("case %q: %w", c.name, err)
		}
		w.line(2, "{")
		w.line(3, `"name": `+w.json(c.name)+",")
		w.line(3, `"organization": `+w.json(c.org)+",")
		if path != "" {
			w.line(3, `"error": `+w.json(map[string]string{"path": path}))
		} else {
			w.line(3, `"decision": `+w.json(d))
		}
		w.line(2, "}"+comma(i == len(cases)-1))
	}
	w.line(1, "]")
	w.line(0, "}")
	return w.bytes()
}
