package accounttest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// NewLogFrom returns a Log that holds a's history from a on: its first
// update will be revision a.Revision()+1, and it is an [account.History]
// whose At gives a and every state after it. Make the Store that writes to
// it with [account.NewStoreWith](a, log).
func NewLogFrom(a *account.Account) *Log {
	return &Log{origin: a.Revision(), start: a}
}

// At returns the account at revision rev, replaying the stored updates on
// the account the Log began with ([account.ReplayTo]). A revision not
// stored yet is an error wrapping [account.ErrNotCommitted]; one before the
// Log's first state, [account.ErrNotKept]. A Log made by [NewLog] or the
// zero Log does not know the account it began with: its At is an error
// wrapping [account.ErrInvalid].
func (l *Log) At(ctx context.Context, rev uint64) (*account.Account, error) {
	l.mu.Lock()
	start, origin := l.start, l.origin
	l.mu.Unlock()
	if start == nil {
		return nil, fmt.Errorf("accounttest: at revision %d: the log does not know the account it began with (make it with NewLogFrom): %w", rev, account.ErrInvalid)
	}
	if rev < origin {
		return nil, &account.RevisionError{Revision: rev, Latest: origin, Err: account.ErrNotKept}
	}
	return account.ReplayTo(ctx, start, l.Events(ctx, origin), rev)
}

// A HistoryHarness tells [TestHistory] how to make the history it checks.
type HistoryHarness struct {
	// New returns a Store whose updates are kept in a new history that
	// begins with a, and that history. The harness closes what it opened
	// when the test ends (t.Cleanup). A backend that checkpoints should be
	// made to checkpoint often here (every few updates), so that At is
	// checked across checkpoints. Required.
	New func(t *testing.T, a *account.Account) (*account.Store, account.History)
	// Reopen closes h, made by New or Reopen, opens its storage again and
	// returns the new Store and History. Optional: nil skips the checks
	// after reopening.
	Reopen func(t *testing.T, h account.History) (*account.Store, account.History)
}

// TestHistory checks an [account.History] kept by a Store's backend
// against the contract, as a property over random accounts and random
// sequences of updates:
//
//   - At(r), for every revision r from the first to the last, equals the
//     snapshot Update returned for r: its revision, Spec, and every check
//     for every user, action and team;
//   - At of the revision after the last is a [*account.RevisionError]
//     wrapping [account.ErrNotCommitted];
//   - Events(ctx, after) yields exactly the events of the updates after
//     after, in order, each with its update's commit time in UTC, the
//     events the Store's observer received;
//   - [account.RevisionAt] of each update's commit time is that update or
//     a later one committed at the same time;
//   - if the history is an [account.UserHistory], UserEvents(ctx, user,
//     after, through) yields exactly the events of Events(ctx, after) of
//     user up to through, for every user and several ranges, and an error
//     wrapping [account.ErrNotCommitted] for a through past the last
//     revision; and [account.AccessSpans] and [account.Provenance], which
//     use it, answer as they do when they read every event;
//   - with Reopen, all of this again after reopening, and after updates
//     made since.
//
// Each case makes a new history with New. The number of cases is rapid's
// (-rapid.checks, 100 by default); each commits up to 24 updates.
func TestHistory(t *testing.T, h HistoryHarness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("accounttest: TestHistory: HistoryHarness.New is nil")
	}
	rapid.Check(t, HistoryProperty(t, h))
}

// HistoryProperty returns the property [TestHistory] checks, for
// [rapid.Check]: t is the test that New and Reopen are given.
func HistoryProperty(t *testing.T, h HistoryHarness) func(*rapid.T) {
	return func(rt *rapid.T) {
		a, err := account.New(Spec().Draw(rt, "spec"))
		if err != nil {
			rt.Fatalf("accounttest: New: %v", err)
		}
		s, hist := h.New(t, a)
		var mu sync.Mutex
		var seen []account.Event
		s.SetObserver(func(es []account.Event) {
			mu.Lock()
			seen = append(seen, es...)
			mu.Unlock()
		})
		snaps := map[uint64]*account.Account{a.Revision(): a}
		commit := func(n int) {
			for range n {
				ops := drawUpdate(rt, s.Load())
				next, err := s.Update(func(tx *account.Tx) error {
					for _, o := range ops {
						if err := o.Apply(tx); err != nil {
							return err
						}
					}
					return nil
				})
				if err == nil && next.Revision() != s.Load().Revision() {
					rt.Fatalf("Update returned revision %d, Load gives %d", next.Revision(), s.Load().Revision())
				}
				if err == nil {
					snaps[next.Revision()] = next
				}
			}
		}
		commit(rapid.IntRange(1, 16).Draw(rt, "updates"))
		mu.Lock()
		events := slices.Clone(seen)
		mu.Unlock()
		checkHistory(rt, "", hist, a.Revision(), snaps, events)
		if h.Reopen == nil {
			return
		}
		s, hist = h.Reopen(t, hist)
		if got := s.Load(); got.Revision() != lastRevision(snaps) {
			rt.Fatalf("reopened at revision %d, want %d", got.Revision(), lastRevision(snaps))
		}
		checkHistory(rt, "after reopening: ", hist, a.Revision(), snaps, events)
		s.SetObserver(func(es []account.Event) {
			mu.Lock()
			events = append(events, es...)
			mu.Unlock()
		})
		commit(rapid.IntRange(1, 8).Draw(rt, "updates after reopening"))
		mu.Lock()
		defer mu.Unlock()
		checkHistory(rt, "after reopening and updating: ", hist, a.Revision(), snaps, events)
	}
}

