package migration

import (
	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// This file holds the rules of Classify, each next to the sentence of the
// Enterprise Accounts documentation ("Enterprise Accounts for Existing
// Enterprise Teams Users") it follows. The rules read facts that scan.go
// gathers in one pass over the input, and plan.go builds, sorted, the
// decisions they make.

// Classify decides what happens to org, by these rules in order:
//
//  1. Malformed input is an error: a team name or user that is not a
//     name by the rules of [account.New] (empty, longer than 256 bytes,
//     not valid UTF-8, with white space at either end, or holding a control
//     character, an invisible format character, a private-use character or
//     a noncharacter), a non-empty organization
//     name that is not one, a repeated team name, a user listed twice in
//     one team, a role outside the four, or more teams, team members or
//     distinct users than the limits allow (see the package
//     documentation). The error names the entry
//     (teams[1].members[0].role); errors.As finds an [*account.PathError]
//     and errors.Is finds [account.ErrInvalid]. Nothing else is an error:
//     a team without members or without an admin, or an organization
//     without teams or without a name, is classified like any other.
//  2. An organization that took part in the public beta gets [NoChange],
//     whatever else is true of it.
//  3. Each of these is a [Reason] for [Manual]: more than one licensed team
//     ([MultipleLicensedTeams]); no user who is admin of every team
//     ([NoUniversalAdmin]); no licensed team ([NoLicensedTeam]). An
//     organization without teams has no users, so no universal admin either:
//     it is Manual with both NoUniversalAdmin and NoLicensedTeam.
//  4. Otherwise the outcome is [Automatic], with an account named after the
//     licensed team that holds every team unchanged and, as members, every
//     user with an admin, member or viewer role in some team: the admins of
//     every team get [permission.Admin], the others [permission.View].
//     Collaborator-only users do not become members.
//  5. A Manual decision's [Decision.Banner] lists the users with an admin,
//     member or viewer role in some team; collaborator-only users never see
//     it.
//  6. The decision depends only on org's content: not on the order of teams
//     or of members. Everything it lists is sorted, and an automatic plan is
//     in the canonical order of [account.Account.Spec].
//  7. An automatic plan is a valid account, and no member can view a team
//     in which they had no role.
//
// Classify reads org without keeping or changing any of it. It runs in time
// linear in the number of memberships, plus sorting the distinct users and
// team names once.
func Classify(org Organization) (Decision, error) {
	return classify(org, defaultLimits())
}

// classify is Classify for organizations within lim.
func classify(org Organization, lim limits) (Decision, error) {
	// Malformed input is an error, in the public beta or not.
	c, err := scan(&org, lim)
	if err != nil {
		return Decision{}, opError("classify "+quoteShort(org.Name), err)
	}
	// "For companies who participated in the Enterprise Accounts public
	// beta, the general availability of Enterprise Accounts does not
	// introduce any differences and no action is required."
	if org.PublicBeta {
		return Decision{Outcome: NoChange}, nil
	}
	// "There are some organizations that we could not create Enterprise
	// Accounts for automatically [...] In these cases you can contact
	// Heroku to resolve any issues, as indicated by the banner".
	if reasons := c.reasons(); reasons != nil {
		return c.manual(reasons), nil
	}
	// "Companies who did not join the Enterprise Accounts public beta will
	// now have a new Enterprise Account, with all of their Enterprise Teams
	// listed under the new Enterprise Account."
	return c.automatic(), nil
}

// reasons returns every reason that applies, ascending, or nil.
func (c *classifier) reasons() []Reason {
	var rs []Reason
	// "Having more than one Enterprise Team with licenses"
	if c.licensed > 1 {
		rs = append(rs, MultipleLicensedTeams)
	}
	// "Having no users that have the admin permission for every single
	// Enterprise Team in the organization"
	if !c.anyUniversal() {
		rs = append(rs, NoUniversalAdmin)
	}
	// Not in the documentation: the account takes "the same name as their
	// main Enterprise Team", the licensed one, and without one there is no
	// name to give it.
	if c.licensed == 0 {
		rs = append(rs, NoLicensedTeam)
	}
	return rs
}

// mainTeam reports whether the account is named after t: it takes "the
// same name as their main Enterprise Team", the team that holds the
// licenses. When Classify plans an account, exactly one team does.
func mainTeam(t *account.Team) bool { return t.Licensed }

// universal reports whether u has “admin” access across all the Enterprise
// Teams of the company. A user is listed at most once per team, so counting
// is enough; and there are users only when there are teams, so no one is
// admin of every team of none.
func (c *classifier) universal(u *user) bool {
	return int(u.admin) == len(c.teams)
}

// anyUniversal reports whether some user is admin of every team.
func (c *classifier) anyUniversal() bool {
	for i := range c.users {
		if c.universal(&c.users[i]) {
			return true
		}
	}
	return false
}

// permissions returns what u holds in the planned account, and false when
// u does not become a member:
//
//   - "Users who have “admin” access across all the Enterprise Teams of the
//     company are assigned the “admin” role of the Enterprise Account,
//     which includes all the four permissions";
//   - "All other users are assigned the most limited basic permission of
//     “View”";
//   - but users who hold no role that sees a team ([account.Role.Sees]) are
//     not members: "Users who only have the “collaborator” permission and
//     are not members of a company’s Enterprise Account".
//
// View shows a member only the teams they have a role in, so "they won't
// gain access to information that they previously did not have access to".
func (c *classifier) permissions(u *user) (permission.Set, bool) {
	switch {
	case !u.sees:
		return 0, false
	case c.universal(u):
		return permission.Admin, true
	}
	return permission.View, true
}

// seesBanner reports whether u is shown the contact-support banner of a
// Manual decision: "Users who only have the “collaborator” permission [...]
// won't see the banner. It is only displayed for the official members of an
// organization", those with a role that sees a team ([account.Role.Sees]).
func seesBanner(u *user) bool { return u.sees }
