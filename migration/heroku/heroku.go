package heroku

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
	"github.com/entaccess/entaccess/permission"
)

// ErrUnsupported is wrapped by the errors for documents the import refuses
// to map: an unknown permission, role or team type, a missing identity, a
// team of another account. Each is a *[PathError] naming the entry.
var ErrUnsupported = errors.New("cannot be imported")

// A PathError is a document the import refuses, with the entry's path
// (such as "teams[2].members[0].role"), in the input of [AccountSpec] or
// [Organization]. Errors from [account.New] and [migration.Classify] come
// as they are, with paths of the same form.
type PathError struct {
	Path string
	Err  error
}

// Error names the entry and says what is wrong with it.
func (e *PathError) Error() string { return "heroku: " + e.Path + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *PathError) Unwrap() error { return e.Err }

// Ref names another document: an Enterprise Account, by id and name.
type Ref struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// User is a Heroku user as the member documents embed one.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// EnterpriseAccount is the API's enterprise-account document.
type EnterpriseAccount struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Trial bool   `json:"trial"`
	// Permissions are those of the user whose token read the document.
	Permissions []string `json:"permissions"`
	// IdentityProvider names the account's identity provider; nil if it
	// has none.
	IdentityProvider *IdentityProviderRef `json:"identity_provider"`
}

// IdentityProviderRef is how an enterprise-account names its identity
// provider.
type IdentityProviderRef struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Owner Owner  `json:"owner"`
}

// Owner is the owner of an identity provider: a team or an enterprise
// account.
type Owner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"` // "team" or "enterprise-account"
}

// IdentityProvider is the API's identity-provider document: the SAML
// settings of a team or an enterprise account.
type IdentityProvider struct {
	ID           string `json:"id"`
	EntityID     string `json:"entity_id"`
	SSOTargetURL string `json:"sso_target_url"`
	SLOTargetURL string `json:"slo_target_url"`
	Certificate  string `json:"certificate"`
	Owner        Owner  `json:"owner"`
}

// AccountMember is the API's enterprise-account-member document.
type AccountMember struct {
	ID                string       `json:"id"`
	EnterpriseAccount *Ref         `json:"enterprise_account"`
	User              User         `json:"user"`
	Permissions       []Permission `json:"permissions"`
	TwoFactor         bool         `json:"two_factor_authentication"`
}

// Permission is one entry of an enterprise-account-member's permissions.
type Permission struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Team is the API's team document.
type Team struct {
	ID                  string `json:"id"`
	Name                string `json:"name"`
	EnterpriseAccount   *Ref   `json:"enterprise_account"` // null outside any account
	Type                string `json:"type"`               // "enterprise" or "team"
	ProvisionedLicenses bool   `json:"provisioned_licenses"`
	Default             bool   `json:"default"`
	// Role is the role in the team of the user whose token read it.
	Role *string `json:"role"`
}

// TeamMember is the API's team-member document.
type TeamMember struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Federated bool    `json:"federated"`
	Role      *string `json:"role"` // admin, collaborator, member or owner; may be null
	User      User    `json:"user"`
	TwoFactor bool    `json:"two_factor_authentication"`
}

// TeamData is a team with its members, as two requests return them.
type TeamData struct {
	Team    Team
	Members []TeamMember
}

// AccountData is an Enterprise Account with its members, its teams and
// theirs, as [Client.Account] reads them.
type AccountData struct {
	Account EnterpriseAccount
	Members []AccountMember
	Teams   []TeamData
	// IdentityProvider is the document Account.IdentityProvider names;
	// nil if the account has none or it was not read.
	IdentityProvider *IdentityProvider
}

// Options change how documents map; the zero value is the default.
type Options struct {
	// ByID identifies users by their Heroku user id instead of their
	// email address.
	ByID bool
	// WithoutIdentityProvider imports an account that names an identity
	// provider without its settings (as when they could not be read),
	// rather than refusing it. The account is then imported without
	// single sign-on.
	WithoutIdentityProvider bool
}

func unsupported(path, format string, args ...any) error {
	return &PathError{Path: path, Err: fmt.Errorf(format+": %w", append(args, ErrUnsupported)...)}
}

