package account_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

var stressFor = flag.Duration("stress", 0, "how long TestStress runs (0: 200ms with -short, 2.5s under -race, 500ms otherwise)")

// stressDuration is how long TestStress runs: long enough under -race, as
// CI runs it, to interleave thousands of reads and updates; short otherwise,
// so that mutation testing, which runs the tests once per mutant, stays
// fast.
func stressDuration() time.Duration {
	switch {
	case *stressFor > 0:
		return *stressFor
	case testing.Short():
		return 200 * time.Millisecond
	case raceEnabled:
		return 2500 * time.Millisecond
	}
	return 500 * time.Millisecond
}

// A commit is one committed update of the stress test: its revision and
// the steps it took, in order.
type commit struct {
	rev uint64
	ops []accounttest.Op
}

// errAbort is what a stress writer's callback returns to abandon an update
// whose steps all succeeded.
var errAbort = errors.New("abandoned by the callback")

// TestStress runs readers that check every snapshot they load while writers
// apply random changes, authorized and refused, in updates of one to three
// steps; run it with -race. Some callbacks ignore a failed step's error and
// some abandon updates whose steps succeeded: neither may publish anything.
//
// Afterwards, replaying the committed updates in revision order on the
// initial account gives the same final snapshot, the same snapshot at every
// revision a reader saw, and the same audit events, which match the
// committed steps one for one with consecutive revisions.
func TestStress(t *testing.T) {
	const writers, readers, minUpdates = 3, 6, 25
	initial := mustNew(t, stressSpec())
	s := account.NewStore(initial)
	account.SetCompactAt(s, 4) // snapshots carry overlays, and compaction is frequent
	var events []account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, withoutTime(es)...) }) // called while updates are serialised

	deadline := time.Now().Add(stressDuration())
	done := make(chan struct{})
	var rwg, wwg sync.WaitGroup

	seen := make([]map[uint64]account.Spec, readers) // per reader: the Spec of each revision it checked
	loads := make([]int, readers)
	for r := range readers {
		seen[r] = map[uint64]account.Spec{}
		rwg.Go(func() {
			var last *account.Account
			for {
				select {
				case <-done:
					return
				default:
				}
				a := s.Load()
				loads[r]++
				if last != nil && a.Revision() < last.Revision() {
					t.Errorf("reader %d: revision went back from %d to %d", r, last.Revision(), a.Revision())
					return
				}
				if a == last {
					continue
				}
				if !checkSnapshot(t, a) {
					return
				}
				seen[r][a.Revision()] = a.Spec()
				last = a
			}
		})
	}

	commits := make([][]commit, writers)
	counts := make([]map[string]int, writers)
	for w := range writers {
		counts[w] = map[string]int{}
		wwg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 0x5eed))
			for n := 0; n < minUpdates || time.Now().Before(deadline); n++ {
				var ops []accounttest.Op
				mode := rng.IntN(10) // 0: abandon; 1: ignore failed steps; else return the first error
				a, err := s.Update(func(tx *account.Tx) error {
					for range 1 + rng.IntN(3) {
						o := accounttest.OpFor(tx.Account()).Example(int(rng.Int32()))
						ops = append(ops, o)
						if err := o.Apply(tx); err != nil && mode != 1 {
							return err
						}
					}
					if mode == 0 {
						return errAbort
					}
					return nil
				})
				switch {
				case err == nil:
					if a == nil || a.Revision() == 0 {
						t.Errorf("writer %d: Update(%v) = %v, nil: want a new revision", w, ops, a)
						return
					}
					commits[w] = append(commits[w], commit{a.Revision(), ops})
					counts[w]["committed"]++
				case a != nil:
					t.Errorf("writer %d: Update(%v) = revision %d and error %v: want a nil *Account with an error", w, ops, a.Revision(), err)
					return
				case err == errAbort:
					counts[w]["abandoned"]++
				case accounttest.Sentinel(err) == err:
					t.Errorf("writer %d: Update(%v): %v wraps no sentinel", w, ops, err)
					return
				default:
					counts[w][accounttest.Sentinel(err).Error()]++
				}
			}
		})
	}
	wwg.Wait()
	close(done)
	rwg.Wait()
	if t.Failed() {
		return
	}

	// Replay the committed updates, in revision order, on the initial account.
	var all []commit
	total := map[string]int{}
	for w := range writers {
		all = append(all, commits[w]...)
		for k, n := range counts[w] {
			total[k] += n
		}
	}
	slices.SortFunc(all, func(x, y commit) int { return int(x.rev) - int(y.rev) })
	replay := account.NewStore(initial)
	var replayed []account.Event
	replay.SetObserver(func(es []account.Event) { replayed = append(replayed, withoutTime(es)...) })
	specs := []account.Spec{initial.Spec()} // by revision
	for i, c := range all {
		if c.rev != uint64(i+1) {
			t.Fatalf("committed revisions are not 1, 2, 3...: the %d-th is %d", i+1, c.rev)
		}
		a, err := replay.Update(func(tx *account.Tx) error {
			for _, o := range c.ops {
				if err := o.Apply(tx); err != nil {
					return fmt.Errorf("%v: %w", o, err)
				}
			}
			return nil
		})
		if err != nil || a.Revision() != c.rev {
			t.Fatalf("replaying revision %d: %v", c.rev, err)
		}
		specs = append(specs, a.Spec())
	}
	final := s.Load()
	if final.Revision() != uint64(len(all)) {
		t.Errorf("final revision %d, but %d updates committed", final.Revision(), len(all))
	}
	if diff := cmp.Diff(replay.Load().Spec(), final.Spec()); diff != "" {
		t.Errorf("final snapshot differs from the replay (-want +got):\n%s", diff)
	}
	if initial.Revision() != 0 || !cmp.Equal(specs[0], initial.Spec()) {
		t.Errorf("the initial snapshot changed")
	}
	checked := 0
	for r := range readers {
		for rev, spec := range seen[r] {
			checked++
			if diff := cmp.Diff(specs[rev], spec); diff != "" {
				t.Errorf("reader %d saw revision %d differ from the replay (-want +got):\n%s", r, rev, diff)
			}
		}
	}

	// The audit events: one per committed step, in revision order, each
	// RemoveMember preceded by one per team role it ended.
	i := 0
	for _, c := range all {
		for _, o := range c.ops {
			for o.Kind == account.OpRemoveMember && i < len(events) && events[i].Op == account.OpRemoveFromTeam &&
				events[i].Revision == c.rev && events[i].Actor == o.Actor && events[i].User == o.User {
				i++
			}
			if i >= len(events) {
				t.Errorf("observer got %d events, none for step %v of revision %d", len(events), o, c.rev)
				break
			}
			if e := events[i]; e.Revision != c.rev || e.Op != o.Kind || e.Actor != o.Actor {
				t.Errorf("event %d = %+v, want revision %d and step %v", i, e, c.rev, o)
			}
			i++
		}
	}
	if i != len(events) {
		t.Errorf("observer got %d events, %d more than the committed steps account for", len(events), len(events)-i)
	}
	if diff := cmp.Diff(replayed, events); diff != "" {
		t.Errorf("events differ from the replay's (-want +got):\n%s", diff)
	}

	// Both kinds of change must have happened for the test to mean anything.
	if total["committed"] == 0 || total[account.ErrForbidden.Error()] == 0 || total["abandoned"] == 0 {
		t.Errorf("outcomes %v: want committed, forbidden and abandoned updates", total)
	}
	t.Logf("%d updates: %v; %d events; readers loaded %d snapshots and checked %d revisions", func() int {
		n := 0
		for _, v := range total {
			n += v
		}
		return n
	}(), total, len(events), sum(loads), checked)
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// stressSpec is a generated account, with filler members so that an
// update changes few of many entries.
func stressSpec() account.Spec {
	spec := accounttest.Spec().Example(7)
	for i := range 24 {
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprintf("filler%02d", i), Permissions: permission.Set(i % 16)})
	}
	return spec
}

