package heroku_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/migration/heroku"
	"github.com/entaccess/entaccess/permission"
)

const acmeID = "ea-1"

func ptr(s string) *string { return &s }

// base is a small account: ann manages, ben views; team web (licensed)
// has ann as owner and cid as collaborator.
func base() heroku.AccountData {
	ref := &heroku.Ref{ID: acmeID, Name: "acme"}
	return heroku.AccountData{
		Account: heroku.EnterpriseAccount{ID: acmeID, Name: "acme"},
		Members: []heroku.AccountMember{
			{EnterpriseAccount: ref, User: heroku.User{ID: "u-ann", Email: "ann@x.example"}, Permissions: []heroku.Permission{{Name: "view"}, {Name: "manage"}}},
			{EnterpriseAccount: ref, User: heroku.User{ID: "u-ben", Email: "ben@x.example"}, Permissions: []heroku.Permission{{Name: "view"}}},
		},
		Teams: []heroku.TeamData{{
			Team: heroku.Team{ID: "t-web", Name: "web", EnterpriseAccount: ref, Type: "enterprise", ProvisionedLicenses: true},
			Members: []heroku.TeamMember{
				{Email: "ann@x.example", Role: ptr("owner"), User: heroku.User{ID: "u-ann", Email: "ann@x.example"}},
				{Email: "cid@y.example", Role: ptr("collaborator"), User: heroku.User{ID: "u-cid"}},
			},
		}},
	}
}

func TestAccountSpecRoles(t *testing.T) {
	for _, c := range []struct {
		heroku string
		want   account.Role
	}{
		{"owner", account.RoleAdmin},
		{"admin", account.RoleAdmin},
		{"member", account.RoleMember},
		{"collaborator", account.RoleCollaborator},
	} {
		d := base()
		d.Teams[0].Members = append(d.Teams[0].Members, heroku.TeamMember{Email: "ben@x.example", Role: ptr(c.heroku)})
		spec, err := heroku.AccountSpec(d, heroku.Options{})
		if err != nil {
			t.Errorf("role %q: %v", c.heroku, err)
			continue
		}
		if got := spec.Teams[0].Members[2].Role; got != c.want {
			t.Errorf("role %q imported as %v, want %v", c.heroku, got, c.want)
		}
	}
}

func TestAccountSpecPermissions(t *testing.T) {
	for name, want := range map[string]permission.Set{"view": permission.View, "billing": permission.Billing, "manage": permission.Manage, "create": permission.Create} {
		d := base()
		d.Members[1].Permissions = []heroku.Permission{{Name: name}}
		spec, err := heroku.AccountSpec(d, heroku.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := spec.Members[1].Permissions; got != want|permission.View {
			t.Errorf("permission %q imported as %v, want %v", name, got, want|permission.View)
		}
	}
	// No permissions listed: View, which every member holds.
	d := base()
	d.Members[1].Permissions = nil
	if spec, err := heroku.AccountSpec(d, heroku.Options{}); err != nil || spec.Members[1].Permissions != permission.View {
		t.Errorf("a member without permissions: %v, %v; want view", spec, err)
	}
}

// Every refusal names its entry and imports nothing.
func TestAccountSpecRefused(t *testing.T) {
	other := &heroku.Ref{ID: "ea-2", Name: "globex"}
	for _, c := range []struct {
		name   string
		change func(*heroku.AccountData)
		opt    heroku.Options
		path   string
		what   string
		want   error
	}{
		{"unknown permission", func(d *heroku.AccountData) { d.Members[1].Permissions[0].Name = "admin" },
			heroku.Options{}, "members[1].permissions[0].name", `unknown permission "admin"`, heroku.ErrUnsupported},
		{"unknown role", func(d *heroku.AccountData) { d.Teams[0].Members[1].Role = ptr("viewer") },
			heroku.Options{}, "teams[0].members[1].role", `unknown role "viewer"`, heroku.ErrUnsupported},
		{"no role", func(d *heroku.AccountData) { d.Teams[0].Members[1].Role = nil },
			heroku.Options{}, "teams[0].members[1].role", "has no role", heroku.ErrUnsupported},
		{"member without email", func(d *heroku.AccountData) { d.Members[1].User.Email = "" },
			heroku.Options{}, "members[1].user.email", "no email address", heroku.ErrUnsupported},
		{"team member without email", func(d *heroku.AccountData) { d.Teams[0].Members[1].Email = "" },
			heroku.Options{}, "teams[0].members[1].user.email", "no email address", heroku.ErrUnsupported},
		{"emails disagree", func(d *heroku.AccountData) { d.Teams[0].Members[0].Email = "anne@x.example" },
			heroku.Options{}, "teams[0].members[0].email", "differs from user.email", heroku.ErrUnsupported},
		{"member without id, by id", func(d *heroku.AccountData) { d.Members[0].User.ID = "" },
			heroku.Options{ByID: true}, "members[0].user.id", "no user id", heroku.ErrUnsupported},
		{"team in another account", func(d *heroku.AccountData) { d.Teams[0].Team.EnterpriseAccount = other },
			heroku.Options{}, "teams[0].enterprise_account", `in account "globex" (ea-2), not in "acme" (ea-1)`, heroku.ErrUnsupported},
		{"team in no account", func(d *heroku.AccountData) { d.Teams[0].Team.EnterpriseAccount = nil },
			heroku.Options{}, "teams[0].enterprise_account", "in no Enterprise Account", heroku.ErrUnsupported},
		{"team of type team", func(d *heroku.AccountData) { d.Teams[0].Team.Type = "team" },
			heroku.Options{}, "teams[0].type", `of type "team"`, heroku.ErrUnsupported},
		{"team of an unknown type", func(d *heroku.AccountData) { d.Teams[0].Team.Type = "" },
			heroku.Options{}, "teams[0].type", `of type ""`, heroku.ErrUnsupported},
		{"member of another account", func(d *heroku.AccountData) { d.Members[1].EnterpriseAccount = other },
			heroku.Options{}, "members[1].enterprise_account", "a member of account", heroku.ErrUnsupported},
		{"team member who is no account member", func(d *heroku.AccountData) { d.Teams[0].Members[1].Role = ptr("member") },
			heroku.Options{}, "teams[0].members[1]", "not an account member", account.ErrNotMember},
		{"the same user twice, in two cases", func(d *heroku.AccountData) { d.Members[1].User.Email = "ANN@x.example" },
			heroku.Options{}, "members[1].user", "listed twice", account.ErrInvalid},
		{"no Manage holder", func(d *heroku.AccountData) { d.Members[0].Permissions = d.Members[0].Permissions[:1] },
			heroku.Options{}, "", "manage", account.ErrInvalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := base()
			c.change(&d)
			spec, err := heroku.AccountSpec(d, c.opt)
			path := ""
			var pe *heroku.PathError
			var ape *account.PathError
			if errors.As(err, &pe) {
				path = pe.Path
			} else if errors.As(err, &ape) {
				path = ape.Path
			}
			if !errors.Is(err, c.want) || (pe == nil && ape == nil) || !strings.HasPrefix(path, c.path) || !strings.Contains(err.Error(), c.what) {
				t.Fatalf("AccountSpec = %v; want %v at %s saying %q", err, c.want, c.path, c.what)
			}
			if !cmp.Equal(spec, account.Spec{}) {
				t.Errorf("a refused import returned %v", spec)
			}
		})
	}
}

