package account

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/entaccess/entaccess/account/internal/cow"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// A Builder builds an [Account] entry by entry, as a decoder reads one,
// without a [Spec] in between. Add the members, the teams, each followed by
// its team members, and the identity provider; members may come before,
// between or after the teams. Then [Builder.Account] returns the account,
// validated exactly as [New] validates a Spec that lists the members in
// the order they were added, and the teams likewise: the same rules, and
// the same error for the first offending entry, a [*PathError] such as
// members[3].user or teams[1].members[0].role. The methods that add
// entries do not return errors; Account (or [Builder.Check]) reports the
// first.
//
// A Builder can also replay the events committed after the state it holds
// ([Builder.Replay]), as [Account.Replay] does, changing that state in
// place rather than copying it: no one else holds it until Account
// returns it. That is how a durable store opens: it reads its latest
// checkpoint into a Builder, replays the log after it, and publishes the
// result.
//
// A Builder is used by one goroutine at a time, and builds one account:
// after Account, every method reports an error. It never panics, whatever
// the order of the calls; on a nil *Builder, Check, Replay and Account
// return an error wrapping [ErrInvalid]. Use [NewBuilder] to make one.
type Builder struct {
	name  string
	rev   uint64
	phase builderPhase
	err   error // a misuse or a failed Replay, reported from then on

	members   map[string]uint8 // user → permission.Set, View included
	managers  int              // members holding Manage
	nMembers  int              // AddMember calls, kept or not
	memberErr error            // the first offending member
	listed    []Member         // New's spec's members, to say where a repeated user was first listed

	teams     map[string]*team
	firstTeam map[string]int // team name → its index
	nTeams    int            // AddTeam calls, kept or not
	cur       *team          // the team last added, if its entries are kept
	curName   string         // its name
	curLen    int            // the entries added to it, kept or not
	teamErr   error          // the first offending team entry found so far
	teamErrAt entryPos       // where
	pending   []pendingRole  // roles that need the user to be a member, not yet one

	idp *IdentityProvider

	tx   Tx      // the state, once checked: Replay changes it in place
	sets setMemo // for Replay
}

// A builderPhase is what a Builder is doing.
type builderPhase uint8

const (
	adding    builderPhase = iota // entries are being added
	replaying                     // checked; Replay changes the state in place
	finished                      // Account returned the account, or Check or Replay failed
)

// An entryPos is where a team entry is in New's order of checks: team
// index, then what of the team (see the constants), then the index of a
// team member.
type entryPos struct{ team, k int }

// The positions of a team's own checks, around its members' (k ≥ 0).
const (
	posTeamName  = -3 // an invalid name
	posTeamCount = -2 // too many members
	posTeamDup   = -1 // a name listed before
	posTeamAdmin = math.MaxInt
)

func (p entryPos) before(q entryPos) bool {
	return p.team < q.team || p.team == q.team && p.k < q.k
}

// A pendingRole is a team member whose role needs account membership, added
// while the user was not yet a member: the check waits for all members.
type pendingRole struct {
	at   entryPos
	team string
	user string
	role Role
}

// NewBuilder returns a Builder of an account named name, with no entries
// and revision 0.
func NewBuilder(name string) *Builder {
	return &Builder{name: name}
}

// Grow makes room for members members and teams teams more, so that adding
// them does not grow the Builder's maps step by step. It is only a hint:
// counts past the limits [New] sets are taken as those limits.
func (b *Builder) Grow(members, teams int) {
	if b == nil || b.phase != adding || b.err != nil {
		return
	}
	members = max(0, min(members, names.MaxMembers-len(b.members)))
	teams = max(0, min(teams, names.MaxTeams-len(b.teams)))
	if members > 0 {
		grown := make(map[string]uint8, len(b.members)+members)
		for u, p := range b.members {
			grown[u] = p
		}
		b.members = grown
	}
	if teams > 0 {
		grown := make(map[string]*team, len(b.teams)+teams)
		for n, t := range b.teams {
			grown[n] = t
		}
		b.teams = grown
	}
}

// SetRevision sets the revision of the state added: the account has it,
// and the first event Replay applies has the revision after it. Without
// it, the revision is 0, as that of an account from New.
func (b *Builder) SetRevision(rev uint64) {
	if b.adding("SetRevision") {
		b.rev = rev
	}
}

// AddMember adds user as an account member holding perms, plus View, as an
// entry of a Spec's Members.
func (b *Builder) AddMember(user string, perms permission.Set) {
	if !b.adding("AddMember") {
		return
	}
	i := b.nMembers
	b.nMembers++
	if b.memberErr != nil || i >= names.MaxMembers {
		return // Account fails: only the count matters now
	}
	if err := nameErr(user, "user"); err != nil {
		b.memberErr = &PathError{Path: memberPath(i) + ".user", Err: err}
		return
	}
	if b.members == nil {
		b.members = make(map[string]uint8)
	}
	if _, dup := b.members[user]; dup {
		err := fmt.Errorf("%q: listed twice: %w", user, ErrInvalid)
		if b.listed != nil {
			j := slices.IndexFunc(b.listed, func(o Member) bool { return o.User == user })
			err = fmt.Errorf("%q: listed twice, first at members[%d]: %w", user, j, ErrInvalid)
		}
		b.memberErr = &PathError{Path: memberPath(i) + ".user", Err: err}
		return
	}
	if !perms.Valid() {
		b.memberErr = &PathError{Path: memberPath(i) + ".permissions", Err: fmt.Errorf("user %q: permission bits outside the table (%s): %w", user, perms, ErrInvalid)}
		return
	}
	p := perms | permission.View
	b.members[user] = uint8(p)
	if p.Has(permission.Manage) {
		b.managers++
	}
}