// checkSnapshot checks that a is consistent in itself: its invariants, and
// every query agreeing with every other, for members and for non-members.
// It reports whether a passed.
func checkSnapshot(t *testing.T, a *account.Account) bool {
	t.Helper()
	if !accounttest.CheckInvariants(t, a) {
		return false
	}
	if _, ok := account.CountInvariants(a); !ok {
		t.Errorf("revision %d: counted managers or team admins disagree with the snapshot", a.Revision())
		return false
	}
	spec := a.Spec()
	var members []account.Member
	for u, p := range a.Members() {
		members = append(members, account.Member{User: u, Permissions: p})
	}
	var teams []account.Team
	for tm := range a.Teams() {
		teams = append(teams, tm)
		if got, ok := a.Team(tm.Name); !ok || !cmp.Equal(got, tm) {
			t.Errorf("revision %d: Team(%q) = %v, %t; Teams yields %v", a.Revision(), tm.Name, got, ok, tm)
			return false
		}
	}
	var idp *account.IdentityProvider
	if p, ok := a.IdentityProvider(); ok {
		idp = &p
	}
	if diff := cmp.Diff(spec, account.Spec{Name: a.Name(), Members: members, Teams: teams, IdentityProvider: idp}, cmpopts.EquateEmpty()); diff != "" ||
		a.NumMembers() != len(spec.Members) || a.NumTeams() != len(spec.Teams) {
		t.Errorf("revision %d: Members and Teams (+) or NumMembers %d and NumTeams %d disagree with Spec (-):\n%s", a.Revision(), a.NumMembers(), a.NumTeams(), diff)
		return false
	}
	users := []string{"", "nobody", "hal", "guest", "Ann"} // non-members, or users steps add
	for _, m := range spec.Members {
		users = append(users, m.User)
	}
	for _, u := range users {
		for act := range permission.Action(9) {
			d := a.Explain(u, act)
			p, member := a.Permissions(u)
			if d.Allowed != a.Can(u, act) || d.Member != member || d.Holds != p || d.User != u || d.Action != act || d.Needs != act.AllowedBy() {
				t.Errorf("revision %d: Explain(%q, %v) = %+v disagrees with Can %t or Permissions %v, %t", a.Revision(), u, act, d, a.Can(u, act), p, member)
				return false
			}
		}
		for _, tm := range spec.Teams {
			r, _ := a.Role(tm.Name, u)
			if a.CanViewTeam(u, tm.Name) != (a.IsMember(u) && r.Sees()) {
				t.Errorf("revision %d: CanViewTeam(%q, %q) disagrees with IsMember and Role %v", a.Revision(), u, tm.Name, r)
				return false
			}
		}
	}
	return true
}