func lastRevision(snaps map[uint64]*account.Account) uint64 {
	return slices.Max(slices.Collect(maps.Keys(snaps)))
}

// checkHistory checks h against the snapshots Update returned and the
// events the observer received.
func checkHistory(t *rapid.T, when string, h account.History, first uint64, snaps map[uint64]*account.Account, events []account.Event) {
	t.Helper()
	ctx := context.Background()
	last := lastRevision(snaps)
	for r := first; r <= last; r++ {
		got, err := h.At(ctx, r)
		if err != nil {
			t.Fatalf("%sAt(%d): %v", when, r, err)
		}
		want := snaps[r]
		if got.Revision() != r {
			t.Fatalf("%sAt(%d) has revision %d", when, r, got.Revision())
		}
		if d := cmp.Diff(want.Spec(), got.Spec()); d != "" {
			t.Fatalf("%sAt(%d): Spec differs from the snapshot Update returned (-want +got):\n%s", when, r, d)
		}
		spec := want.Spec()
		for _, u := range Users(spec) {
			for _, act := range permission.Actions() {
				if got.Can(u, act) != want.Can(u, act) {
					t.Fatalf("%sAt(%d): Can(%q, %s) = %v, the snapshot Update returned says %v", when, r, u, act, got.Can(u, act), want.Can(u, act))
				}
			}
			for _, team := range Teams(spec) {
				if got.CanViewTeam(u, team) != want.CanViewTeam(u, team) {
					t.Fatalf("%sAt(%d): CanViewTeam(%q, %q) = %v", when, r, u, team, got.CanViewTeam(u, team))
				}
			}
		}
	}
	_, err := h.At(ctx, last+1)
	var re *account.RevisionError
	if !errors.Is(err, account.ErrNotCommitted) || !errors.As(err, &re) {
		t.Fatalf("%sAt(%d), past the last revision %d: %v; want a *RevisionError wrapping ErrNotCommitted", when, last+1, last, err)
	}
	for _, after := range []uint64{0, first, (first + last) / 2, last} {
		var got []account.Event
		for e, err := range h.Events(ctx, after) {
			if err != nil {
				t.Fatalf("%sEvents(%d): %v", when, after, err)
			}
			got = append(got, e)
		}
		i := slices.IndexFunc(events, func(e account.Event) bool { return e.Revision > after })
		want := []account.Event{}
		if i >= 0 {
			want = events[i:]
		}
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })); d != "" {
			t.Fatalf("%sEvents(%d) (-observed +got):\n%s", when, after, d)
		}
		for _, e := range got {
			if e.Time.IsZero() || e.Time.Location() != time.UTC {
				t.Fatalf("%sEvents(%d): revision %d has time %v, want a commit time in UTC", when, after, e.Revision, e.Time)
			}
		}
	}
	if uh, ok := h.(account.UserHistory); ok {
		checkUserEvents(t, when, uh, first, last, snaps, events)
	}
	for i, e := range events {
		if i+1 < len(events) && events[i+1].Revision == e.Revision {
			continue
		}
		r, err := account.RevisionAt(ctx, h, e.Time)
		if err != nil {
			t.Fatalf("%sRevisionAt(%v): %v", when, e.Time, err)
		}
		j := slices.IndexFunc(events, func(x account.Event) bool { return x.Revision == r })
		if r < e.Revision || j < 0 || !events[j].Time.Equal(e.Time) {
			t.Fatalf("%sRevisionAt(time of revision %d, %v) = %d", when, e.Revision, e.Time, r)
		}
	}
}

