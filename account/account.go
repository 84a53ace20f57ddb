package account

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// An Account is an immutable snapshot of an Enterprise Account: its members
// with their permissions, and its Enterprise Teams. Build one with [New] or
// [ParseJSON]; change one through a [Store], which publishes a new snapshot
// per committed update and never changes an old one.
//
// An Account is safe for use by any number of goroutines. The zero Account
// and a nil *Account have no members: every check on them is false.
type Account struct {
	content
	rev uint64
}

// New validates spec and returns the account it describes. The account does
// not share memory with spec. Members' permission sets gain View when they
// lack it.
//
// An invalid spec is an error, a [*PathError] naming the first offending
// entry and wrapping [ErrInvalid]:
//   - an account name that is not a name (name): names are not empty, at
//     most 256 bytes of valid UTF-8, without white space at either end, and
//     hold no control characters, no invisible format characters (Unicode
//     category Cf, such as zero-width spaces, U+FEFF, soft hyphens and
//     bidirectional controls), no private-use characters and no
//     noncharacters, so that two names that print alike are one name or
//     an error; the same rules apply to user and team names;
//   - more than 2,097,152 members (members) or 65,536 teams (teams), or
//     more than 2,097,152 users in one team (teams[1].members);
//   - an empty, malformed or repeated user (members[3].user), permission
//     bits outside the four (members[3].permissions);
//   - no member holding Manage (members), which also wraps [ErrLastManager];
//   - an empty, malformed or repeated team name (teams[1].name);
//   - a team with no admin (teams[1]), which also wraps [ErrLastTeamAdmin];
//   - an empty or malformed user, or a user listed twice in one team
//     (teams[1].members[0].user), or a role outside the four
//     (teams[1].members[0].role);
//   - an admin, member or viewer role held by a user who is not an account
//     member (teams[1].members[0].user), which also wraps [ErrNotMember];
//   - an identity provider whose entity ID is not a name
//     (identity_provider.entity_id), whose SSO or SLO target URL is not an
//     absolute https URL (identity_provider.sso_target_url; the SLO target
//     URL may be empty), or whose certificate is not one PEM block holding
//     an X.509 certificate (identity_provider.certificate). New does not
//     check the certificate's dates: an account keeps its identity provider
//     when the certificate expires, and a Tx step that sets one refuses an
//     expired certificate ([Tx.SetIdentityProvider]).
//
// Only the collaborator role may be held by a user who is not an account
// member: collaborators work on specific apps and usually are not. So every
// team has an admin who is an account member, someone who can manage it.
// A new Account has revision 0.
func New(spec Spec) (*Account, error) {
	b := NewBuilder(spec.Name)
	b.listed = spec.Members
	if len(spec.Members) <= names.MaxMembers && len(spec.Teams) <= names.MaxTeams {
		b.Grow(len(spec.Members), len(spec.Teams))
	}
	for _, m := range spec.Members {
		b.AddMember(m.User, m.Permissions)
	}
	for _, t := range spec.Teams {
		b.addTeam(t.Name, t.Licensed, len(t.Members))
		for _, m := range t.Members {
			b.AddTeamMember(m.User, m.Role)
		}
	}
	if spec.IdentityProvider != nil {
		b.SetIdentityProvider(*spec.IdentityProvider)
	}
	return b.Account()
}

// checkName returns a *PathError at path if s is not a name by the rules
// every package of this module follows: not empty, and [names.Check]'s
// rules (at most 256 bytes of valid UTF-8, no white space at either end, no
// control, format or private-use characters, no noncharacters). what says
// which name it is, as in "team name".
func checkName(path, s, what string) error {
	if err := nameErr(s, what); err != nil {
		return &PathError{Path: path, Err: err}
	}
	return nil
}

// nameErr is [checkName] without the path, for callers that build the path
// only when there is an error: what is wrong with s, wrapping [ErrInvalid],
// or nil. On the way to nil it allocates nothing.
func nameErr(s, what string) error {
	if s == "" {
		return fmt.Errorf("empty %s: %w", what, ErrInvalid)
	}
	if err := names.Check(s); err != nil {
		return fmt.Errorf("%s %v: %w", what, err, ErrInvalid)
	}
	return nil
}

// memberPath returns the path of spec.Members[i], "members[i]".
func memberPath(i int) string { return "members[" + strconv.Itoa(i) + "]" }

// teamPath returns the path of spec.Teams[i], "teams[i]".
func teamPath(i int) string { return "teams[" + strconv.Itoa(i) + "]" }

// teamMemberPath returns the path of spec.Teams[i].Members[k],
// "teams[i].members[k]".
func teamMemberPath(i, k int) string { return teamPath(i) + ".members[" + strconv.Itoa(k) + "]" }

