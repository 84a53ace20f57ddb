// Package heroku imports Enterprise Accounts and Enterprise Teams from
// Heroku's Platform API (version 3): it turns the API's documents into an
// [account.Spec] and into [migration.Organization] values for the
// classifier, and [Client] reads them from the live API.
//
//	c, err := heroku.ClientFromEnv() // HEROKU_API_KEY
//	if err != nil {
//		return err
//	}
//	data, err := c.Account(ctx, "acme") // the account, its members, its teams and theirs
//	if err != nil {
//		return err
//	}
//	spec, err := heroku.AccountSpec(data, heroku.Options{})
//
// The documents are those of the API's schema: enterprise-account,
// enterprise-account-member, team, team-member and identity-provider. Their Go types here
// hold the fields the import reads and a few that help a caller filter.
//
// # Mapping
//
// Each rule below is tested; an input it refuses is an error naming the
// entry by its path, such as members[3].permissions[1].name or
// teams[2].members[0].role (a *[PathError] wrapping [ErrUnsupported], or
// the error of [account.New] or [migration.Classify]), and nothing is
// imported.
//
//   - Users are identified by email address by default, lower-cased,
//     since Heroku matches addresses without regard to case. An
//     enterprise-account-member without user.email, or a team-member
//     without an email, is refused: the import never invents a name. With
//     [Options.ByID] users are identified by their user id instead, and a
//     member without user.id is refused. A team-member's email and
//     user.email, when both are given, must agree.
//   - Account permissions: view, billing, manage and create map to
//     [permission.View], [permission.Billing], [permission.Manage] and
//     [permission.Create]. Every member holds View, as in the API. Any
//     other name is refused: a permission is never guessed.
//   - Team roles: Heroku's owner and admin both become
//     [account.RoleAdmin]; member becomes [account.RoleMember];
//     collaborator becomes [account.RoleCollaborator]. A missing (null)
//     role or any other name is refused. This library's viewer role has no
//     Heroku counterpart and is never produced.
//   - A team is licensed when its provisioned_licenses is true.
//   - A team of an account must be an Enterprise Team (type "enterprise")
//     whose enterprise_account is the account imported (by id, or by name
//     when the team gives no id). A team in another account, in none, or
//     of type "team" is refused: teams from another account never slip
//     into this one.
//   - An account member's enterprise_account, when given, must be the
//     account imported.
//   - Single sign-on: the account's identity provider (the
//     enterprise-account's identity_provider, and the identity-provider
//     document it names, [AccountData].IdentityProvider) maps to
//     [account.IdentityProvider]: entity_id, sso_target_url,
//     slo_target_url and certificate as they are, for [account.New] to
//     check (https URLs, one PEM certificate); Enforced is false, since
//     the API does not say whether sign-in through it is required. The
//     document must be the one the account names (by id) and be owned by
//     the account or by one of its teams (by id, or by name when either
//     gives no id); an owner of another kind is refused. An account that
//     names an identity provider whose document was not read is refused,
//     unless [Options.WithoutIdentityProvider] imports it without one; a
//     document given for an account that names none is refused. [Client]
//     reads the document from the owning team's list; the API has no
//     request for one an enterprise account owns.
//   - Unknown fields are ignored: the API adds fields without a new
//     version, and the import reads only the fields above. Unknown values
//     of the fields it reads (a permission, a role, a team type, an
//     identity provider's owner type) are refused.
//   - Everything else is [account.New]'s and [migration.Classify]'s to
//     check, with the same paths: a member listed twice, a team member
//     with the admin or member role who is not an account member (Heroku
//     lists every such user as an account member; the import does not add
//     one), an account without a Manage holder, a team without an admin.
//
// # Organizations
//
// [Organization] builds the classifier's input from Enterprise Teams and
// their members. Teams that are all outside any account form an
// organization that has not moved yet (PublicBeta false, so the
// classifier plans its move). Teams that all belong to one Enterprise
// Account already have it, so their organization is marked as one that
// needs no change (PublicBeta true). Teams of several accounts, or a mix
// of teams inside and outside one, are refused: which of them belong
// together is the caller's decision.
package heroku
