package account

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entaccess/entaccess/permission"
)

// An Access is one question of access, named as a [Change] names it: may
// User perform Action across the account (Team ""), or, with a Team, see
// that team (Action [permission.ViewTeams]) or manage it as its admin
// (Action [permission.ManageTeams]).
type Access struct {
	User   string            `json:"user"`
	Action permission.Action `json:"action"`
	Team   string            `json:"team,omitempty"`
}

// String returns q as in `"bob" view-usage` or `"bob" view-teams in team "web"`.
func (q Access) String() string {
	s := strconv.Quote(q.User) + " " + q.Action.String()
	if q.Team != "" {
		s += " in team " + strconv.Quote(q.Team)
	}
	return s
}

// check returns an error wrapping [ErrInvalid] if q is not a question:
// its action is outside the table, or it names a team with an action other
// than view-teams and manage-teams.
func (q Access) check(what string) error {
	if !q.Action.Valid() {
		return fmt.Errorf("account: %s %s: not an action of the permission table: %w", what, q, ErrInvalid)
	}
	if q.Team != "" && q.Action != permission.ViewTeams && q.Action != permission.ManageTeams {
		return fmt.Errorf("account: %s %s: a team-scoped question is view-teams or manage-teams: %w", what, q, ErrInvalid)
	}
	return nil
}

// allowed answers q on a.
func (q Access) allowed(a *Account) bool {
	if q.Team == "" {
		return a.Can(q.User, q.Action)
	}
	sees, admin := teamAccess(a, q.User, q.Team)
	if q.Action == permission.ViewTeams {
		return sees
	}
	return admin
}

// A tracker follows the answer to one question through a history's events,
// from a snapshot, knowing only what the answer rests on: the permissions
// the user's member steps leave them, or the user's roles in the teams they
// see, by team name, so that a rename carries them along. A role that sees
// a team is held only by an account member, and RemoveMember ends such
// roles in steps of their own first, so member steps never change a
// team-scoped answer.
type tracker struct {
	q     Access
	roles map[string]Role // q.User's roles that see a team, by team name, for a team-scoped question
	now   bool            // the answer after the events applied so far
	sets  setMemo
}

func newTracker(a *Account, q Access) *tracker {
	t := &tracker{q: q}
	if q.Team != "" {
		t.roles = make(map[string]Role)
		for _, name := range a.TeamsOf(q.User) {
			t.roles[name], _ = a.Role(name, q.User)
		}
	}
	t.now = q.allowed(a)
	return t
}

// apply follows e and reports whether the answer changed. An event whose
// state text does not parse is an error wrapping [ErrMismatch].
func (t *tracker) apply(e *Event) (bool, error) {
	was := t.now
	if t.q.Team == "" {
		switch e.Op {
		case OpAddMember, OpSetPermissions, OpRemoveMember:
			if e.User != t.q.User {
				return false, nil
			}
			p, err := t.sets.eventSet(e)
			if err != nil {
				return false, err
			}
			t.now = permission.Allows(p, t.q.Action)
		}
		return t.now != was, nil
	}
	switch e.Op {
	case OpSetTeamRole, OpRemoveFromTeam:
		if e.User != t.q.User {
			return false, nil
		}
		r, err := eventRole(e)
		if err != nil {
			return false, err
		}
		if r.Sees() {
			t.roles[e.Team] = r
		} else {
			delete(t.roles, e.Team)
		}
	case OpCreateTeam:
		if e.User == t.q.User {
			t.roles[e.Team] = RoleAdmin
		}
	case OpRenameTeam:
		if r, ok := t.roles[e.Team]; ok {
			delete(t.roles, e.Team)
			t.roles[e.After] = r
		}
	case OpDeleteTeam:
		delete(t.roles, e.Team)
	default:
		return false, nil
	}
	r := t.roles[t.q.Team]
	if t.q.Action == permission.ViewTeams {
		t.now = r.Sees()
	} else {
		t.now = r == RoleAdmin
	}
	return t.now != was, nil
}

