package account

import (
	"fmt"
	"strconv"
	"time"

	"github.com/entaccess/entaccess/permission"
)

// A Tx is one update in progress, given by [Store.Update] to its callback.
// Each method is one step: it checks the actor against the permission table
// on the account as changed so far by this Tx, then checks its arguments
// and the invariants, and only then changes the account. A step that fails
// changes nothing, and it fails the whole update: Update publishes nothing,
// even if the callback ignores the error, and every later step returns an
// error too.
//
// The actor is checked before anything is looked up, so a refused actor
// learns nothing about which users or teams exist: the error is a
// [*ForbiddenError]. Team changes act only on teams the actor can view
// ([Account.CanViewTeam]); any other team is reported as missing
// ([ErrNoTeam]), exactly as one that does not exist. A Tx must not be used
// by more than one goroutine, nor after its callback returns.
//
// A Tx comes from [Store.Update]. The zero Tx stands for an update of an
// account with no members, so every step is refused with a
// [*ForbiddenError]; every step on a nil *Tx is an error wrapping
// [ErrInvalid]. Neither panics.
type Tx struct {
	content                  // the account as changed so far, its maps copied on write
	rev     uint64           // the revision this update commits as
	now     func() time.Time // the Store's clock; nil means time.Now
	events  []Event
	err     error // the first failed step
	done    bool
}

// newTx returns a Tx that changes base and commits as revision rev.
func newTx(base *Account, rev uint64) *Tx {
	tx := &Tx{content: base.content, rev: rev}
	tx.share() // base's maps are published: copy before writing
	return tx
}

// Account returns the account as changed so far by this Tx, as a snapshot
// that later steps do not change: the state the next step will see, which
// a callback can read to decide what to do. Its revision is the one the
// update will commit as. It is nil for a nil *Tx.
func (tx *Tx) Account() *Account {
	if tx == nil {
		return nil
	}
	tx.share() // the snapshot keeps these maps; later steps copy them
	return &Account{content: tx.content, rev: tx.rev}
}

// snapshot returns the account tx built, with revision tx.rev, ready to
// publish: its overlays compacted past compactAt entries (0 means the
// default, [compactLimit]).
func (tx *Tx) snapshot(compactAt int) *Account {
	tx.share()
	next := &Account{content: tx.content, rev: tx.rev}
	limit := compactAt
	if limit <= 0 {
		limit = compactLimit(next.members.len())
	}
	next.compact(limit)
	return next
}

// A ForbiddenError reports a step refused because its actor lacks the
// permission it needs. It matches [ErrForbidden] with [errors.Is].
type ForbiddenError struct {
	Actor  string            // who tried
	Action permission.Action // the action the step needs, such as manage-users
	Holds  permission.Set    // what the actor holds; empty for non-members
	Needs  permission.Set    // Action.AllowedBy(): any one of these would do
	// Team, for SetTeamRole and RemoveFromTeam, is the team whose admins
	// may also take the step; "" otherwise.
	Team string
}

// Error says who was refused which action, what they hold and what the
// action needs, as in
//
//	account: "bob" may not manage-users: holds view,billing; manage-users needs manage: forbidden
func (e *ForbiddenError) Error() string {
	b := []byte("account: ")
	b = strconv.AppendQuote(b, e.Actor)
	b = append(b, " may not "...)
	b = append(b, e.Action.String()...)
	if e.Holds == 0 {
		b = append(b, ": not an account member"...)
	} else {
		b = append(b, ": holds "...)
		b = append(b, e.Holds.String()...)
	}
	b = append(b, "; "...)
	b = append(b, e.Action.String()...)
	b = append(b, " needs "...)
	b = append(b, e.Needs.String()...)
	if e.Team != "" {
		b = append(b, ", or the admin role in team "...)
		b = strconv.AppendQuote(b, e.Team)
	}
	b = append(b, ": "...)
	b = append(b, ErrForbidden.Error()...)
	return string(b)
}