// user returns the name a user is imported under.
func (o Options) user(path string, u User, email string) (string, error) {
	if o.ByID {
		if u.ID == "" {
			return "", unsupported(path+".user.id", "no user id to identify the member by")
		}
		return u.ID, nil
	}
	e, top := strings.ToLower(u.Email), strings.ToLower(email)
	switch {
	case e == "" && top == "":
		return "", unsupported(path+".user.email", "no email address to identify the member by (Options.ByID identifies users by id)")
	case e == "":
		return top, nil
	case top != "" && top != e:
		return "", unsupported(path+".email", "%q differs from user.email %q", email, u.Email)
	}
	return e, nil
}

var permissions = map[string]permission.Set{
	"view": permission.View, "billing": permission.Billing, "manage": permission.Manage, "create": permission.Create,
}

var roles = map[string]account.Role{
	"owner": account.RoleAdmin, "admin": account.RoleAdmin, "member": account.RoleMember, "collaborator": account.RoleCollaborator,
}

// AccountSpec maps an Enterprise Account, its members and its teams to the
// [account.Spec] that holds them, by the rules in the package docs, and
// checks it with [account.New].
func AccountSpec(d AccountData, o Options) (account.Spec, error) {
	spec := account.Spec{Name: d.Account.Name}
	for i, m := range d.Members {
		path := fmt.Sprintf("members[%d]", i)
		if r := m.EnterpriseAccount; r != nil && !sameAccount(*r, d.Account) {
			return account.Spec{}, unsupported(path+".enterprise_account", "a member of account %s, not of %s", refString(*r), refString(Ref{d.Account.ID, d.Account.Name}))
		}
		user, err := o.user(path, m.User, "")
		if err != nil {
			return account.Spec{}, err
		}
		perms := permission.View
		for j, p := range m.Permissions {
			s, ok := permissions[p.Name]
			if !ok {
				return account.Spec{}, unsupported(fmt.Sprintf("%s.permissions[%d].name", path, j), "unknown permission %q", p.Name)
			}
			perms |= s
		}
		spec.Members = append(spec.Members, account.Member{User: user, Permissions: perms})
	}
	for i, t := range d.Teams {
		path := fmt.Sprintf("teams[%d]", i)
		switch r := t.Team.EnterpriseAccount; {
		case t.Team.Type != "enterprise":
			return account.Spec{}, unsupported(path+".type", "team %q is of type %q, not an Enterprise Team", t.Team.Name, t.Team.Type)
		case r == nil:
			return account.Spec{}, unsupported(path+".enterprise_account", "team %q is in no Enterprise Account", t.Team.Name)
		case !sameAccount(*r, d.Account):
			return account.Spec{}, unsupported(path+".enterprise_account", "team %q is in account %s, not in %s", t.Team.Name, refString(*r), refString(Ref{d.Account.ID, d.Account.Name}))
		}
		team, err := o.team(path, t)
		if err != nil {
			return account.Spec{}, err
		}
		spec.Teams = append(spec.Teams, team)
	}
	idp, err := o.identityProvider(d)
	if err != nil {
		return account.Spec{}, err
	}
	spec.IdentityProvider = idp
	if _, err := account.New(spec); err != nil {
		return account.Spec{}, err
	}
	return spec, nil
}