// eventSet returns the permissions e, a member step, leaves its user with:
// the empty set for a removal.
func (m *setMemo) eventSet(e *Event) (permission.Set, error) {
	if e.After == "" {
		return 0, nil
	}
	p, ok := m.memberSet(e.After)
	if !ok {
		return 0, fmt.Errorf("account: revision %d: %s of %q: %q is not a member's permission set: %w", e.Revision, e.Op, e.User, e.After, ErrMismatch)
	}
	return p, nil
}

// eventRole returns the role e, a role step, leaves its user with.
func eventRole(e *Event) (Role, error) {
	if e.After == "" {
		return 0, nil
	}
	r, err := ParseRole(e.After)
	if err != nil || !r.Valid() {
		return 0, fmt.Errorf("account: revision %d: %s of %q in team %q: %q is not a team role: %w", e.Revision, e.Op, e.User, e.Team, e.After, ErrMismatch)
	}
	return r, nil
}

// touches reports whether e may change t's answer: a member step of its
// user for an account-wide question; for a team-scoped one, a role step of
// its user or a team created, renamed or deleted. The rest are skipped
// without looking further, so that following one user through a long
// history costs little more than reading it. (It is small enough to be
// inlined into the loop over the events.)
func (t *tracker) touches(op Op, user string) bool {
	switch op {
	case OpAddMember, OpSetPermissions, OpRemoveMember:
		return t.q.Team == "" && user == t.q.User
	case OpSetTeamRole, OpRemoveFromTeam:
		return t.q.Team != "" && user == t.q.User
	default:
		return t.q.Team != ""
	}
}

// events returns the events t's walk reads from h after revision from, up
// to to, and whether the sequence itself reports a to not committed yet.
// For an account-wide question and a [UserHistory], they are the user's
// events alone, which is all the answer rests on.
func (t *tracker) events(ctx context.Context, h History, from, to uint64) (iter.Seq2[Event, error], bool) {
	if uh, ok := h.(UserHistory); ok && t.q.Team == "" {
		return uh.UserEvents(ctx, t.q.User, from, to), true
	}
	return h.Events(ctx, from), false
}

// walk reads h's events after revision from up to and including revision
// to, and calls flip for each update after which t's answer differs from
// the answer before it, with the update's last event that changed it (an
// update that changes the answer and changes it back does not count). It
// returns an error if to is not committed yet.
func (t *tracker) walk(ctx context.Context, h History, from, to uint64, flip func(e *Event)) error {
	events, checked := t.events(ctx, h, from, to)
	last := from    // the latest revision read
	cur := from     // the revision of the update being followed
	before := t.now // the answer before update cur
	var changer Event
	changed := false
	for e, err := range events {
		if err != nil {
			return fmt.Errorf("reading events after revision %d: %w", last, err)
		}
		if e.Revision > to {
			break
		}
		last = e.Revision
		if !t.touches(e.Op, e.User) || e.Revision <= from {
			continue
		}
		if e.Revision != cur {
			if changed && t.now != before {
				flip(&changer)
				before = t.now
			}
			changed, cur = false, e.Revision
		}
		c, err := t.apply(&e)
		if err != nil {
			return err
		}
		if c {
			changer, changed = e, true
		}
	}
	if changed && t.now != before {
		flip(&changer)
	}
	if !checked && last < to {
		return &RevisionError{Revision: to, Latest: last, Err: ErrNotCommitted}
	}
	return nil
}

// An Origin says since when, and through whose step, the answer to an
// [Access] question has been what it is at a revision: what [Provenance]
// finds.
type Origin struct {
	Access   Access `json:"access"`
	Revision uint64 `json:"revision"` // the revision asked about
	Allowed  bool   `json:"allowed"`  // the answer at Revision
	// Event is the step that last made the answer what it is: of the last
	// update at or before Revision after which the answer differed from
	// before it, the last step that changed it. It is nil if no update of
	// the history changed the answer: it has been the same since Since.
	Event *Event `json:"event,omitempty"`
	// Since is the revision the history begins at: 0 when it holds every
	// update since the account was created.
	Since uint64 `json:"since"`
}