// Unwrap returns [ErrForbidden].
func (e *ForbiddenError) Unwrap() error { return ErrForbidden }

// Decision returns the refusal as a [Decision]: what [Account.Explain]
// says for the actor and the action on the account as the step saw it, so
// that a service can answer a refused change as it answers a refused check.
// Its Allowed is false. It does not mention the team whose admins could
// also take a role step (e.Team). A nil *ForbiddenError gives the zero
// Decision, which denies.
func (e *ForbiddenError) Decision() Decision {
	if e == nil {
		return Decision{}
	}
	return Decision{User: e.Actor, Action: e.Action, Member: e.Holds != 0, Holds: e.Holds, Needs: e.Needs}
}

var (
	// errTxDone is returned by steps taken after the callback returned.
	errTxDone = fmt.Errorf("account: Tx used after its update ended: %w", ErrInvalid)
	// errNilTx is returned by steps taken on a nil *Tx.
	errNilTx = fmt.Errorf("account: step on a nil *Tx: %w", ErrInvalid)
)

// step runs one step named op, recording its failure.
func (tx *Tx) step(op Op, f func() error) error {
	if tx == nil {
		return errNilTx
	}
	if tx.done {
		return errTxDone
	}
	if tx.err != nil {
		return &earlierStepError{op: op, err: tx.err}
	}
	if err := f(); err != nil {
		tx.err = err
		return err
	}
	return nil
}

// visibleTeamOp returns the team named name if actor can view it, and
// otherwise [ErrNoTeam] for step op.
func (c *content) visibleTeamOp(op Op, actor, name string) (*team, error) {
	t, ok := c.visibleTeam(actor, name)
	if !ok {
		return nil, fmt.Errorf("account: %s: team %q: %w", op, name, ErrNoTeam)
	}
	return t, nil
}

// stepErr is the error of step op from an apply function's err.
func stepErr(op Op, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("account: %s: %w", op, err)
}

func (tx *Tx) record(actor string, op Op, team, user, before, after string) {
	tx.events = append(tx.events, Event{Revision: tx.rev, Actor: actor, Op: op, Team: team, User: user, Before: before, After: after})
}

// checkNameOp is checkName for a step: s must be a name.
func checkNameOp(op Op, s, what string) error {
	if err := checkName("", s, what); err != nil {
		return fmt.Errorf("account: %s: %w", op, err.(*PathError).Err)
	}
	return nil
}

func checkUser(op Op, user string) error { return checkNameOp(op, user, "user") }

func checkSet(op Op, user string, p permission.Set) error {
	if !p.Valid() {
		return fmt.Errorf("account: %s: user %q: permission bits outside the table (%s): %w", op, user, p, ErrInvalid)
	}
	return nil
}

// AddMember makes user an account member holding perms plus View. It needs
// manage-users. An empty user or bits outside the table are [ErrInvalid];
// a user who is already a member is [ErrExists].
func (tx *Tx) AddMember(actor, user string, perms permission.Set) error {
	const op = OpAddMember
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.ManageUsers); err != nil {
			return err
		}
		if err := checkUser(op, user); err != nil {
			return err
		}
		if err := checkSet(op, user, perms); err != nil {
			return err
		}
		p := perms | permission.View
		if err := tx.applyAddMember(user, p); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, "", user, "", p.String())
		return nil
	})
}

// SetPermissions replaces member user's permissions with perms plus View.
// It needs manage-users. A user who is not a member is [ErrNotMember];
// taking Manage from the last member holding it is [ErrLastManager].
func (tx *Tx) SetPermissions(actor, user string, perms permission.Set) error {
	const op = OpSetPermissions
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.ManageUsers); err != nil {
			return err
		}
		if err := checkSet(op, user, perms); err != nil {
			return err
		}
		old, p := tx.holds(user), perms|permission.View
		if err := tx.applySetPermissions(user, p); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, "", user, old.String(), p.String())
		return nil
	})
}