// identityProvider maps the account's identity provider, by the rules in
// the package docs.
func (o Options) identityProvider(d AccountData) (*account.IdentityProvider, error) {
	ref, p := d.Account.IdentityProvider, d.IdentityProvider
	switch {
	case p == nil && (ref == nil || o.WithoutIdentityProvider):
		return nil, nil
	case p == nil:
		return nil, unsupported("account.identity_provider", "the account's identity provider %s was not read (Options.WithoutIdentityProvider imports without it)", refString(Ref{ref.ID, ref.Name}))
	case ref == nil:
		return nil, unsupported("identity_provider", "the account names no identity provider, yet one was given")
	case ref.ID != "" && p.ID != ref.ID:
		return nil, unsupported("identity_provider.id", "%q is not the account's identity provider %q", p.ID, ref.ID)
	}
	switch o := p.Owner; o.Type {
	case "enterprise-account":
		if !sameAccount(Ref{o.ID, o.Name}, d.Account) {
			return nil, unsupported("identity_provider.owner", "owned by account %s, not by %s", refString(Ref{o.ID, o.Name}), refString(Ref{d.Account.ID, d.Account.Name}))
		}
	case "team":
		if !slices.ContainsFunc(d.Teams, func(t TeamData) bool { return sameTeam(o, t.Team) }) {
			return nil, unsupported("identity_provider.owner", "owned by team %s, not one of the account's teams", refString(Ref{o.ID, o.Name}))
		}
	default:
		return nil, unsupported("identity_provider.owner.type", "unknown owner type %q", o.Type)
	}
	return &account.IdentityProvider{
		EntityID:     p.EntityID,
		SSOTargetURL: p.SSOTargetURL,
		SLOTargetURL: p.SLOTargetURL,
		Certificate:  p.Certificate,
	}, nil
}

// sameTeam reports whether o names t: by id when both have one, by name
// otherwise.
func sameTeam(o Owner, t Team) bool {
	if o.ID != "" && t.ID != "" {
		return o.ID == t.ID
	}
	return o.Name != "" && o.Name == t.Name
}

func (o Options) team(path string, t TeamData) (account.Team, error) {
	team := account.Team{Name: t.Team.Name, Licensed: t.Team.ProvisionedLicenses}
	for j, m := range t.Members {
		mpath := fmt.Sprintf("%s.members[%d]", path, j)
		user, err := o.user(mpath, m.User, m.Email)
		if err != nil {
			return account.Team{}, err
		}
		if m.Role == nil {
			return account.Team{}, unsupported(mpath+".role", "%q has no role in team %q", user, t.Team.Name)
		}
		role, ok := roles[*m.Role]
		if !ok {
			return account.Team{}, unsupported(mpath+".role", "unknown role %q", *m.Role)
		}
		team.Members = append(team.Members, account.TeamMember{User: user, Role: role})
	}
	return team, nil
}

// sameAccount reports whether r names a: by id when both have one, by
// name otherwise.
func sameAccount(r Ref, a EnterpriseAccount) bool {
	if r.ID != "" && a.ID != "" {
		return r.ID == a.ID
	}
	return r.Name != "" && r.Name == a.Name
}

func refString(r Ref) string {
	switch {
	case r.Name == "":
		return fmt.Sprintf("%q", r.ID)
	case r.ID == "":
		return fmt.Sprintf("%q", r.Name)
	}
	return fmt.Sprintf("%q (%s)", r.Name, r.ID)
}

// Organization maps Enterprise Teams and their members to the classifier's
// input, named name, by the rules in the package docs: teams outside any
// account form an organization that has not moved (PublicBeta false);
// teams all in one account, one that has (PublicBeta true). The result is
// checked as [migration.Classify] checks its input.
func Organization(name string, teams []TeamData, o Options) (migration.Organization, error) {
	org := migration.Organization{Name: name}
	var in *Ref // the account of the teams, once one is seen
	for i, t := range teams {
		path := fmt.Sprintf("teams[%d]", i)
		r := t.Team.EnterpriseAccount
		switch {
		case t.Team.Type != "enterprise":
			return migration.Organization{}, unsupported(path+".type", "team %q is of type %q, not an Enterprise Team", t.Team.Name, t.Team.Type)
		case i > 0 && (r == nil) != (in == nil):
			return migration.Organization{}, unsupported(path+".enterprise_account", "team %q: teams inside and outside an Enterprise Account do not form one organization", t.Team.Name)
		case r != nil && in != nil && !sameAccount(*r, EnterpriseAccount{ID: in.ID, Name: in.Name}):
			return migration.Organization{}, unsupported(path+".enterprise_account", "team %q is in account %s, teams[0] in %s", t.Team.Name, refString(*r), refString(*in))
		}
		in = r
		team, err := o.team(path, t)
		if err != nil {
			return migration.Organization{}, err
		}
		org.Teams = append(org.Teams, team)
	}
	org.PublicBeta = in != nil
	if _, err := migration.Classify(org); err != nil {
		return migration.Organization{}, err
	}
	return org, nil
}