// String says what the answer is and since when, as in
//
//	as of revision 20, "bob" may view-usage since revision 17: set-permissions by "alice" at 2026-01-02T03:04:05Z ("view" to "view,billing")
//	as of revision 20, "bob" may not view-teams in team "web" since the account was created
func (o Origin) String() string {
	var b strings.Builder
	b.WriteString("as of revision ")
	b.WriteString(strconv.FormatUint(o.Revision, 10))
	b.WriteString(", ")
	b.WriteString(strconv.Quote(o.Access.User))
	if o.Allowed {
		b.WriteString(" may ")
	} else {
		b.WriteString(" may not ")
	}
	b.WriteString(o.Access.Action.String())
	if o.Access.Team != "" {
		b.WriteString(" in team ")
		b.WriteString(strconv.Quote(o.Access.Team))
	}
	switch {
	case o.Event != nil:
		b.WriteString(" since revision ")
		b.WriteString(strconv.FormatUint(o.Event.Revision, 10))
		b.WriteString(": ")
		b.WriteString(describeEvent(o.Event))
	case o.Since == 0:
		b.WriteString(" since the account was created")
	default:
		b.WriteString(" since revision ")
		b.WriteString(strconv.FormatUint(o.Since, 10))
		b.WriteString(", where the history begins")
	}
	return b.String()
}

// describeEvent returns e as "op by actor at time (what changed)".
func describeEvent(e *Event) string {
	var b strings.Builder
	b.WriteString(e.Op.String())
	b.WriteString(" by ")
	b.WriteString(strconv.Quote(e.Actor))
	if !e.Time.IsZero() {
		b.WriteString(" at ")
		b.WriteString(e.Time.UTC().Format(time.RFC3339))
	}
	b.WriteString(" (")
	switch e.Op {
	case OpSetTeamRole, OpRemoveFromTeam:
		b.WriteString(strconv.Quote(e.User))
		b.WriteString(" in team ")
		b.WriteString(strconv.Quote(e.Team))
		b.WriteString(": ")
	case OpAddMember, OpSetPermissions, OpRemoveMember:
		b.WriteString(strconv.Quote(e.User))
		b.WriteString(": ")
	}
	b.WriteString(strconv.Quote(e.Before))
	b.WriteString(" to ")
	b.WriteString(strconv.Quote(e.After))
	b.WriteString(")")
	return b.String()
}