// AddTeam adds a team named name, as an entry of a Spec's Teams. The team
// members added after it, up to the next AddTeam, are its members.
func (b *Builder) AddTeam(name string, licensed bool) { b.addTeam(name, licensed, 0) }

// addTeam is AddTeam with room for size team members.
func (b *Builder) addTeam(name string, licensed bool, size int) {
	if !b.adding("AddTeam") {
		return
	}
	b.closeTeam()
	i := b.nTeams
	b.nTeams++
	b.cur, b.curName, b.curLen = nil, name, 0
	if b.teamErr != nil || i >= names.MaxTeams {
		return
	}
	if err := nameErr(name, "team name"); err != nil {
		b.setTeamErr(entryPos{i, posTeamName}, &PathError{Path: teamPath(i) + ".name", Err: err})
		return
	}
	if j, dup := b.firstTeam[name]; dup {
		b.setTeamErr(entryPos{i, posTeamDup}, &PathError{Path: teamPath(i) + ".name", Err: fmt.Errorf("%q: listed twice, first at teams[%d]: %w", name, j, ErrInvalid)})
		return
	}
	if b.teams == nil {
		b.teams = make(map[string]*team)
	}
	if b.firstTeam == nil {
		b.firstTeam = make(map[string]int, len(b.teams))
	}
	b.firstTeam[name] = i
	b.cur = &team{name: name, licensed: licensed, roles: make(map[string]Role, min(size, names.MaxTeamMembers))}
	b.teams[name] = b.cur
}

// AddTeamMember gives user the role role in the team added last, as an
// entry of its Members. Without a team before it, Account reports an
// error.
func (b *Builder) AddTeamMember(user string, role Role) {
	if !b.adding("AddTeamMember") {
		return
	}
	if b.nTeams == 0 {
		b.err = &PathError{Path: "teams", Err: fmt.Errorf("team member %q added before any team: %w", user, ErrInvalid)}
		return
	}
	i, k := b.nTeams-1, b.curLen
	b.curLen++
	t := b.cur
	if t == nil || b.teamErr != nil || k >= names.MaxTeamMembers {
		return // Account fails: only the team's count may matter now
	}
	at := entryPos{i, k}
	if err := nameErr(user, "user"); err != nil {
		b.setTeamErr(at, &PathError{Path: teamMemberPath(i, k) + ".user", Err: err})
		return
	}
	if _, dup := t.roles[user]; dup {
		b.setTeamErr(at, &PathError{Path: teamMemberPath(i, k) + ".user", Err: fmt.Errorf("%q: listed twice in team %q: %w", user, t.name, ErrInvalid)})
		return
	}
	if !role.Valid() {
		b.setTeamErr(at, &PathError{Path: teamMemberPath(i, k) + ".role", Err: fmt.Errorf("user %q: %s is not a team role: %w", user, role, ErrInvalid)})
		return
	}
	if !mayHoldRole(permission.Set(b.members[user]), role) {
		// Members added later count too, as in a Spec.
		b.pending = append(b.pending, pendingRole{at: at, team: t.name, user: user, role: role})
	}
	t.roles[user] = role
	if role == RoleAdmin {
		t.admins++
	}
}

// SetIdentityProvider sets the account's identity provider, replacing any
// set before, as a Spec's IdentityProvider.
func (b *Builder) SetIdentityProvider(p IdentityProvider) {
	if b.adding("SetIdentityProvider") {
		b.idp = &p
	}
}

// adding reports whether entries may be added, and records the misuse of
// op if not.
func (b *Builder) adding(op string) bool {
	if b == nil {
		return false
	}
	if b.phase == adding {
		return b.err == nil
	}
	if b.err == nil {
		b.err = fmt.Errorf("account: Builder.%s after the account was checked: %w", op, ErrInvalid)
	}
	return false
}

// setTeamErr records err at at, if it comes before the team error found
// so far in New's order.
func (b *Builder) setTeamErr(at entryPos, err error) {
	if b.teamErr == nil || at.before(b.teamErrAt) {
		b.teamErr, b.teamErrAt = err, at
	}
}