// ParseJSON decodes a [Spec] from JSON, strictly (see [Spec]), and returns
// the account it describes, as [New] does. Every error names the offending
// entry and wraps [ErrInvalid].
func ParseJSON(data []byte) (*Account, error) {
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		if _, ok := err.(*PathError); ok {
			return nil, err
		}
		return nil, &PathError{Err: fmt.Errorf("malformed JSON: %v: %w", err, ErrInvalid)}
	}
	return New(s)
}

// MarshalJSON writes a's [Account.Spec] as JSON; [ParseJSON] reads it back.
func (a *Account) MarshalJSON() ([]byte, error) { return json.Marshal(a.Spec()) }

// Name returns the account's name.
func (a *Account) Name() string {
	if a == nil {
		return ""
	}
	return a.name
}

// Revision returns the number of committed updates that led from the
// account given to [NewStore] to a; an account from [New] is revision 0.
func (a *Account) Revision() uint64 {
	if a == nil {
		return 0
	}
	return a.rev
}

// Permissions returns the permissions user holds, always including View,
// and whether user is an account member. Non-members hold nothing.
func (a *Account) Permissions(user string) (permission.Set, bool) {
	if a == nil {
		return 0, false
	}
	p := a.holds(user)
	return p, p != 0
}

// IsMember reports whether user is an account member.
func (a *Account) IsMember(user string) bool {
	_, ok := a.Permissions(user)
	return ok
}

// Role returns user's role in team, and whether the team exists. The zero
// Role means user has no role there. A user who is not an account member
// can hold only the collaborator role.
func (a *Account) Role(team, user string) (Role, bool) {
	if a == nil {
		return 0, false
	}
	t, ok := a.teams.Get(team)
	if !ok {
		return 0, false
	}
	return t.roles[user], true
}

// Spec returns a as plain data, in canonical order: members by user, teams by
// name, team members by user. The result is a fresh copy: changing it
// changes nothing in a. New(a.Spec()) describes the same account.
func (a *Account) Spec() Spec {
	if a == nil {
		return Spec{Members: []Member{}, Teams: []Team{}}
	}
	s := Spec{Name: a.name, Members: make([]Member, 0, a.members.len()), Teams: make([]Team, 0, a.teams.Len())}
	for u, p := range a.members.all {
		s.Members = append(s.Members, Member{User: u, Permissions: p})
	}
	slices.SortFunc(s.Members, func(x, y Member) int { return strings.Compare(x.User, y.User) })
	for _, t := range a.teams.All() {
		s.Teams = append(s.Teams, t.spec())
	}
	slices.SortFunc(s.Teams, func(x, y Team) int { return strings.Compare(x.Name, y.Name) })
	if p, ok := a.IdentityProvider(); ok {
		s.IdentityProvider = &p
	}
	return s
}

// spec returns t as a Team with members sorted by user.
func (t *team) spec() Team {
	st := Team{Name: t.name, Licensed: t.licensed, Members: make([]TeamMember, 0, len(t.roles))}
	for u, r := range t.roles {
		st.Members = append(st.Members, TeamMember{User: u, Role: r})
	}
	slices.SortFunc(st.Members, func(x, y TeamMember) int { return strings.Compare(x.User, y.User) })
	return st
}

// A Decision is the answer to one check, with what it was based on. Its
// Allowed field always equals what [Account.Can] returns for the same user
// and action.
type Decision struct {
	Allowed bool
	User    string
	Action  permission.Action
	Member  bool           // the user is an account member
	Holds   permission.Set // what the user holds; empty for non-members
	Needs   permission.Set // Action.AllowedBy(): any one of these allows the action
}

// Explain answers the same question as [Account.Can] and says why.
// It does not allocate.
func (a *Account) Explain(user string, act permission.Action) Decision {
	var p permission.Set
	if a != nil {
		p = a.holds(user)
	}
	return Decision{
		Allowed: permission.Allows(p, act),
		User:    user,
		Action:  act,
		Member:  p != 0,
		Holds:   p,
		Needs:   act.AllowedBy(),
	}
}

// String returns d as one sentence, such as
//
//	"bob" may not view-usage: holds view,create; view-usage needs billing
func (d Decision) String() string {
	var b strings.Builder
	b.WriteString(strconv.Quote(d.User))
	if d.Allowed {
		b.WriteString(" may ")
	} else {
		b.WriteString(" may not ")
	}
	b.WriteString(d.Action.String())
	b.WriteString(": ")
	switch {
	case !d.Action.Valid():
		b.WriteString("not an action of the permission table")
	case !d.Member:
		b.WriteString("not an account member")
	case d.Allowed:
		b.WriteString("holds ")
		b.WriteString((d.Holds & d.Needs).String())
		b.WriteString(", which allows it")
	default:
		b.WriteString("holds ")
		b.WriteString(d.Holds.String())
		b.WriteString("; ")
		b.WriteString(d.Action.String())
		b.WriteString(" needs ")
		if d.Needs.Len() > 1 {
			b.WriteString("one of ")
		}
		b.WriteString(d.Needs.String())
	}
	return b.String()
}
