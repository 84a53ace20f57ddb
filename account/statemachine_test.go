package account_test

import (
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// The reference model: plain maps and the documented rules, written out
// again without any of the package's code.

// table is the documented permission table, typed in again: the permissions
// any one of which allows each action.
var table = map[permission.Action]permission.Set{
	permission.ViewTeams:    View | Billing | Manage | Create,
	permission.ViewAccess:   View | Billing | Manage | Create,
	permission.ManageTeams:  Manage,
	permission.ManageUsers:  Manage,
	permission.ViewSettings: Manage,
	permission.ViewUsage:    Billing,
	permission.CreateTeams:  Create,
}

type model struct {
	name     string
	members  map[string]permission.Set
	roles    map[string]map[string]account.Role // team → user → role
	licensed map[string]bool
	idp      *account.IdentityProvider // canonical; never changed, only replaced
}

func modelOf(s account.Spec) *model {
	m := &model{name: s.Name, members: map[string]permission.Set{}, roles: map[string]map[string]account.Role{}, licensed: map[string]bool{}}
	for _, mem := range s.Members {
		m.members[mem.User] = mem.Permissions | View
	}
	for _, t := range s.Teams {
		m.roles[t.Name] = map[string]account.Role{}
		m.licensed[t.Name] = t.Licensed
		for _, tm := range t.Members {
			m.roles[t.Name][tm.User] = tm.Role
		}
	}
	if s.IdentityProvider != nil {
		p, err := canonicalIDP(*s.IdentityProvider, time.Time{})
		if err != nil {
			panic(err) // genSpec draws valid ones
		}
		m.idp = &p
	}
	return m
}

func (m *model) clone() *model {
	c := &model{name: m.name, members: maps.Clone(m.members), roles: map[string]map[string]account.Role{}, licensed: maps.Clone(m.licensed), idp: m.idp}
	for t, r := range m.roles {
		c.roles[t] = maps.Clone(r)
	}
	return c
}

func (m *model) spec() account.Spec {
	s := account.Spec{Name: m.name, Members: []account.Member{}, Teams: []account.Team{}}
	for _, u := range slices.Sorted(maps.Keys(m.members)) {
		s.Members = append(s.Members, account.Member{User: u, Permissions: m.members[u]})
	}
	for _, name := range slices.Sorted(maps.Keys(m.roles)) {
		t := account.Team{Name: name, Licensed: m.licensed[name], Members: []account.TeamMember{}}
		for _, u := range slices.Sorted(maps.Keys(m.roles[name])) {
			t.Members = append(t.Members, account.TeamMember{User: u, Role: m.roles[name][u]})
		}
		s.Teams = append(s.Teams, t)
	}
	if m.idp != nil {
		p := *m.idp
		s.IdentityProvider = &p
	}
	return s
}

// canonicalIDP checks p by the documented rules, the certificate against
// now unless now is zero, and returns it in canonical form: the
// certificate's one PEM block re-encoded alone.
func canonicalIDP(p account.IdentityProvider, now time.Time) (account.IdentityProvider, error) {
	https := func(s string) bool {
		u, err := url.Parse(s)
		return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && !strings.Contains(s, "#")
	}
	switch {
	case p.EntityID == "" || names.Check(p.EntityID) != nil:
		return p, fmt.Errorf("entity_id")
	case !https(p.SSOTargetURL):
		return p, fmt.Errorf("sso_target_url")
	case p.SLOTargetURL != "" && !https(p.SLOTargetURL):
		return p, fmt.Errorf("slo_target_url")
	}
	block, rest := pem.Decode([]byte(p.Certificate))
	lead, _, _ := strings.Cut(p.Certificate, "-----BEGIN")
	if block == nil || block.Type != "CERTIFICATE" || strings.TrimSpace(lead+string(rest)) != "" {
		return p, fmt.Errorf("certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !now.IsZero() && now.After(cert.NotAfter) {
		return p, fmt.Errorf("certificate")
	}
	p.Certificate = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}))
	return p, nil
}