// closeTeam checks what can be checked of the team added last only once
// all its members are: their count, and that it has an admin.
func (b *Builder) closeTeam() {
	if b.nTeams == 0 {
		return
	}
	i := b.nTeams - 1
	if b.curLen > names.MaxTeamMembers {
		b.setTeamErr(entryPos{i, posTeamCount}, &PathError{Path: teamPath(i) + ".members", Err: fmt.Errorf("team %q: %d members, more than %d: %w", b.curName, b.curLen, names.MaxTeamMembers, ErrInvalid)})
	} else if b.cur != nil && !b.cur.hasAdminAfter(0, 0) {
		b.setTeamErr(entryPos{i, posTeamAdmin}, &PathError{Path: teamPath(i), Err: &invalidAs{msg: "team " + strconv.Quote(b.curName) + " has no admin", also: ErrLastTeamAdmin}})
	}
	b.cur = nil
}

// Check validates the account added so far, as Account would, and returns
// the first error, or nil. It ends adding: an entry added after it makes
// every later call fail.
func (b *Builder) Check() error {
	if b == nil {
		return errNilBuilder
	}
	if b.phase == adding && b.err == nil {
		if err := b.validate(); err != nil {
			b.err = err
		} else {
			b.seal()
		}
	}
	if b.err != nil {
		b.phase = finished
		return b.err
	}
	return nil
}

// validate returns the error New returns for the Spec of the entries
// added, or nil: the account name, the counts, the members, a manager,
// the teams in order, then the identity provider.
func (b *Builder) validate() error {
	if err := checkName("name", b.name, "account name"); err != nil {
		return err
	}
	if b.nMembers > names.MaxMembers {
		return &PathError{Path: "members", Err: fmt.Errorf("%d members, more than %d: %w", b.nMembers, names.MaxMembers, ErrInvalid)}
	}
	if b.nTeams > names.MaxTeams {
		return &PathError{Path: "teams", Err: fmt.Errorf("%d teams, more than %d: %w", b.nTeams, names.MaxTeams, ErrInvalid)}
	}
	if b.memberErr != nil {
		return b.memberErr
	}
	if b.managers == 0 {
		return &PathError{Path: "members", Err: &invalidAs{msg: "no member holds manage, so no one could manage users", also: ErrLastManager}}
	}
	b.closeTeam()
	for _, p := range b.pending {
		if b.teamErr != nil && !p.at.before(b.teamErrAt) {
			break
		}
		if !mayHoldRole(permission.Set(b.members[p.user]), p.role) {
			return &PathError{Path: teamMemberPath(p.at.team, p.at.k) + ".user", Err: &invalidAs{
				msg:  fmt.Sprintf("%q holds the %s role in team %q but is not an account member", p.user, p.role, p.team),
				also: ErrNotMember}}
		}
	}
	if b.teamErr != nil {
		return b.teamErr
	}
	if b.idp != nil {
		p, err := sealIdentityProvider(*b.idp)
		if err != nil {
			return pathIn(err, "identity_provider")
		}
		b.tx.idp = p
	}
	return nil
}

// seal moves the entries, valid, into the state that Replay changes in
// place and Account publishes.
func (b *Builder) seal() {
	if b.members == nil {
		b.members = make(map[string]uint8)
	}
	if b.teams == nil {
		b.teams = make(map[string]*team)
	}
	b.tx.name, b.tx.rev = b.name, b.rev
	b.tx.members = memberTable{users: cow.FromFilteredMap(b.members), managers: b.managers}
	b.tx.teams.PtrMap = cow.FromPtrMap(b.teams)
	// No one holds these maps yet: Replay changes them in place.
	b.tx.members.users.Own()
	b.tx.teams.Own()
	b.members, b.teams, b.firstTeam, b.pending, b.idp, b.listed = nil, nil, nil, nil, nil, nil
	b.phase = replaying
}

// Replay applies events to the account built, as [Account.Replay] applies
// them to an account, with the same checks and errors: the events are
// those of one or more consecutive updates, the first with the revision
// after the Builder's (see [Builder.SetRevision]). It changes the state in
// place, so a long log costs no copies of it. It returns how many events
// it applied: all of them, or those before the one that does not apply.
// Replay first checks the entries added, as [Builder.Check] does, and
// returns that error if they are not an account.
//
// An error leaves the Builder spent, with the events before the offending
// one applied: every later call returns the error, and Account returns no
// account.
func (b *Builder) Replay(events []Event) (int, error) {
	if err := b.Check(); err != nil {
		return 0, err
	}
	n, err := b.tx.replayEvents(events, &b.sets)
	if err != nil {
		b.err, b.phase = err, finished
	}
	return n, err
}

// Account returns the account built: the entries added, checked as [New]
// checks a Spec (see [Builder]), with the events given to Replay applied.
// Its revision is that of the last event replayed, or else the one set
// with SetRevision. The Builder is done: later calls report an error.
func (b *Builder) Account() (*Account, error) {
	if err := b.Check(); err != nil {
		return nil, err
	}
	a := b.tx.snapshot(0)
	b.tx = Tx{}
	b.err, b.phase = errBuilderDone, finished
	return a, nil
}

// errNilBuilder is what a nil *Builder reports.
var errNilBuilder = fmt.Errorf("account: nil *Builder: %w", ErrInvalid)

// errBuilderDone is what a Builder reports after Account returned.
var errBuilderDone = fmt.Errorf("account: Builder used after Account: %w", ErrInvalid)
