package account

import "github.com/entaccess/entaccess/permission"

// The account's invariants, each written once. [New] checks them on the
// account it builds, each [Tx] step before it changes anything, and
// [Account.Replay] at every event; the errors are theirs, the rules are
// these:
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
