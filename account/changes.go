package account

import (
	"fmt"

	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// The ten changes of an account, each written once. A Tx step (tx.go)
// authorizes its actor, checks its arguments, applies its change and
// records the event; Replay (replay.go) decodes an event, checks its Before
// against the account, and applies the same change. An apply function
// checks what the change must keep true on the account it changes (the
// invariants of rules.go, the limits, what must or must not exist), and
// changes nothing when it fails. Its error names the user or team and wraps
// the sentinel that a step returns: a step prefixes it with its op, Replay
// reports it as a mismatch. Names and values are checked by the callers:
// a step checks its arguments, Replay decodes its event.

// applyAddMember makes user an account member holding p, which includes
// View.
func (c *content) applyAddMember(user string, p permission.Set) error {
	if c.holds(user) != 0 {
		return fmt.Errorf("user %q: %w", user, ErrExists)
	}
	if n := c.members.len(); n >= names.MaxMembers {
		return fmt.Errorf("user %q: the account has %d members, the most allowed: %w", user, n, ErrInvalid)
	}
	if !c.members.managedAfter(0, p) {
		return fmt.Errorf("user %q: %w", user, ErrLastManager)
	}
	c.members.set(user, 0, p)
	return nil
}

// applySetPermissions gives member user the permissions p, which include
// View.
func (c *content) applySetPermissions(user string, p permission.Set) error {
	old := c.holds(user)
	if old == 0 {
		return fmt.Errorf("user %q: %w", user, ErrNotMember)
	}
	if !c.members.managedAfter(old, p) {
		return fmt.Errorf("user %q: %w", user, ErrLastManager)
	}
	c.members.set(user, old, p)
	return nil
}

// applyRemoveMember removes user from the account. The caller ends the
// user's admin, member and viewer roles first, which only members hold: the
// step ends them, Replay checks that the events before did (a scan of
// every team that the step, having just ended them, need not pay twice).
func (c *content) applyRemoveMember(user string) error {
	old, err := c.removable(user)
	if err != nil {
		return err
	}
	c.members.del(user, old)
	return nil
}

// removable returns what user holds if the account keeps a member holding
// Manage without them.
func (c *content) removable(user string) (permission.Set, error) {
	old := c.holds(user)
	if old == 0 {
		return 0, fmt.Errorf("user %q: %w", user, ErrNotMember)
	}
	if !c.members.managedAfter(old, 0) {
		return 0, fmt.Errorf("user %q: %w", user, ErrLastManager)
	}
	return old, nil
}

// applyCreateTeam creates an unlicensed team named name with admin as its
// admin.
func (c *content) applyCreateTeam(name, admin string) error {
	if _, ok := c.teams.Get(name); ok {
		return fmt.Errorf("team %q: %w", name, ErrExists)
	}
	if n := c.teams.Len(); n >= names.MaxTeams {
		return fmt.Errorf("team %q: the account has %d teams, the most allowed: %w", name, n, ErrInvalid)
	}
	if !mayHoldRole(c.holds(admin), RoleAdmin) {
		return fmt.Errorf("team %q: user %q: %w", name, admin, ErrNotMember)
	}
	c.teams.add(&team{name: name, roles: map[string]Role{admin: RoleAdmin}, admins: 1})
	return nil
}

// applyRenameTeam gives the team t the name to, which no team may have.
func (c *content) applyRenameTeam(t *team, to string) error {
	if _, ok := c.teams.Get(to); ok {
		return fmt.Errorf("team %q to %q: %w", t.name, to, ErrExists)
	}
	c.teams.rename(t, to)
	return nil
}

// applyDeleteTeam deletes the team t.
func (c *content) applyDeleteTeam(t *team) error {
	c.teams.Delete(t.name)
	return nil
}

// applySetTeamRole gives user the role r, one of the four, in the team t.
func (c *content) applySetTeamRole(t *team, user string, r Role) error {
	if !mayHoldRole(c.holds(user), r) {
		return fmt.Errorf("team %q: user %q: %w", t.name, user, ErrNotMember)
	}
	old := t.roles[user]
	if !t.hasAdminAfter(old, r) {
		return fmt.Errorf("team %q: user %q: %w", t.name, user, ErrLastTeamAdmin)
	}
	if old == 0 && len(t.roles) >= names.MaxTeamMembers {
		return fmt.Errorf("team %q: user %q: the team has %d members, the most allowed: %w", t.name, user, len(t.roles), ErrInvalid)
	}
	c.teams.setRole(t, user, r)
	return nil
}

// applyRemoveFromTeam ends user's role in the team t.
func (c *content) applyRemoveFromTeam(t *team, user string) error {
	old := t.roles[user]
	if old == 0 {
		return fmt.Errorf("team %q: user %q has no role in the team: %w", t.name, user, ErrNotMember)
	}
	if !t.hasAdminAfter(old, 0) {
		return fmt.Errorf("team %q: user %q: %w", t.name, user, ErrLastTeamAdmin)
	}
	c.teams.setRole(t, user, 0)
	return nil
}

// applySetIdentityProvider makes p, validated and in canonical form, the
// account's identity provider, in place of any it had.
func (c *content) applySetIdentityProvider(p *identityProvider) error {
	c.idp = p
	return nil
}

// applyRemoveIdentityProvider removes the account's identity provider.
func (c *content) applyRemoveIdentityProvider() error {
	if c.idp == nil {
		return ErrNoIdentityProvider
	}
	c.idp = nil
	return nil
}