// RemoveMember removes user from the account. It needs manage-users. A user
// who is not a member is [ErrNotMember]; removing the last member holding
// Manage is [ErrLastManager].
//
// Admin, member and viewer roles belong to account members, so removing
// the user also ends each of those roles they hold, in every team, whether
// or not the actor can view the team; their collaborator roles stay. If the
// user is the only admin of some team, the step is [ErrLastTeamAdmin],
// naming the team: appoint another admin first. Each role ended is
// recorded as an [Event] of its own, with Op [OpRemoveFromTeam] and the
// actor of this step, in team-name order and before the event of the
// removal itself, so that applying the events in order gives the new state
// and every state in between keeps the account's invariants. The step looks
// at every team, so its cost grows with their number: about half a
// millisecond for 10,000 teams.
func (tx *Tx) RemoveMember(actor, user string) error {
	const op = OpRemoveMember
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.ManageUsers); err != nil {
			return err
		}
		// Everything is checked before the first role ends: a step that
		// fails changes nothing.
		old, err := tx.removable(user)
		if err != nil {
			return stepErr(op, err)
		}
		teams := tx.visibleTeams(user)
		for _, t := range teams {
			if !t.hasAdminAfter(t.roles[user], 0) {
				return fmt.Errorf("account: %s: user %q is the only admin of team %q: %w", op, user, t.name, ErrLastTeamAdmin)
			}
		}
		for _, t := range teams {
			role := t.roles[user]
			if err := tx.applyRemoveFromTeam(t, user); err != nil {
				return stepErr(op, err)
			}
			tx.record(actor, OpRemoveFromTeam, t.name, user, role.String(), "")
		}
		if err := tx.applyRemoveMember(user); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, "", user, old.String(), "")
		return nil
	})
}

// CreateTeam creates an unlicensed team named name, with the actor as its
// admin. It needs create-teams. An empty name is [ErrInvalid]; a name in use
// is [ErrExists], even for a team the actor cannot view, since names are
// unique in the account.
func (tx *Tx) CreateTeam(actor, name string) error {
	const op = OpCreateTeam
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.CreateTeams); err != nil {
			return err
		}
		if err := checkNameOp(op, name, "team name"); err != nil {
			return err
		}
		if err := tx.applyCreateTeam(name, actor); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, name, actor, "", name)
		return nil
	})
}

// RenameTeam renames team from, which the actor can view, to to. It needs
// create-teams. A team the actor cannot view is [ErrNoTeam]; an empty new
// name is [ErrInvalid]; a name in use (from itself included) is [ErrExists].
func (tx *Tx) RenameTeam(actor, from, to string) error {
	const op = OpRenameTeam
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.CreateTeams); err != nil {
			return err
		}
		t, err := tx.visibleTeamOp(op, actor, from)
		if err != nil {
			return err
		}
		if err := checkNameOp(op, to, "new team name"); err != nil {
			return err
		}
		if err := tx.applyRenameTeam(t, to); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, from, "", from, to)
		return nil
	})
}

// DeleteTeam deletes team name, which the actor can view. It needs
// create-teams. A team the actor cannot view is [ErrNoTeam].
func (tx *Tx) DeleteTeam(actor, name string) error {
	const op = OpDeleteTeam
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.CreateTeams); err != nil {
			return err
		}
		t, err := tx.visibleTeamOp(op, actor, name)
		if err != nil {
			return err
		}
		if err := tx.applyDeleteTeam(t); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, name, "", name, "")
		return nil
	})
}