// idpText is what an event records for an identity provider: its JSON.
func idpText(p *account.IdentityProvider) string {
	if p == nil {
		return ""
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// idpPool holds the identity providers steps set: valid ones, one whose
// certificate is not in canonical form, and one invalid in each field.
var idpPool = func() []account.IdentityProvider {
	a := accounttest.IdentityProvider("idp.example.com", true)
	b := accounttest.IdentityProvider("sso.example.org", false)
	b.SLOTargetURL = ""
	padded := a
	padded.Enforced = false
	padded.Certificate = "\n\n" + a.Certificate + " \n\n"
	bad := func(f func(*account.IdentityProvider)) account.IdentityProvider { p := a; f(&p); return p }
	return []account.IdentityProvider{a, b, padded,
		bad(func(p *account.IdentityProvider) { p.EntityID = "" }),
		bad(func(p *account.IdentityProvider) { p.EntityID = " idp" }),
		bad(func(p *account.IdentityProvider) { p.SSOTargetURL = "http://idp.example.com/sso" }),
		bad(func(p *account.IdentityProvider) { p.SSOTargetURL = "idp.example.com/sso" }),
		bad(func(p *account.IdentityProvider) { p.SLOTargetURL = "ftp://idp.example.com/slo" }),
		bad(func(p *account.IdentityProvider) { p.Certificate = "" }),
		bad(func(p *account.IdentityProvider) { p.Certificate = "issuer cert:\n" + a.Certificate }),
		bad(func(p *account.IdentityProvider) { p.Certificate = a.Certificate + b.Certificate }),
		bad(func(p *account.IdentityProvider) {
			p.Certificate = accounttest.Certificate("old", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
		}),
	}
}()

func (m *model) isMember(u string) bool { _, ok := m.members[u]; return ok }

func (m *model) can(u string, act permission.Action) bool {
	p, ok := m.members[u]
	return ok && p&table[act] != 0
}

func (m *model) canView(u, team string) bool {
	return m.isMember(u) && sees(m.roles[team][u]) // the zero Role when the team or role is missing
}

// sees reports whether r is a role that sees its team, and that only
// account members may hold: admin, member or viewer.
func sees(r account.Role) bool {
	return r == account.RoleAdmin || r == account.RoleMember || r == account.RoleViewer
}

func (m *model) managers() int {
	n := 0
	for _, p := range m.members {
		if p&Manage != 0 {
			n++
		}
	}
	return n
}

func (m *model) admins(team string) int {
	n := 0
	for _, r := range m.roles[team] {
		if r == account.RoleAdmin {
			n++
		}
	}
	return n
}

// A step is one Tx step with its arguments, taken by [accounttest.Op.Apply],
// the same code the kit's users run.
type step = accounttest.Op

// apply applies s to m by the rules, returning the events expected and the
// sentinel error expected (nil for success).
func (m *model) apply(s step) ([]account.Event, error) {
	ev, ended, err := m.applyOne(s)
	if err != nil {
		return nil, err
	}
	return append(ended, ev), nil
}

// applyOne is apply for one step: its own event, and the events of the team
// roles that RemoveMember ended, which come before it.
func (m *model) applyOne(s step) (ev account.Event, ended []account.Event, err error) {
	ev = account.Event{Actor: s.Actor, Op: s.Kind}
	validSet := s.Perms&^permission.Admin == 0
	switch s.Kind {
	case account.OpAddMember, account.OpSetPermissions, account.OpRemoveMember:
		if !m.can(s.Actor, permission.ManageUsers) {
			return ev, nil, account.ErrForbidden
		}
		ev.User = s.User
		old, ok := m.members[s.User]
		switch s.Kind {
		case account.OpAddMember:
			switch {
			case names.Check(s.User) != nil || !validSet:
				return ev, nil, account.ErrInvalid
			case ok:
				return ev, nil, account.ErrExists
			}
			m.members[s.User] = s.Perms | View
			ev.After = (s.Perms | View).String()
		case account.OpSetPermissions:
			switch {
			case !validSet:
				return ev, nil, account.ErrInvalid
			case !ok:
				return ev, nil, account.ErrNotMember
			case old&Manage != 0 && s.Perms&Manage == 0 && m.managers() == 1:
				return ev, nil, account.ErrLastManager
			}
			m.members[s.User] = s.Perms | View
			ev.Before, ev.After = old.String(), (s.Perms | View).String()
		case account.OpRemoveMember:
			switch {
			case !ok:
				return ev, nil, account.ErrNotMember
			case old&Manage != 0 && m.managers() == 1:
				return ev, nil, account.ErrLastManager
			}
			for _, team := range slices.Sorted(maps.Keys(m.roles)) {
				if m.roles[team][s.User] == account.RoleAdmin && m.admins(team) == 1 {
					return ev, nil, account.ErrLastTeamAdmin
				}
			}
			// Admin, member and viewer roles end, each as an event of its
			// own, in team order; collaborator roles stay.
			for _, team := range slices.Sorted(maps.Keys(m.roles)) {
				if r := m.roles[team][s.User]; sees(r) {
					delete(m.roles[team], s.User)
					ended = append(ended, account.Event{Actor: s.Actor, Op: account.OpRemoveFromTeam, Team: team, User: s.User, Before: r.String()})
				}
			}
			delete(m.members, s.User)
			ev.Before = old.String()
		}
	case account.OpCreateTeam, account.OpRenameTeam, account.OpDeleteTeam:
		if !m.can(s.Actor, permission.CreateTeams) {
			return ev, nil, account.ErrForbidden
		}
		ev.Team = s.Team
		_, exists := m.roles[s.Team]
		switch s.Kind {
		case account.OpCreateTeam:
			switch {
			case names.Check(s.Team) != nil:
				return ev, nil, account.ErrInvalid
			case exists:
				return ev, nil, account.ErrExists
			}
			m.roles[s.Team] = map[string]account.Role{s.Actor: account.RoleAdmin}
			m.licensed[s.Team] = false
			ev.User, ev.After = s.Actor, s.Team
		case account.OpRenameTeam:
			_, toExists := m.roles[s.To]
			switch {
			case !m.canView(s.Actor, s.Team):
				return ev, nil, account.ErrNoTeam
			case names.Check(s.To) != nil:
				return ev, nil, account.ErrInvalid
			case toExists:
				return ev, nil, account.ErrExists
			}
			m.roles[s.To], m.licensed[s.To] = m.roles[s.Team], m.licensed[s.Team]
			delete(m.roles, s.Team)
			delete(m.licensed, s.Team)
			ev.Before, ev.After = s.Team, s.To
		case account.OpDeleteTeam:
			if !m.canView(s.Actor, s.Team) {
				return ev, nil, account.ErrNoTeam
			}
			delete(m.roles, s.Team)
			delete(m.licensed, s.Team)
			ev.Before = s.Team
		}
	case account.OpSetIdentityProvider, account.OpRemoveIdentityProvider:
		if !m.can(s.Actor, permission.ViewSettings) {
			return ev, nil, account.ErrForbidden
		}
		ev.Before = idpText(m.idp)
		if s.Kind == account.OpRemoveIdentityProvider {
			if m.idp == nil {
				return ev, nil, account.ErrNoIdentityProvider
			}
			m.idp = nil
			return ev, nil, nil
		}
		p, err := canonicalIDP(s.Provider, time.Now())
		if err != nil {
			return ev, nil, account.ErrInvalid
		}
		m.idp = &p
		ev.After = idpText(m.idp)
	case account.OpSetTeamRole, account.OpRemoveFromTeam:
		teamAdmin := m.isMember(s.Actor) && m.roles[s.Team][s.Actor] == account.RoleAdmin
		if !teamAdmin {
			if !m.can(s.Actor, permission.ManageTeams) {
				return ev, nil, account.ErrForbidden
			}
			if !m.canView(s.Actor, s.Team) {
				return ev, nil, account.ErrNoTeam
			}
		}
		ev.Team, ev.User = s.Team, s.User
		old := m.roles[s.Team][s.User]
		if old != 0 {
			ev.Before = old.String()
		}
		lastAdmin := old == account.RoleAdmin && m.admins(s.Team) == 1
		if s.Kind == account.OpSetTeamRole {
			switch {
			case names.Check(s.User) != nil || s.Role < account.RoleAdmin || s.Role > account.RoleCollaborator:
				return ev, nil, account.ErrInvalid
			case !m.isMember(s.User) && sees(s.Role):
				return ev, nil, account.ErrNotMember
			case lastAdmin && s.Role != account.RoleAdmin:
				return ev, nil, account.ErrLastTeamAdmin
			}
			m.roles[s.Team][s.User] = s.Role
			ev.After = s.Role.String()
		} else {
			switch {
			case old == 0:
				return ev, nil, account.ErrNotMember
			case lastAdmin:
				return ev, nil, account.ErrLastTeamAdmin
			}
			delete(m.roles[s.Team], s.User)
		}
	}
	return ev, ended, nil
}

// replayEvent applies ev to m as a plain change of state, using only what
// the event records, as an audit log or a replica would, and checks the
// invariants on the result: every team has an admin, and the admin, member
// and viewer roles are held by account members only.
func (m *model) replayEvent(ev account.Event) error {
	switch ev.Op {
	case account.OpAddMember, account.OpSetPermissions:
		p, err := permission.ParseSet(ev.After)
		if err != nil {
			return err
		}
		m.members[ev.User] = p
	case account.OpRemoveMember:
		delete(m.members, ev.User)
	case account.OpCreateTeam:
		m.roles[ev.After] = map[string]account.Role{ev.User: account.RoleAdmin}
		m.licensed[ev.After] = false
	case account.OpRenameTeam:
		m.roles[ev.After], m.licensed[ev.After] = m.roles[ev.Before], m.licensed[ev.Before]
		delete(m.roles, ev.Before)
		delete(m.licensed, ev.Before)
	case account.OpDeleteTeam:
		delete(m.roles, ev.Before)
		delete(m.licensed, ev.Before)
	case account.OpSetTeamRole:
		r, err := account.ParseRole(ev.After)
		if err != nil {
			return err
		}
		m.roles[ev.Team][ev.User] = r
	case account.OpRemoveFromTeam:
		if got := m.roles[ev.Team][ev.User].String(); got != ev.Before {
			return fmt.Errorf("role %s, but the event says %s", got, ev.Before)
		}
		delete(m.roles[ev.Team], ev.User)
	case account.OpSetIdentityProvider, account.OpRemoveIdentityProvider:
		if got := idpText(m.idp); got != ev.Before {
			return fmt.Errorf("identity provider %s, but the event says %s", got, ev.Before)
		}
		m.idp = nil
		if ev.After != "" {
			var p account.IdentityProvider
			if err := json.Unmarshal([]byte(ev.After), &p); err != nil {
				return err
			}
			m.idp = &p
		}
	default:
		return fmt.Errorf("unknown op %v", ev.Op)
	}
	for team, roles := range m.roles {
		admin := false
		for u, r := range roles {
			if sees(r) && !m.isMember(u) {
				return fmt.Errorf("team %q: %q holds the %v role but is not an account member", team, u, r)
			}
			admin = admin || r == account.RoleAdmin
		}
		if !admin {
			return fmt.Errorf("team %q has no admin", team)
		}
	}
	return nil
}

var (
	// The last two of each pool are not names: steps must reject them.
	userPool = []string{"ann", "ben", "cat", "dan", "eve", "", "ann "}
	teamPool = []string{"red", "blue", "green", "", "red\n"}
)

// genSpec generates a valid account over the pools.
func genSpec() *rapid.Generator[account.Spec] {
	return rapid.Custom(func(t *rapid.T) account.Spec {
		s := account.Spec{Name: "acct"}
		users := rapid.SliceOfNDistinct(rapid.SampledFrom(userPool[:5]), 1, 5, rapid.ID).Draw(t, "members")
		for i, u := range users {
			p := permission.Set(rapid.IntRange(0, 15).Draw(t, "perms"))
			if i == 0 {
				p |= Manage
			}
			s.Members = append(s.Members, account.Member{User: u, Permissions: p})
		}
		teams := rapid.SliceOfNDistinct(rapid.SampledFrom(teamPool[:3]), 0, 3, rapid.ID).Draw(t, "teams")
		for _, name := range teams {
			tm := account.Team{Name: name, Licensed: rapid.Bool().Draw(t, "licensed")}
			// An admin who is a member; then anyone, as a collaborator
			// unless they are a member too.
			admin := rapid.SampledFrom(users).Draw(t, "admin")
			tm.Members = append(tm.Members, account.TeamMember{User: admin, Role: account.RoleAdmin})
			for _, u := range rapid.SliceOfNDistinct(rapid.SampledFrom(userPool[:5]), 0, 4, rapid.ID).Draw(t, "team members") {
				r := account.Role(rapid.IntRange(1, 4).Draw(t, "role"))
				if !slices.Contains(users, u) {
					r = account.RoleCollaborator
				}
				if u != admin {
					tm.Members = append(tm.Members, account.TeamMember{User: u, Role: r})
				}
			}
			s.Teams = append(s.Teams, tm)
		}
		if rapid.IntRange(0, 3).Draw(t, "identity provider") == 0 {
			p := idpPool[0]
			s.IdentityProvider = &p
		}
		return s
	})
}

func genStep(m *model) *rapid.Generator[step] {
	return rapid.Custom(func(t *rapid.T) step {
		s := step{Kind: rapid.SampledFrom(accounttest.Kinds()).Draw(t, "op")}
		// Half the time the actor is a member, so that steps often pass the
		// authorization check; otherwise anyone, member or not.
		if members := slices.Sorted(maps.Keys(m.members)); len(members) > 0 && rapid.Bool().Draw(t, "member actor") {
			s.Actor = rapid.SampledFrom(members).Draw(t, "actor")
		} else {
			s.Actor = rapid.SampledFrom(userPool).Draw(t, "actor")
		}
		s.User = rapid.SampledFrom(userPool).Draw(t, "user")
		s.Team = rapid.SampledFrom(teamPool).Draw(t, "team")
		s.To = rapid.SampledFrom(teamPool).Draw(t, "to")
		s.Perms = permission.Set(rapid.IntRange(0, 16).Draw(t, "perms")) // 16 is outside the table
		if rapid.IntRange(0, 9).Draw(t, "manage") == 0 {
			s.Perms |= Manage
		}
		s.Role = account.Role(rapid.IntRange(0, 5).Draw(t, "role"))
		s.Provider = rapid.SampledFrom(idpPool).Draw(t, "identity provider")
		return s
	})
}

// snapshot is a published account and its Spec when it was published.
type snapshot struct {
	a    *account.Account
	spec account.Spec
}

type machine struct {
	store     *account.Store
	m         *model
	replay    *model // the initial state with every event seen so far applied
	replayed  int    // events applied to replay
	rev       uint64
	history   []snapshot
	events    []account.Event // received by the observer
	wantEvts  []account.Event
	overlaid  *int // snapshots seen with a non-empty overlay
	compacted *int // commits that emptied a non-empty overlay
}

func (sm *machine) update(t *rapid.T) {
	steps := rapid.SliceOfN(genStep(sm.m), 1, 4).Draw(t, "steps")
	fnErr := rapid.IntRange(0, 9).Draw(t, "fn error") == 0
	want := sm.m.clone()
	var wantEvents []account.Event
	var peeks []snapshot // Tx.Account results, which later steps must not change
	failed := false
	before := sm.store.Load()
	_, beforeT := account.OverlaySize(before)
	beforeM, _ := account.OverlaySize(before)
	got, err := sm.store.Update(func(tx *account.Tx) error {
		for _, s := range steps {
			err := s.Apply(tx)
			if err != nil && strings.Count(err.Error(), "account:") != 1 {
				t.Fatalf("%v: error %q: want exactly one \"account:\" prefix", s, err)
			}
			if failed {
				if err == nil {
					t.Fatalf("%v succeeded after an earlier step failed", s)
				}
				continue
			}
			evs, wantErr := want.apply(s)
			if wantErr == nil {
				if err != nil {
					t.Fatalf("%v: unexpected error %v", s, err)
				}
				for _, ev := range evs {
					ev.Revision = sm.rev + 1
					wantEvents = append(wantEvents, ev)
				}
				if rapid.IntRange(0, 3).Draw(t, "peek") == 0 {
					// The Tx's view of the account so far is the model's.
					peek := tx.Account()
					if diff := cmp.Diff(want.spec(), peek.Spec()); diff != "" {
						t.Fatalf("after %v, Tx.Account (-want +got):\n%s", s, diff)
					}
					for _, u := range userPool {
						for _, act := range permission.Actions() {
							if peek.Can(u, act) != want.can(u, act) {
								t.Fatalf("after %v, Tx.Account().Can(%q, %v) = %v", s, u, act, !want.can(u, act))
							}
						}
					}
					peeks = append(peeks, snapshot{peek, want.spec()})
				}
				continue
			}
			failed = true
			if !errors.Is(err, wantErr) {
				t.Fatalf("%v: error %v, want %v", s, err, wantErr)
			}
			var fe *account.ForbiddenError
			if errors.Is(wantErr, account.ErrForbidden) != errors.As(err, &fe) {
				t.Fatalf("%v: error %v: *ForbiddenError iff refused", s, err)
			}
			if fe != nil && (fe.Actor != s.Actor || fe.Holds != want.members[s.Actor] || fe.Needs != table[fe.Action]) {
				t.Fatalf("%v: %+v does not match actor %q holding %v", s, fe, s.Actor, want.members[s.Actor])
			}
			// The refused step must not have changed anything.
			if diff := cmp.Diff(want.spec(), tx.Account().Spec()); diff != "" {
				t.Fatalf("%v failed but changed the Tx's account (-want +got):\n%s", s, diff)
			}
		}
		if fnErr {
			return errTest
		}
		return nil
	})
	for _, p := range peeks {
		if diff := cmp.Diff(p.spec, p.a.Spec()); diff != "" {
			t.Fatalf("a later step changed a Tx.Account snapshot (-want +got):\n%s", diff)
		}
	}
	switch {
	case fnErr:
		if !errors.Is(err, errTest) || got != nil {
			t.Fatalf("fn's error: Update returned %v, %v", got, err)
		}
	case failed:
		if err == nil || got != nil {
			t.Fatalf("a step failed: Update returned %v, %v", got, err)
		}
	default:
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		sm.m = want
		sm.rev++
		sm.wantEvts = append(sm.wantEvts, wantEvents...)
		if got != sm.store.Load() {
			t.Fatalf("Update returned a snapshot other than the one published")
		}
		gotM, gotT := account.OverlaySize(got)
		if beforeM > 0 && gotM == 0 || beforeT > 0 && gotT == 0 {
			*sm.compacted++
		}
		sm.history = append(sm.history, snapshot{got, got.Spec()})
	}
	if sm.store.Load() != before && (fnErr || failed) {
		t.Fatalf("a failed update published a snapshot")
	}
}

var errTest = errors.New("callback error")

func (sm *machine) check(t *rapid.T) {
	a := sm.store.Load()
	if a.Revision() != sm.rev {
		t.Fatalf("revision %d, want %d", a.Revision(), sm.rev)
	}
	if om, ot := account.OverlaySize(a); om+ot > 0 {
		*sm.overlaid++
	}
	if diff := cmp.Diff(sm.m.spec(), a.Spec()); diff != "" {
		t.Fatalf("state (-want +got):\n%s", diff)
	}
	if _, ok := account.CountInvariants(a); !ok {
		t.Fatalf("kept counts disagree with a recount")
	}
	// Invariants, checked on the account itself.
	managers := 0
	for u, p := range a.Members() {
		if !p.Has(View) {
			t.Fatalf("member %q holds %v, without view", u, p)
		}
		if p.Has(Manage) {
			managers++
		}
	}
	if managers == 0 {
		t.Fatalf("no member holds manage")
	}
	for tm := range a.Teams() {
		if !slices.ContainsFunc(tm.Members, func(m account.TeamMember) bool { return m.Role == account.RoleAdmin && a.IsMember(m.User) }) {
			t.Fatalf("team %q has no admin who is an account member", tm.Name)
		}
		for _, m := range tm.Members {
			if sees(m.Role) && !a.IsMember(m.User) {
				t.Fatalf("team %q: %q holds the %v role but is not an account member", tm.Name, m.User, m.Role)
			}
		}
	}
	// Replaying the events, as plain changes of state, gives the account,
	// and every state on the way keeps the invariants.
	for _, ev := range sm.events[sm.replayed:] {
		if err := sm.replay.replayEvent(ev); err != nil {
			t.Fatalf("replaying %+v: %v", ev, err)
		}
	}
	sm.replayed = len(sm.events)
	if diff := cmp.Diff(a.Spec(), sm.replay.spec()); diff != "" {
		t.Fatalf("the events replayed give another state (-account +replay):\n%s", diff)
	}
	// Checks and queries agree with the model.
	for _, u := range userPool {
		var wantActs []permission.Action
		for act := permission.Action(0); act <= 9; act++ {
			want := sm.m.can(u, act)
			if got := a.Can(u, act); got != want {
				t.Fatalf("Can(%q, %v) = %v, want %v", u, act, got, want)
			}
			if d := a.Explain(u, act); d.Allowed != want || d.Holds != sm.m.members[u] {
				t.Fatalf("Explain(%q, %v) = %+v, want allowed %v", u, act, d, want)
			}
			if want {
				wantActs = append(wantActs, act)
			}
		}
		if diff := cmp.Diff(wantActs, a.Actions(u)); diff != "" {
			t.Fatalf("Actions(%q) (-want +got):\n%s", u, diff)
		}
		var wantTeams []string
		for _, team := range teamPool {
			want := sm.m.canView(u, team)
			if got := a.CanViewTeam(u, team); got != want {
				t.Fatalf("CanViewTeam(%q, %q) = %v, want %v", u, team, got, want)
			}
			if want {
				wantTeams = append(wantTeams, team)
			}
		}
		slices.Sort(wantTeams)
		if diff := cmp.Diff(wantTeams, a.TeamsOf(u)); diff != "" {
			t.Fatalf("TeamsOf(%q) (-want +got):\n%s", u, diff)
		}
	}
	for act := permission.Action(0); act <= 9; act++ {
		var want []string
		for _, u := range slices.Sorted(maps.Keys(sm.m.members)) {
			if sm.m.can(u, act) {
				want = append(want, u)
			}
		}
		if diff := cmp.Diff(want, a.UsersWhoCan(act)); diff != "" {
			t.Fatalf("UsersWhoCan(%v) (-want +got):\n%s", act, diff)
		}
	}
	// Earlier snapshots never change.
	for _, h := range sm.history {
		if diff := cmp.Diff(h.spec, h.a.Spec()); diff != "" {
			t.Fatalf("revision %d changed (-want +got):\n%s", h.a.Revision(), diff)
		}
	}
	// The observer saw every committed step, in order.
	if diff := cmp.Diff(sm.wantEvts, sm.events); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
}

// runMachine runs one sequence of updates on a random account against the
// model, counting snapshots with an overlay and compactions.
func runMachine(t *rapid.T, overlaid, compacted *int) {
	spec := genSpec().Draw(t, "spec")
	a, err := account.New(spec)
	if err != nil {
		t.Fatalf("New(%+v): %v", spec, err)
	}
	sm := &machine{store: account.NewStore(a), m: modelOf(spec), replay: modelOf(spec), overlaid: overlaid, compacted: compacted}
	account.SetCompactAt(sm.store, rapid.IntRange(1, 6).Draw(t, "compact at"))
	sm.store.SetObserver(func(evs []account.Event) { sm.events = append(sm.events, withoutTime(evs)...) })
	sm.history = append(sm.history, snapshot{a, a.Spec()})
	t.Repeat(map[string]func(*rapid.T){
		"update": sm.update,
		"":       sm.check,
	})
}

func TestStateMachine(t *testing.T) {
	var overlaid, compacted int
	rapid.Check(t, func(t *rapid.T) { runMachine(t, &overlaid, &compacted) })
	// The test must have exercised both the overlay and its compaction;
	// a -short run is too short to reach a compaction every time.
	if overlaid == 0 || (compacted == 0 && !testing.Short()) {
		t.Errorf("snapshots with an overlay: %d, compactions: %d; want both > 0", overlaid, compacted)
	}
	t.Logf("snapshots with an overlay: %d, compactions: %d", overlaid, compacted)
}

// FuzzStateMachine is the state-machine test as a fuzz target, so that
// go test -fuzz can search sequences of updates for longer.
func FuzzStateMachine(f *testing.F) {
	var overlaid, compacted int
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) { runMachine(t, &overlaid, &compacted) }))
}
