package accounttest

import (
	"errors"
	"fmt"
	"slices"

	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// An Op is one [account.Tx] step as a value: which step, who takes it, and
// its arguments. Fields a step does not use are left zero.
type Op struct {
	Kind  account.Op     // which of the ten steps
	Actor string         // who takes the step
	User  string         // the user concerned, for member and role steps
	Team  string         // the team concerned; RenameTeam's old name
	To    string         // RenameTeam's new name
	Perms permission.Set // for AddMember and SetPermissions
	Role  account.Role   // for SetTeamRole
	// Provider is SetIdentityProvider's identity provider.
	Provider account.IdentityProvider
}

// Apply takes the step o describes on tx and returns its error.
// An Op whose Kind is not one of the ten steps is an error wrapping
// [account.ErrInvalid], and tx is not touched.
func (o Op) Apply(tx *account.Tx) error {
	switch o.Kind {
	case account.OpAddMember:
		return tx.AddMember(o.Actor, o.User, o.Perms)
	case account.OpSetPermissions:
		return tx.SetPermissions(o.Actor, o.User, o.Perms)
	case account.OpRemoveMember:
		return tx.RemoveMember(o.Actor, o.User)
	case account.OpCreateTeam:
		return tx.CreateTeam(o.Actor, o.Team)
	case account.OpRenameTeam:
		return tx.RenameTeam(o.Actor, o.Team, o.To)
	case account.OpDeleteTeam:
		return tx.DeleteTeam(o.Actor, o.Team)
	case account.OpSetTeamRole:
		return tx.SetTeamRole(o.Actor, o.Team, o.User, o.Role)
	case account.OpRemoveFromTeam:
		return tx.RemoveFromTeam(o.Actor, o.Team, o.User)
	case account.OpSetIdentityProvider:
		return tx.SetIdentityProvider(o.Actor, o.Provider)
	case account.OpRemoveIdentityProvider:
		return tx.RemoveIdentityProvider(o.Actor)
	}
	return fmt.Errorf("accounttest: apply %s: not a step: %w", o.Kind, account.ErrInvalid)
}

// String returns o as a call, with only the arguments its step takes, such as
//
//	set-team-role(actor="ann", team="web", user="ben", role=viewer)
//
// Permission sets print as their names in braces ({view,billing}; {} for the
// empty set), so that bits outside the table show too.
func (o Op) String() string {
	head := fmt.Sprintf("%s(actor=%q", o.Kind, o.Actor)
	switch o.Kind {
	case account.OpAddMember, account.OpSetPermissions:
		return fmt.Sprintf("%s, user=%q, perms={%s})", head, o.User, o.Perms)
	case account.OpRemoveMember:
		return fmt.Sprintf("%s, user=%q)", head, o.User)
	case account.OpCreateTeam, account.OpDeleteTeam:
		return fmt.Sprintf("%s, team=%q)", head, o.Team)
	case account.OpRenameTeam:
		return fmt.Sprintf("%s, team=%q, to=%q)", head, o.Team, o.To)
	case account.OpSetTeamRole:
		return fmt.Sprintf("%s, team=%q, user=%q, role=%s)", head, o.Team, o.User, o.Role)
	case account.OpRemoveFromTeam:
		return fmt.Sprintf("%s, team=%q, user=%q)", head, o.Team, o.User)
	case account.OpSetIdentityProvider:
		p := o.Provider
		cert := "none"
		if info, err := p.CertificateInfo(); err == nil {
			cert = fmt.Sprintf("%s until %s", info.SHA256[:12], info.NotAfter.Format("2006-01-02"))
		} else if p.Certificate != "" {
			cert = fmt.Sprintf("%.20q", p.Certificate)
		}
		return fmt.Sprintf("%s, entity=%q, sso=%q, slo=%q, cert=%s, enforced=%t)", head, p.EntityID, p.SSOTargetURL, p.SLOTargetURL, cert, p.Enforced)
	case account.OpRemoveIdentityProvider:
		return head + ")"
	}
	return fmt.Sprintf("%s, team=%q, to=%q, user=%q, perms={%s}, role=%s)", head, o.Team, o.To, o.User, o.Perms, o.Role)
}

// Kinds returns the ten steps in the order of the Tx methods, as a fresh
// slice: every [account.Op] from 1 up whose name parses back.
func Kinds() []account.Op {
	var kinds []account.Op
	for k := account.Op(1); k != 0; k++ {
		if _, err := account.ParseOp(k.String()); err != nil {
			break
		}
		kinds = append(kinds, k)
	}
	return kinds
}

// Names that steps draw besides the account's own: users and teams that do
// not exist yet, and arguments that are never valid.
var (
	newUsers    = []string{"hal", "ivy", "Jo"}
	newTeams    = []string{"new", "web-3", "Ops"}
	badSets     = []permission.Set{1 << 4, 1<<7 | permission.View, 0xff}
	badRoles    = []account.Role{0, account.RoleCollaborator + 1, 0xff}
	unknownUser = "nobody"
)

// OpFor returns a generator of single steps drawn against a: its members,
// teams and roles. Each kind of step is equally likely. About half the
// actors are allowed to take the step (members holding the permission it
// needs, or, for role steps, admins of the team), the others are members
// without it, users who hold only team roles, unknown users and the empty
// user. Targets are mostly existing users and teams, chosen so that every
// outcome occurs: success, and each of [account.ErrForbidden],
// [account.ErrInvalid], [account.ErrExists], [account.ErrNotMember],
// [account.ErrNoTeam], [account.ErrLastManager] and [account.ErrLastTeamAdmin].
//
// A nil a stands for an account with no members or teams.
func OpFor(a *account.Account) *rapid.Generator[Op] {
	return rapid.Custom(func(t *rapid.T) Op {
		st := stateOf(a)
		o := Op{Kind: rapid.SampledFrom(Kinds()).Draw(t, "kind")}
		switch o.Kind {
		case account.OpRenameTeam, account.OpDeleteTeam, account.OpSetTeamRole, account.OpRemoveFromTeam:
			o.Actor, o.Team = st.drawTeamActor(t, o.Kind)
		default:
			o.Actor = st.drawActor(t, o.Kind)
		}
		switch o.Kind {
		case account.OpAddMember:
			o.User = drawFrom(t, "user", []pick{{3, newUsers}, {2, st.guests}, {2, st.members}, {1, []string{""}}})
			o.Perms = drawSet(t)
		case account.OpSetPermissions:
			o.User = drawFrom(t, "user", []pick{{6, st.members}, {1, st.guests}, {1, newUsers}})
			o.Perms = drawSet(t)
		case account.OpRemoveMember:
			o.User = drawFrom(t, "user", []pick{{4, st.members}, {2, st.managers}, {1, st.guests}, {1, newUsers}})
		case account.OpCreateTeam:
			o.Team = drawFrom(t, "team", []pick{{5, newTeams}, {2, st.teams}, {1, []string{""}}})
		case account.OpRenameTeam:
			o.To = drawFrom(t, "to", []pick{{5, newTeams}, {2, st.teams}, {2, []string{""}}})
		case account.OpSetIdentityProvider:
			o.Provider = drawIdentityProvider(t)
		case account.OpSetTeamRole, account.OpRemoveFromTeam:
			roster := st.roster(o.Team)
			if o.Kind == account.OpSetTeamRole {
				o.User = drawFrom(t, "user", []pick{{4, roster}, {3, st.admins(o.Team)}, {2, st.members}, {1, st.guests}, {1, newUsers}, {1, []string{""}}})
				if rapid.IntRange(0, 9).Draw(t, "bad role") == 9 {
					o.Role = rapid.SampledFrom(badRoles).Draw(t, "role")
				} else {
					o.Role = rapid.SampledFrom(roles).Draw(t, "role")
				}
			} else {
				o.User = drawFrom(t, "user", []pick{{5, roster}, {2, st.admins(o.Team)}, {1, st.members}, {1, newUsers}})
			}
		}
		return o
	})
}

// Ops returns a generator of sequences of minLen to maxLen steps, starting
// from a. Each step is drawn by [OpFor] against the account as the steps
// before it left it, when each is applied in an update of its own, as
// [ApplyEach] does: a step that fails changes nothing, so later steps are
// drawn against the state before it.
func Ops(a *account.Account, minLen, maxLen int) *rapid.Generator[[]Op] {
	return rapid.Custom(func(t *rapid.T) []Op {
		n := rapid.IntRange(minLen, maxLen).Draw(t, "steps")
		store := account.NewStore(a)
		ops := make([]Op, 0, n)
		for range n {
			o := OpFor(store.Load()).Draw(t, "op")
			ops = append(ops, o)
			_, _ = store.Update(o.Apply) // a refused step leaves the state as it was
		}
		return ops
	})
}

// ApplyEach applies each of ops to s in an update of its own, in order, and
// returns each step's error (nil for a committed step). A failed step
// changes nothing; the steps after it still run.
func ApplyEach(s *account.Store, ops []Op) []error {
	errs := make([]error, len(ops))
	for i, o := range ops {
		_, errs[i] = s.Update(o.Apply)
	}
	return errs
}

// Sentinel returns the sentinel error of package account that err wraps,
// so that the errors of two implementations can be compared by kind: the
// first of [account.ErrForbidden], [account.ErrLastManager],
// [account.ErrLastTeamAdmin], [account.ErrNotMember], [account.ErrNoTeam],
// [account.ErrExists], [account.ErrNoIdentityProvider] and
// [account.ErrInvalid] for which [errors.Is] holds.
// It returns nil for nil, and err itself when err wraps none of them.
func Sentinel(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{account.ErrForbidden, account.ErrLastManager, account.ErrLastTeamAdmin,
		account.ErrNotMember, account.ErrNoTeam, account.ErrExists, account.ErrNoIdentityProvider, account.ErrInvalid} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// A pick is one weighted source of names; empty sources are skipped.
type pick struct {
	weight int
	names  []string
}

// drawFrom draws a source by weight among the non-empty ones, then a name
// from it. Every caller passes at least one fixed, non-empty source.
func drawFrom(t *rapid.T, label string, picks []pick) string {
	total := 0
	for _, p := range picks {
		if len(p.names) > 0 {
			total += p.weight
		}
	}
	k := rapid.IntRange(0, total-1).Draw(t, label+" source")
	for _, p := range picks {
		if len(p.names) == 0 {
			continue
		}
		if k < p.weight {
			return rapid.SampledFrom(p.names).Draw(t, label)
		}
		k -= p.weight
	}
	panic("accounttest: no names to draw " + label + " from")
}

// drawSet draws a permission set: any of the 16, rarely one with bits
// outside the table.
func drawSet(t *rapid.T) permission.Set {
	if rapid.IntRange(0, 9).Draw(t, "bad perms") == 9 {
		return rapid.SampledFrom(badSets).Draw(t, "perms")
	}
	return permission.Set(rapid.IntRange(0, 15).Draw(t, "perms"))
}

// A state is what steps are drawn against, every list sorted.
type state struct {
	a        *account.Account
	members  []string
	managers []string
	guests   []string // users with a team role who are not account members
	teams    []string
	actors   map[account.Op][]string // who may take each step on some team
}

func stateOf(a *account.Account) *state {
	st := &state{a: a, actors: map[account.Op][]string{}}
	for u, p := range a.Members() {
		st.members = append(st.members, u)
		if p.Has(permission.Manage) {
			st.managers = append(st.managers, u)
		}
	}
	var teamAdmins []string
	for tm := range a.Teams() {
		st.teams = append(st.teams, tm.Name)
		for _, m := range tm.Members {
			if !a.IsMember(m.User) && !slices.Contains(st.guests, m.User) {
				st.guests = append(st.guests, m.User)
			}
			if m.Role == account.RoleAdmin && a.IsMember(m.User) { // repeats go when roleActors is compacted
				teamAdmins = append(teamAdmins, m.User)
			}
		}
	}
	slices.Sort(st.guests)
	managers := a.UsersWhoCan(permission.ManageUsers)
	creators := a.UsersWhoCan(permission.CreateTeams)
	roleActors := append(a.UsersWhoCan(permission.ManageTeams), teamAdmins...)
	slices.Sort(roleActors)
	roleActors = slices.Compact(roleActors)
	for _, k := range []account.Op{account.OpAddMember, account.OpSetPermissions, account.OpRemoveMember} {
		st.actors[k] = managers
	}
	for _, k := range []account.Op{account.OpCreateTeam, account.OpRenameTeam, account.OpDeleteTeam} {
		st.actors[k] = creators
	}
	for _, k := range []account.Op{account.OpSetTeamRole, account.OpRemoveFromTeam} {
		st.actors[k] = roleActors
	}
	settings := a.UsersWhoCan(permission.ViewSettings)
	for _, k := range []account.Op{account.OpSetIdentityProvider, account.OpRemoveIdentityProvider} {
		st.actors[k] = settings
	}
	return st
}

// drawActor draws who takes a step of kind k: about half the time someone
// allowed to, otherwise someone who is not or may not be.
func (st *state) drawActor(t *rapid.T, k account.Op) string {
	return st.drawActorWeighted(t, k, 8)
}

// drawActorWeighted is drawActor with weight for the actors allowed to
// take the step, against 8 for everyone else.
func (st *state) drawActorWeighted(t *rapid.T, k account.Op, weight int) string {
	allowed := st.actors[k]
	var others []string
	for _, u := range st.members {
		if !slices.Contains(allowed, u) {
			others = append(others, u)
		}
	}
	return drawFrom(t, "actor", []pick{{weight, allowed}, {4, others}, {2, st.guests}, {1, []string{unknownUser}}, {1, []string{""}}})
}

// drawTeamActor draws who takes a team step of kind k, and on which team:
// about half the time an actor allowed to take it on that team, otherwise
// an actor who may not or a team the actor cannot see (or that does not
// exist).
func (st *state) drawTeamActor(t *rapid.T, k account.Op) (actor, team string) {
	roles := k == account.OpSetTeamRole || k == account.OpRemoveFromTeam
	var pairs [][2]string // allowed actor and team
	for _, name := range st.teams {
		for _, u := range st.members {
			r, _ := st.a.Role(name, u)
			switch {
			case roles && r == account.RoleAdmin,
				roles && r.Sees() && st.a.Can(u, permission.ManageTeams),
				!roles && r.Sees() && st.a.Can(u, permission.CreateTeams):
				pairs = append(pairs, [2]string{u, name})
			}
		}
	}
	if len(pairs) > 0 && rapid.Bool().Draw(t, "allowed") {
		p := rapid.SampledFrom(pairs).Draw(t, "actor and team")
		return p[0], p[1]
	}
	// Half the pairs above are allowed already: here, fewer allowed actors.
	actor = st.drawActorWeighted(t, k, 4)
	return actor, drawFrom(t, "team", []pick{{4, st.a.TeamsOf(actor)}, {3, st.teams}, {1, newTeams}})
}

// roster returns the users with a role in team, sorted.
func (st *state) roster(team string) []string {
	tm, _ := st.a.Team(team)
	var users []string
	for _, m := range tm.Members {
		users = append(users, m.User)
	}
	return users
}

// admins returns the admins of team, sorted.
func (st *state) admins(team string) []string {
	tm, _ := st.a.Team(team)
	var users []string
	for _, m := range tm.Members {
		if m.Role == account.RoleAdmin {
			users = append(users, m.User)
		}
	}
	return users
}