// A team names its account by name alone when it gives no id.
func TestAccountSpecByName(t *testing.T) {
	d := base()
	d.Teams[0].Team.EnterpriseAccount = &heroku.Ref{Name: "acme"}
	if _, err := heroku.AccountSpec(d, heroku.Options{}); err != nil {
		t.Error(err)
	}
	d.Teams[0].Team.EnterpriseAccount = &heroku.Ref{Name: "globex"}
	if _, err := heroku.AccountSpec(d, heroku.Options{}); !errors.Is(err, heroku.ErrUnsupported) {
		t.Errorf("a team naming another account by name = %v", err)
	}
}

// Fields the import does not read are ignored; values it reads are
// checked.
func TestDecodeUnknownFields(t *testing.T) {
	var m heroku.TeamMember
	doc := `{"created_at":"2020-01-01T00:00:00Z","email":"a@x.example","federated":false,"role":"owner","updated_at":"2020-01-01T00:00:00Z",
		"user":{"email":"a@x.example","id":"u1","name":null},"identity_provider":null,"some_future_field":{"x":1}}`
	if err := json.Unmarshal([]byte(doc), &m); err != nil || *m.Role != "owner" || m.User.ID != "u1" {
		t.Fatalf("decode: %+v, %v", m, err)
	}
}

func TestOrganization(t *testing.T) {
	web := base().Teams[0]
	outside := web
	outside.Team.EnterpriseAccount = nil
	api := heroku.TeamData{
		Team:    heroku.Team{Name: "api", Type: "enterprise"},
		Members: []heroku.TeamMember{{Email: "ann@x.example", Role: ptr("admin")}, {Email: "ben@x.example", Role: ptr("member")}},
	}
	org, err := heroku.Organization("x", []heroku.TeamData{outside, api}, heroku.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := migration.Organization{Name: "x", Teams: []account.Team{
		{Name: "web", Licensed: true, Members: []account.TeamMember{{User: "ann@x.example", Role: account.RoleAdmin}, {User: "cid@y.example", Role: account.RoleCollaborator}}},
		{Name: "api", Members: []account.TeamMember{{User: "ann@x.example", Role: account.RoleAdmin}, {User: "ben@x.example", Role: account.RoleMember}}},
	}}
	if diff := cmp.Diff(want, org); diff != "" {
		t.Errorf("organization (-want +got):\n%s", diff)
	}
	if org, err := heroku.Organization("acme", []heroku.TeamData{web}, heroku.Options{}); err != nil || !org.PublicBeta {
		t.Errorf("teams in an account: %v, %v; want PublicBeta", org, err)
	}
	other := web
	other.Team.EnterpriseAccount = &heroku.Ref{ID: "ea-2"}
	if _, err := heroku.Organization("two", []heroku.TeamData{web, other}, heroku.Options{}); !errors.Is(err, heroku.ErrUnsupported) || !strings.Contains(err.Error(), "teams[1].enterprise_account") {
		t.Errorf("teams of two accounts = %v", err)
	}
	dup := []heroku.TeamData{outside, outside}
	if _, err := heroku.Organization("dup", dup, heroku.Options{}); err == nil || !strings.Contains(err.Error(), "teams[1]") {
		t.Errorf("a team listed twice = %v, want the classifier's error naming teams[1]", err)
	}
}