// drawUpdate draws the steps of one update on a: one to three, each drawn
// by [OpFor] and kept if it succeeds on a scratch Store, so that most
// updates commit; now and then a failing step is kept, and the update
// fails.
func drawUpdate(t *rapid.T, a *account.Account) []Op {
	n := rapid.IntRange(1, 3).Draw(t, "steps")
	scratch := account.NewStore(a)
	var ops []Op
	for len(ops) < n {
		o := OpFor(scratch.Load()).Draw(t, "op")
		_, err := scratch.Update(o.Apply)
		if err == nil || rapid.IntRange(0, 9).Draw(t, "keep a failing step") == 0 {
			ops = append(ops, o)
			if err != nil {
				break
			}
		}
	}
	return ops
}

// plainHistory hides every method of a History but Events and At, so that
// the history questions read every event.
type plainHistory struct{ h account.History }

func (p plainHistory) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return p.h.Events(ctx, after)
}

func (p plainHistory) At(ctx context.Context, rev uint64) (*account.Account, error) {
	return p.h.At(ctx, rev)
}

// checkUserEvents checks the UserEvents of h against events, the events
// the observer received, and the history questions that use it against
// the same questions on every event.
func checkUserEvents(t *rapid.T, when string, h account.UserHistory, first, last uint64, snaps map[uint64]*account.Account, events []account.Event) {
	t.Helper()
	ctx := context.Background()
	var users []string
	for _, a := range snaps {
		users = append(users, Users(a.Spec())...)
	}
	for _, e := range events {
		users = append(users, e.User)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	ranges := [][2]uint64{{0, last}, {first, first}, {(first + last) / 2, last}, {first, (first + last) / 2}}
	for _, u := range users {
		for _, rg := range ranges {
			after, through := rg[0], rg[1]
			var got []account.Event
			for e, err := range h.UserEvents(ctx, u, after, through) {
				if err != nil {
					t.Fatalf("%sUserEvents(%q, %d, %d): %v", when, u, after, through, err)
				}
				got = append(got, e)
			}
			want := []account.Event{}
			for _, e := range events {
				if e.User == u && e.Revision > after && e.Revision <= through {
					want = append(want, e)
				}
			}
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })); d != "" {
				t.Fatalf("%sUserEvents(%q, %d, %d) (-observed +got):\n%s", when, u, after, through, d)
			}
		}
		n := 0
		var re *account.RevisionError
		for e, err := range h.UserEvents(ctx, u, first, last+1) {
			if err == nil {
				t.Fatalf("%sUserEvents(%q, %d, %d), past the last revision: yielded %+v", when, u, first, last+1, e)
			}
			if !errors.Is(err, account.ErrNotCommitted) || !errors.As(err, &re) || re.Latest != last {
				t.Fatalf("%sUserEvents(%q, %d, %d), past the last revision %d: %v; want a *RevisionError wrapping ErrNotCommitted", when, u, first, last+1, last, err)
			}
			n++
		}
		if n != 1 {
			t.Fatalf("%sUserEvents(%q, %d, %d), past the last revision: %d errors, want one", when, u, first, last+1, n)
		}
	}
	for range 3 {
		q := account.Access{User: rapid.SampledFrom(users).Draw(t, "user"), Action: rapid.SampledFrom(permission.Actions()).Draw(t, "action")}
		from := rapid.Uint64Range(first, last).Draw(t, "from")
		to := rapid.Uint64Range(from, last).Draw(t, "to")
		want, werr := account.AccessSpans(ctx, plainHistory{h}, q, from, to)
		got, err := account.AccessSpans(ctx, h, q, from, to)
		if werr != nil || err != nil {
			t.Fatalf("%sAccessSpans(%s, %d, %d): %v, reading every event: %v", when, q, from, to, err, werr)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("%sAccessSpans(%s, %d, %d) (-every event +UserEvents):\n%s", when, q, from, to, d)
		}
		wo, werr := account.Provenance(ctx, plainHistory{h}, q, to)
		o, err := account.Provenance(ctx, h, q, to)
		if werr != nil || err != nil {
			t.Fatalf("%sProvenance(%s, %d): %v, reading every event: %v", when, q, to, err, werr)
		}
		if d := cmp.Diff(wo, o); d != "" {
			t.Fatalf("%sProvenance(%s, %d) (-every event +UserEvents):\n%s", when, q, to, d)
		}
		if _, err := account.AccessSpans(ctx, h, q, from, last+1); !errors.Is(err, account.ErrNotCommitted) {
			t.Fatalf("%sAccessSpans(%s, %d, %d), past the last revision: %v; want ErrNotCommitted", when, q, from, last+1, err)
		}
	}
}