// Provenance answers q as of revision rev of h and says since when and
// through whose step the answer has been what it is: the [Origin] names the
// last update at or before rev that changed the answer, and its step that
// did (the grant or the removal of the permission or the role the answer
// rests on), or no step if the answer has been the same since the history
// began. An account-wide answer rests on the user's permissions; a
// team-scoped one on the user's role in the team and on the team's name
// (created, renamed or deleted).
//
// It reads the account h began with and h's events up to rev, once (for
// an account-wide q and an h that is a [UserHistory], only q's user's
// events, as [AccessSpans] does). A q with an action outside the table,
// or a team-scoped q whose action is not view-teams or manage-teams, is
// an error wrapping [ErrInvalid]; a rev not committed yet is a
// [*RevisionError] wrapping [ErrNotCommitted], and one before the history
// began, [ErrNotKept].
func Provenance(ctx context.Context, h History, q Access, rev uint64) (Origin, error) {
	if err := q.check("provenance of"); err != nil {
		return Origin{}, err
	}
	if h == nil {
		return Origin{}, fmt.Errorf("account: provenance of %s: nil History: %w", q, ErrInvalid)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	start, err := historyStart(ctx, h, rev)
	if err != nil {
		return Origin{}, fmt.Errorf("account: provenance of %s: %w", q, err)
	}
	if rev < start {
		return Origin{}, fmt.Errorf("account: provenance of %s: %w", q, &RevisionError{Revision: rev, Latest: start, Err: ErrNotKept})
	}
	a, err := h.At(ctx, start)
	if err != nil {
		return Origin{}, fmt.Errorf("account: provenance of %s: %w", q, err)
	}
	o := Origin{Access: q, Revision: rev, Since: start}
	t := newTracker(a, q)
	var last Event
	err = t.walk(ctx, h, start, rev, func(e *Event) { last = *e })
	if err != nil {
		return Origin{}, fmt.Errorf("account: provenance of %s: %w", q, err)
	}
	if last.Revision != 0 {
		o.Event = &last
	}
	o.Allowed = t.now
	return o, nil
}

// historyStart returns the revision h begins at: the one before its first
// event, or rev if it holds none (then rev is the only state it can hold).
func historyStart(ctx context.Context, h History, rev uint64) (uint64, error) {
	for e, err := range h.Events(ctx, 0) {
		if err != nil {
			return 0, fmt.Errorf("reading the first event: %w", err)
		}
		return e.Revision - 1, nil
	}
	return rev, nil
}

// A Span is a run of consecutive revisions during which an [Access] was
// allowed, within the range of revisions [AccessSpans] or [WhoCould] was
// asked about.
type Span struct {
	User string `json:"user"`
	// From is the first revision of the run: the revision of Opened, or
	// the first of the range if it was allowed there already.
	From uint64 `json:"from"`
	// To is the first revision after the run, the revision of Closed, or 0
	// if it was still allowed at the last revision of the range.
	To uint64 `json:"to,omitempty"`
	// Opened is the step that granted it, with its actor and commit time;
	// nil if it was allowed at the first revision of the range (ask
	// [Provenance] since when). Closed is the step that took it away; nil
	// if it was still allowed at the end.
	Opened *Event `json:"opened,omitempty"`
	Closed *Event `json:"closed,omitempty"`
}

// AccessSpans returns the runs of revisions from from to to, both included,
// during which q was allowed in h, in order: q is allowed at revision r
// exactly when some Span has From <= r and r < To (or To == 0). Opened and
// Closed give the steps, and so the times, at which each run began and
// ended.
//
// It reads h's account at from and h's events after from up to to, once,
// and does nothing for an event that cannot change the answer beyond
// looking at its operation and user. For an account-wide question and an
// h that is a [UserHistory], such as the journal, it reads only q's user's
// events, through UserEvents, which costs less than a pass over them all.
// Errors are those of [Provenance], and from > to is an error wrapping
// [ErrInvalid].
func AccessSpans(ctx context.Context, h History, q Access, from, to uint64) ([]Span, error) {
	if err := q.check("access spans of"); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, fmt.Errorf("account: access spans of %s: nil History: %w", q, ErrInvalid)
	}
	if from > to {
		return nil, fmt.Errorf("account: access spans of %s: from revision %d to %d, an empty range: %w", q, from, to, ErrInvalid)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	a, err := h.At(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("account: access spans of %s: %w", q, err)
	}
	t := newTracker(a, q)
	spans := []Span{}
	if t.now {
		spans = append(spans, Span{User: q.User, From: from})
	}
	var events eventSlab
	err = t.walk(ctx, h, from, to, func(e *Event) {
		if t.now {
			spans = append(spans, Span{User: q.User, From: e.Revision, Opened: events.add(*e)})
		} else {
			s := &spans[len(spans)-1]
			s.To, s.Closed = e.Revision, events.add(*e)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("account: access spans of %s: %w", q, err)
	}
	return spans, nil
}

// WhoCould returns, for every user who could perform act at some revision
// from from to to, both included, the runs of revisions during which they
// could, as [AccessSpans] gives them: sorted by user, then by revision. It
// answers an auditor's "who could see usage between March and May" (with
// [RevisionAt] for the revisions of two times). act is asked across the
// account, as [Account.Can] asks it; for a team, ask [AccessSpans] about
// each user.
//
// It reads h's account at from, once, and h's events after from up to to,
// once. An action outside the table is an error wrapping [ErrInvalid];
// other errors are those of [AccessSpans].
func WhoCould(ctx context.Context, h History, act permission.Action, from, to uint64) ([]Span, error) {
	if !act.Valid() {
		return nil, fmt.Errorf("account: who could %s: not an action of the permission table: %w", act, ErrInvalid)
	}
	if h == nil {
		return nil, fmt.Errorf("account: who could %s: nil History: %w", act, ErrInvalid)
	}
	if from > to {
		return nil, fmt.Errorf("account: who could %s: from revision %d to %d, an empty range: %w", act, from, to, ErrInvalid)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	a, err := h.At(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("account: who could %s: %w", act, err)
	}
	var spans []Span
	var events eventSlab
	open := make(map[string]int) // user → index in spans of their open run
	for u, p := range a.Members() {
		if permission.Allows(p, act) {
			open[u] = len(spans)
			spans = append(spans, Span{User: u, From: from})
		}
	}
	var up updateUsers
	var sets setMemo
	settle := func() {
		for i := range up.users {
			pd := &up.users[i]
			k, was := open[pd.user]
			switch {
			case pd.now && !was:
				open[pd.user] = len(spans)
				spans = append(spans, Span{User: pd.user, From: pd.changer.Revision, Opened: events.add(pd.changer)})
			case !pd.now && was:
				spans[k].To, spans[k].Closed = pd.changer.Revision, events.add(pd.changer)
				delete(open, pd.user)
			}
		}
		up.reset()
	}
	last := from
	for e, rerr := range h.Events(ctx, from) {
		if rerr != nil {
			return nil, fmt.Errorf("account: who could %s: reading events after revision %d: %w", act, last, rerr)
		}
		if e.Revision <= from {
			continue
		}
		if e.Revision > to {
			break
		}
		if e.Revision != last {
			settle()
			last = e.Revision
		}
		switch e.Op {
		case OpAddMember, OpSetPermissions, OpRemoveMember:
		default:
			continue
		}
		p, err := sets.eventSet(&e)
		if err != nil {
			return nil, fmt.Errorf("account: who could %s: %w", act, err)
		}
		pd := up.get(e.User)
		if pd == nil {
			_, was := open[e.User]
			pd = up.add(e.User, was)
		}
		if now := permission.Allows(p, act); now != pd.now {
			pd.now, pd.changer = now, e
		}
	}
	settle()
	if last < to {
		return nil, fmt.Errorf("account: who could %s: %w", act, &RevisionError{Revision: to, Latest: last, Err: ErrNotCommitted})
	}
	slices.SortFunc(spans, func(x, y Span) int {
		if c := strings.Compare(x.User, y.User); c != 0 {
			return c
		}
		return cmp.Compare(x.From, y.From)
	})
	if spans == nil {
		spans = []Span{}
	}
	return spans, nil
}

// updateUsers are the users one update's member steps touched so far, in
// the order first touched: their answer now, and the update's last step
// that changed it. Most updates touch one user or a few, found by a look
// along the list; an index is built for an update that touches many.
type updateUsers struct {
	users []pendingUser
	index map[string]int
}

type pendingUser struct {
	user    string
	now     bool
	changer Event
}

// indexPast is the number of users past which updateUsers keeps an index.
const indexPast = 16

func (u *updateUsers) get(user string) *pendingUser {
	if u.index != nil {
		if i, ok := u.index[user]; ok {
			return &u.users[i]
		}
		return nil
	}
	for i := range u.users {
		if u.users[i].user == user {
			return &u.users[i]
		}
	}
	return nil
}

func (u *updateUsers) add(user string, now bool) *pendingUser {
	u.users = append(u.users, pendingUser{user: user, now: now})
	switch {
	case u.index != nil:
		u.index[user] = len(u.users) - 1
	case len(u.users) > indexPast:
		u.index = make(map[string]int, 2*len(u.users))
		for i, p := range u.users {
			u.index[p.user] = i
		}
	}
	return &u.users[len(u.users)-1]
}

func (u *updateUsers) reset() {
	clear(u.users)
	u.users, u.index = u.users[:0], nil
}

// An eventSlab hands out pointers to copies of events, allocated a block
// at a time, for spans that keep many.
type eventSlab struct{ block []Event }

func (s *eventSlab) add(e Event) *Event {
	if len(s.block) == cap(s.block) {
		s.block = make([]Event, 0, 256)
	}
	s.block = append(s.block, e)
	return &s.block[len(s.block)-1]
}

// PermissionsSince says, for every member of h's account at revision rev,
// since when they have held the permissions they hold at rev, and through
// whose step, reading h's events up to rev once: for a page that shows
// every member with the provenance of their permissions, where one
// [Provenance] call per member would read the history once per member.
//
// A member is in set if an update of h at or before rev changed their
// permission set (added them, changed it, or added them again after a
// removal), with the step of the last such update that did: its last
// add-member or set-permissions step of the member, whose After is the
// set they hold at rev. An update that changes a member's set and changes
// it back does not count, as for Provenance. A member not in set has
// held their permissions since h began: since the revision start, which
// is 0 when h holds every update since the account was created. Users who
// are not members at rev are not in set.
//
// Errors are those of [Provenance]: a rev not committed yet is a
// [*RevisionError] wrapping [ErrNotCommitted], one before the history
// began, [ErrNotKept].
func PermissionsSince(ctx context.Context, h History, rev uint64) (set map[string]Event, start uint64, err error) {
	if h == nil {
		return nil, 0, fmt.Errorf("account: permissions since, as of revision %d: nil History: %w", rev, ErrInvalid)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	set = make(map[string]Event)
	// pending are the members the current update's member steps touched:
	// their set before the update, and its last step of them.
	type pend struct {
		before string
		last   Event
	}
	pending := make(map[string]*pend)
	settle := func() {
		for u, p := range pending {
			switch {
			case p.before == p.last.After:
			case p.last.After == "":
				delete(set, u)
			default:
				set[u] = p.last
			}
		}
		clear(pending)
	}
	first, last := true, uint64(0)
	for e, rerr := range h.Events(ctx, 0) {
		if rerr != nil {
			return nil, 0, fmt.Errorf("account: permissions since, as of revision %d: reading events after revision %d: %w", rev, last, rerr)
		}
		if first {
			start, first = e.Revision-1, false
			last = start
			if rev < start {
				return nil, 0, fmt.Errorf("account: permissions since, as of revision %d: %w", rev, &RevisionError{Revision: rev, Latest: start, Err: ErrNotKept})
			}
		}
		if e.Revision > rev {
			break
		}
		if e.Revision != last {
			settle()
			last = e.Revision
		}
		switch e.Op {
		case OpAddMember, OpSetPermissions, OpRemoveMember:
		default:
			continue
		}
		if p, ok := pending[e.User]; ok {
			p.last = e
		} else {
			pending[e.User] = &pend{before: e.Before, last: e}
		}
	}
	settle()
	if first {
		// No events: the history holds rev alone, if it holds it at all.
		if _, err := h.At(ctx, rev); err != nil {
			return nil, 0, fmt.Errorf("account: permissions since, as of revision %d: %w", rev, err)
		}
		return set, rev, nil
	}
	if last < rev {
		return nil, 0, fmt.Errorf("account: permissions since, as of revision %d: %w", rev, &RevisionError{Revision: rev, Latest: last, Err: ErrNotCommitted})
	}
	return set, start, nil
}
