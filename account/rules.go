package account

import "github.com/entaccess/entaccess/permission"

// The rules of the account, each written once, beside the sentence of
// Heroku's article "Enterprise Accounts for Existing Enterprise Teams
// Users" it comes from, where there is one (marked "Heroku:"). The queries of Account, the steps of Tx and Replay call them;
// the storage they read, and its fast paths, is in content.go and package
// account/internal/cow; the changes that keep the invariants below are in
// changes.go.

// # Decisions

// Can reports whether user may perform act: whether user is an account
// member whose permissions allow act by the table. It is false for
// non-members, the empty user and actions outside the table. Can does not
// allocate.
func (a *Account) Can(user string, act permission.Action) bool {
	if a == nil {
		return false
	}
	// Heroku: "The actions associated with each permission are listed in
	// the table below" (package permission holds the table), and "All other
	// users are assigned the most limited basic permission of “View”": a
	// member holds at least View, anyone else nothing.
	return permission.Allows(a.holds(user), act)
}

// CanViewTeam reports whether user can see team: whether user is an account
// member whose role in the team is admin, member or viewer. It is false for
// collaborators, for users who are not account members, and for teams that
// do not exist.
func (a *Account) CanViewTeam(user, team string) bool {
	if a == nil {
		return false
	}
	_, ok := a.visibleTeam(user, team)
	return ok
}

// seesTeam is the rule of team visibility: a user who holds holds in the
// account and role in a team can view the team when they are an account
// member (holds is not empty) with the admin, member or viewer role.
// Collaborators work on single apps and do not see the team.
//
// Heroku: "View Enterprise Teams that the user has a role in", a right of
// every permission, so of members only, "the official members of an
// organization who exist in the Enterprise Account".
func seesTeam(holds permission.Set, role Role) bool { return holds != 0 && role.Sees() }

// adminOf is the rule of team administration: "admin of that team" counts
// only for an account member.
func adminOf(holds permission.Set, role Role) bool { return holds != 0 && role == RoleAdmin }

// authorize checks that actor may perform act on the account as it is now.
func (c *content) authorize(actor string, act permission.Action) error {
	p := c.holds(actor)
	if !permission.Allows(p, act) {
		return &ForbiddenError{Actor: actor, Action: act, Holds: p, Needs: act.AllowedBy()}
	}
	return nil
}

// authorizeTeamRoles checks that actor may change roles in the team named
// name, and returns the team: as its admin, or with manage-teams on a team
// they can view. An actor with manage-teams who cannot view the team is
// told that it does not exist ([ErrNoTeam]), for step op.
//
// Heroku: "Manage Enterprise Teams (Under “My Teams” tab only)", a right of
// Manage.
func (c *content) authorizeTeamRoles(op Op, actor, name string) (*team, error) {
	p := c.holds(actor)
	if t, ok := c.teams.Get(name); ok && adminOf(p, t.roles[actor]) {
		return t, nil
	}
	if !permission.Allows(p, permission.ManageTeams) {
		return nil, &ForbiddenError{Actor: actor, Action: permission.ManageTeams, Holds: p, Needs: permission.ManageTeams.AllowedBy(), Team: name}
	}
	return c.visibleTeamOp(op, actor, name)
}

// # Invariants
//
// [New] checks them on the account it builds, and every change keeps them
// (changes.go), in a Tx step and in Replay alike:
//
//   - some member holds Manage, so someone can manage users
//     ([memberTable.managedAfter]);
//   - the admin, member and viewer roles are held only by account members;
//     anyone may be a collaborator ([mayHoldRole]);
//   - every team has an admin ([team.hasAdminAfter]), who is an account
//     member by the rule above.

// managedAfter reports whether some member holds Manage once one member's
// permissions go from old to p, where the empty set stands for a user who
// is not a member (before: being added; after: being removed).
// managedAfter(0, 0) reports whether some member holds Manage now.
//
// Heroku: "If your user has “Manage” permission at the Enterprise Account
// level, visit the Access tab and adjust the permission of other users if
// necessary": without a Manage holder, no one could.
func (m *memberTable) managedAfter(old, p permission.Set) bool {
	n := m.managers
	if old.Has(permission.Manage) {
		n--
	}
	if p.Has(permission.Manage) {
		n++
	}
	return n > 0
}

// mayHoldRole reports whether a user who holds holds in the account (the
// empty set for anyone who is not a member) may hold role r in a team. The
// zero Role, no role, is always allowed.
//
// Heroku: "Users who only have the “collaborator” permission and are not
// members of a company’s Enterprise Account".
func mayHoldRole(holds permission.Set, r Role) bool { return holds != 0 || !r.Sees() }

// hasAdminAfter reports whether t has an admin once one user's role in it
// goes from old to r, where the zero Role stands for no role.
// hasAdminAfter(0, 0) reports whether t has an admin now.
func (t *team) hasAdminAfter(old, r Role) bool {
	n := t.admins
	if old == RoleAdmin {
		n--
	}
	if r == RoleAdmin {
		n++
	}
	return n > 0
}
