package account

import (
	"errors"
	"fmt"

	"github.com/entaccess/entaccess/permission"
)

// ErrMismatch reports events that cannot be replayed on an account: an
// event whose Before is not the state it applies to, a revision that does
// not follow, or an event that no step could have recorded. Events that
// were committed on the account they are replayed on never give it; it
// means that the events or the account were damaged or do not belong
// together.
var ErrMismatch = errors.New("events do not match the account")

// WithRevision returns a snapshot with a's content and revision rev. It
// restores a snapshot saved with its revision, such as a checkpoint of a
// durable store: [Account.Spec] and [ParseJSON] keep an account's content
// but not its revision. a itself is not changed.
func (a *Account) WithRevision(rev uint64) *Account {
	if a == nil {
		return nil
	}
	c := *a
	c.rev = rev
	return &c
}

// Replay applies events that were committed elsewhere, as a [Store]'s
// updates recorded them, and returns the account they lead to. The events
// are those of one or more consecutive updates, in commit order: the first
// has revision a.Revision()+1, and each later one the revision of the event
// before it or the next one. The result has the revision of the last event
// and, when the events are those committed on an account equal to a, the
// content of the committed account exactly. An empty events returns a.
//
// Replay does not check the events' actors: the update was authorized when
// it was committed. It checks everything else: each event's Before must be
// the state of its target in the account as changed by the events before
// it; names must be valid; and every state the events lead through, as the
// states between the steps of a [Tx], must keep the account's invariants:
// a member holding Manage; the admin, member and viewer roles held only by
// account members, so that a member is removed only after their roles of
// those kinds ended; an admin in every team.
// An identity provider's event must hold one in canonical form whose
// fields are valid as [New] checks them; its certificate's dates are not
// checked again, since it was valid when the step was taken. Any mismatch is an error
// naming the event and wrapping [ErrMismatch]. Replay never changes a,
// whether it succeeds or not.
func (a *Account) Replay(events []Event) (*Account, error) {
	if a == nil {
		return nil, fmt.Errorf("account: replay on a nil *Account: %w", ErrInvalid)
	}
	if len(events) == 0 {
		return a, nil
	}
	tx := newTx(a, a.rev)
	var sets setMemo
	if _, err := tx.replayEvents(events, &sets); err != nil {
		return nil, err
	}
	return tx.snapshot(0), nil
}

// replayEvents applies events, those of one or more consecutive updates,
// the first with the revision after tx.rev, to tx's account, as Replay
// documents. It stops at the first event that does not apply, which
// changes nothing, and returns its error.
func (tx *Tx) replayEvents(events []Event, sets *setMemo) (int, error) {
	ahead := tx.members.len() >= lookAheadMembers
	for i, e := range events {
		if ahead && i%lookAhead == 0 {
			tx.lookUp(events[i:min(i+lookAhead, len(events))])
		}
		switch {
		case e.Revision == tx.rev+1:
			tx.rev++
		case e.Revision == tx.rev && i > 0:
		default:
			return i, fmt.Errorf("account: replay events[%d]: revision %d after revision %d: %w", i, e.Revision, tx.rev, ErrMismatch)
		}
		if err := tx.replay(e, sets); err != nil {
			return i, fmt.Errorf("account: replay events[%d] (revision %d, %s): %w", i, e.Revision, e.Op, err)
		}
		// An overlay that outgrows what a published snapshot keeps would be
		// compacted at the end: fold it now, so that the events after it
		// change a private base in place instead of a growing overlay. (A
		// Builder's state has no overlay: it is changed in place already.)
		tx.foldPast(compactLimit(tx.members.len()))
	}
	return len(events), nil
}

// Replaying a long log on a large account, most of the time goes to the
// first lookup of each event's user in the member table, a map larger than
// the processor's caches: a few cache misses, one after the other, that
// the event's checks wait for. replayEvents looks up the users of the next
// lookAhead events first, in a loop of lookups that do not depend on each
// other, so that the processor overlaps their misses; the events then find
// their entries in the cache. Below lookAheadMembers members the table
// stays in the cache, and the extra lookups would only cost.
const (
	lookAhead        = 32
	lookAheadMembers = 1 << 13
)

// lookUp looks up the users of events in the member table, for the cache
// (see lookAhead), and returns what they hold, which the caller does not
// need.
func (tx *Tx) lookUp(events []Event) permission.Set {
	var held permission.Set
	for i := range events {
		held |= tx.holds(events[i].User)
	}
	return held
}