// SetTeamRole gives user the role role in team, replacing any role they had.
// The actor must be an account member who is admin of the team, or hold
// manage-teams and be able to view the team; otherwise the error is a
// [*ForbiddenError] for manage-teams. A team the actor cannot view is
// [ErrNoTeam]. An empty user or a role outside the four is [ErrInvalid].
// The admin, member and viewer roles go only to account members: giving one
// to anyone else is [ErrNotMember]; any user may be made a collaborator.
// Taking the admin role from the team's last admin is [ErrLastTeamAdmin].
func (tx *Tx) SetTeamRole(actor, team, user string, role Role) error {
	const op = OpSetTeamRole
	return tx.step(op, func() error {
		t, err := tx.authorizeTeamRoles(op, actor, team)
		if err != nil {
			return err
		}
		if err := checkUser(op, user); err != nil {
			return err
		}
		if !role.Valid() {
			return fmt.Errorf("account: %s: team %q: user %q: %s is not a team role: %w", op, team, user, role, ErrInvalid)
		}
		old := t.roles[user]
		if err := tx.applySetTeamRole(t, user, role); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, team, user, roleText(old), role.String())
		return nil
	})
}

// RemoveFromTeam removes user's role in team. It is authorized as
// [Tx.SetTeamRole] is. A user with no role in the team is [ErrNotMember];
// removing the team's last admin is [ErrLastTeamAdmin].
func (tx *Tx) RemoveFromTeam(actor, team, user string) error {
	const op = OpRemoveFromTeam
	return tx.step(op, func() error {
		t, err := tx.authorizeTeamRoles(op, actor, team)
		if err != nil {
			return err
		}
		old := t.roles[user]
		if err := tx.applyRemoveFromTeam(t, user); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, team, user, old.String(), "")
		return nil
	})
}

func roleText(r Role) string {
	if r == 0 {
		return ""
	}
	return r.String()
}

// SetIdentityProvider makes p the account's identity provider, in place of
// any it had. It needs view-settings, which Manage holders hold. The
// account keeps p in canonical form ([IdentityProvider]).
//
// p is checked before anything changes: an entity ID that is not a name,
// an SSO target URL that is not an absolute https URL, an SLO target URL
// that is neither empty nor one, or a certificate that is not one PEM
// block holding an X.509 certificate that has not expired at the time of
// the step, by the Store's clock, is an error wrapping [ErrInvalid] that
// names the field, as in
//
//	account: set-identity-provider: identity_provider.sso_target_url: SSO target URL "http://idp.example.com/sso": scheme "http", want https: invalid
//
// The step's [Event] records the identity provider before and after it,
// certificate included; see [Event.Redacted] for what an audit log shows.
func (tx *Tx) SetIdentityProvider(actor string, p IdentityProvider) error {
	const op = OpSetIdentityProvider
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.ViewSettings); err != nil {
			return err
		}
		idp, err := sealIdentityProvider(p)
		if err == nil {
			err = idp.checkExpiry(tx.clock())
		}
		if err != nil {
			pe := err.(*PathError)
			return fmt.Errorf("account: %s: identity_provider.%s: %w", op, pe.Path, pe.Err)
		}
		before := idpText(tx.idp)
		if err := tx.applySetIdentityProvider(idp); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, "", "", before, idp.text)
		return nil
	})
}

// RemoveIdentityProvider removes the account's identity provider, ending
// single sign-on. It needs view-settings, which Manage holders hold. An
// account without one is [ErrNoIdentityProvider].
func (tx *Tx) RemoveIdentityProvider(actor string) error {
	const op = OpRemoveIdentityProvider
	return tx.step(op, func() error {
		if err := tx.authorize(actor, permission.ViewSettings); err != nil {
			return err
		}
		before := idpText(tx.idp)
		if err := tx.applyRemoveIdentityProvider(); err != nil {
			return stepErr(op, err)
		}
		tx.record(actor, op, "", "", before, "")
		return nil
	})
}

// clock returns the time of a step, by the Store's clock.
func (tx *Tx) clock() time.Time {
	if tx.now != nil {
		return tx.now()
	}
	return time.Now()
}