// replay applies one event to tx's account: it decodes the event, checks
// its Before against the state, and applies its change as the Tx step that
// recorded it did, with the same checks of the state it leads to. sets
// remembers the permission sets of the events before it.
func (tx *Tx) replay(e Event, sets *setMemo) error {
	mismatch := func(what string, args ...any) error {
		return fmt.Errorf(what+": %w", append(args, ErrMismatch)...)
	}
	// applied reports the error of an apply function as a mismatch.
	applied := func(err error) error {
		if err == nil {
			return nil
		}
		return mismatch("%v", err)
	}
	switch e.Op {
	case OpAddMember, OpSetPermissions, OpRemoveMember:
		if e.Team != "" {
			return mismatch("a member step names team %q", e.Team)
		}
		if old := tx.holds(e.User); !isPermsText(old, e.Before) {
			return mismatch("user %q holds %q, the event says %q", e.User, permsText(old), e.Before)
		}
		switch {
		case e.Op == OpAddMember && e.Before == "" && e.After != "":
			if err := checkName("", e.User, "user"); err != nil {
				return mismatch("%v", err)
			}
			p, ok := sets.memberSet(e.After)
			if !ok {
				return mismatch("user %q: %q is not a member's permission set", e.User, e.After)
			}
			return applied(tx.applyAddMember(e.User, p))
		case e.Op == OpSetPermissions && e.Before != "" && e.After != "":
			p, ok := sets.memberSet(e.After)
			if !ok {
				return mismatch("user %q: %q is not a member's permission set", e.User, e.After)
			}
			return applied(tx.applySetPermissions(e.User, p))
		case e.Op == OpRemoveMember && e.Before != "" && e.After == "":
			// RemoveMember ends the user's roles that need membership, each
			// an event before this one: any left is a step missing.
			if t := tx.firstVisibleTeam(e.User); t != nil {
				return mismatch("user %q removed while holding the %s role in team %q", e.User, t.roles[e.User], t.name)
			}
			return applied(tx.applyRemoveMember(e.User))
		}
		return mismatch("user %q from %q to %q", e.User, e.Before, e.After)

	case OpCreateTeam:
		if e.Before != "" || e.After != e.Team {
			return mismatch("team %q from %q to %q", e.Team, e.Before, e.After)
		}
		if err := checkName("", e.Team, "team name"); err != nil {
			return mismatch("%v", err)
		}
		if err := checkName("", e.User, "user"); err != nil {
			return mismatch("%v", err)
		}
		return applied(tx.applyCreateTeam(e.Team, e.User))

	case OpRenameTeam, OpDeleteTeam:
		if e.User != "" || e.Before != e.Team {
			return mismatch("team %q from %q", e.Team, e.Before)
		}
		t, ok := tx.teams.Get(e.Team)
		if !ok {
			return mismatch("no team %q", e.Team)
		}
		if e.Op == OpDeleteTeam {
			if e.After != "" {
				return mismatch("team %q deleted to %q", e.Team, e.After)
			}
			return applied(tx.applyDeleteTeam(t))
		}
		if err := checkName("", e.After, "new team name"); err != nil {
			return mismatch("%v", err)
		}
		return applied(tx.applyRenameTeam(t, e.After))

	case OpSetTeamRole, OpRemoveFromTeam:
		t, ok := tx.teams.Get(e.Team)
		if !ok {
			return mismatch("no team %q", e.Team)
		}
		old := t.roles[e.User]
		if have := roleText(old); have != e.Before {
			return mismatch("user %q has role %q in team %q, the event says %q", e.User, have, e.Team, e.Before)
		}
		if e.Op == OpRemoveFromTeam {
			if e.After != "" {
				return mismatch("user %q removed from team %q to %q", e.User, e.Team, e.After)
			}
			return applied(tx.applyRemoveFromTeam(t, e.User))
		}
		r, err := ParseRole(e.After)
		if err != nil || !r.Valid() {
			return mismatch("user %q: %q is not a team role", e.User, e.After)
		}
		if old == 0 {
			if err := checkName("", e.User, "user"); err != nil {
				return mismatch("%v", err)
			}
		}
		return applied(tx.applySetTeamRole(t, e.User, r))

	case OpSetIdentityProvider, OpRemoveIdentityProvider:
		if e.Team != "" || e.User != "" {
			return mismatch("an identity provider step names team %q and user %q", e.Team, e.User)
		}
		if have := idpText(tx.idp); have != e.Before {
			return mismatch("the identity provider is %s, the event says %s",
				orNone(redactIdentityProvider(have)), orNone(redactIdentityProvider(e.Before)))
		}
		if e.Op == OpRemoveIdentityProvider {
			if e.After != "" {
				return mismatch("identity provider removed to %s", redactIdentityProvider(e.After))
			}
			return applied(tx.applyRemoveIdentityProvider())
		}
		// The certificate's dates were checked when the step was taken;
		// replayed later, it may have expired since.
		var p IdentityProvider
		if err := p.decode([]byte(e.After)); err != nil {
			return mismatch("identity provider: %v", err)
		}
		idp, err := sealIdentityProvider(p)
		if err != nil {
			return mismatch("identity provider: %v", err)
		}
		if idp.text != e.After {
			return mismatch("identity provider not in canonical form")
		}
		return applied(tx.applySetIdentityProvider(idp))
	}
	return mismatch("%s is not a step", e.Op)
}

// permsText is the text an event records for a member's permissions: ""
// for a user who is not a member, who holds nothing.
func permsText(p permission.Set) string {
	if p == 0 {
		return ""
	}
	return p.String()
}

// isPermsText reports whether s is permsText(p), without allocating.
func isPermsText(p permission.Set, s string) bool {
	var buf [64]byte
	b, _ := p.AppendText(buf[:0])
	return string(b) == s
}

// A setMemo remembers the last few texts found to be members' permission
// sets, as a replay meets the same few again and again.
type setMemo struct {
	texts [4]string
	sets  [4]permission.Set
	next  int // the entry to replace
}

// memberSet returns the set that text spells, if text is a member's
// permission set in its canonical form: it parses, includes View and is
// written as [permission.Set.String] writes it.
func (m *setMemo) memberSet(text string) (permission.Set, bool) {
	for i, t := range m.texts {
		if m.sets[i] != 0 && t == text {
			return m.sets[i], true
		}
	}
	p, err := permission.ParseSet(text)
	if err != nil || !p.Has(permission.View) || !isPermsText(p, text) {
		return 0, false
	}
	m.texts[m.next], m.sets[m.next] = text, p
	m.next = (m.next + 1) % len(m.texts)
	return p, true
}

// orNone returns s, or "none" for "".
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
