package account_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// The committer waits, before it takes a batch, for the callers on their way
// to the queue; these tests hold it there with account.SetGathered.

// soon reports, from any goroutine, whether cond holds within 10s.
func soon(cond func() bool) bool {
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			return false
		}
	}
	return true
}

// queuedBehind starts an update to add user on s, whose gate holds a
// batch, and returns once the update is queued.
func queuedBehind(t *testing.T, s *account.Store, ctx context.Context, user string) chan result {
	t.Helper()
	built := make(chan struct{})
	var once atomic.Bool
	r := goUpdateContext(s, ctx, func(tx *account.Tx) error {
		err := tx.AddMember("alice", user, 0)
		if once.CompareAndSwap(false, true) {
			close(built)
		}
		return err
	})
	<-built
	// From its callback's end until it is queued, the update counts as
	// coming; the one whose batch is held does not.
	waitUntil(t, user+"'s update is queued", func() bool { return account.Coming(s) == 0 })
	return r
}

// inCallback starts an update to add user on s whose first run of its
// callback waits for hold, and returns once that run has begun.
func inCallback(s *account.Store, user string, hold chan struct{}) chan result {
	inside := make(chan struct{})
	var runs atomic.Int32
	r := goUpdate(s, func(tx *account.Tx) error {
		if runs.Add(1) == 1 {
			close(inside)
			<-hold
		}
		return tx.AddMember("alice", user, 0)
	})
	<-inside
	return r
}

// A caller running its callback when a batch is taken joins that batch,
// instead of waiting for the next one.
func TestGatherWaitsForComing(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	r1 := goUpdate(s, addUser("carl"))
	g.next(t)
	r2 := queuedBehind(t, s, context.Background(), "dana")
	hold := make(chan struct{})
	r3 := inCallback(s, "erin", hold)
	var gathers atomic.Int32
	account.SetGathered(s, func() {
		if gathers.Add(1) > 1 {
			return
		}
		close(hold)
		if !soon(func() bool { return account.Coming(s) == 0 }) {
			t.Error("erin's update was not queued after 10s")
		}
	})
	g.answer <- nil
	if r := answerOf(t, r1, "the first update"); r.err != nil {
		t.Fatal(r.err)
	}
	if got := revisions(g.next(t)); !slices.Equal(got, []uint64{2, 3}) {
		t.Errorf("second batch %v, want [2 3]: the update whose callback ran joins it", got)
	}
	g.answer <- nil
	g.answer <- nil // in case the batches were split
	for i, r := range []chan result{r2, r3} {
		if r := answerOf(t, r, "a gathered update"); r.err != nil || r.a.Revision() != uint64(i+2) {
			t.Errorf("update %d = %v, %v", i+2, r.a, r.err)
		}
	}
	if n := gathers.Load(); n != 1 {
		t.Errorf("the committer waited %d times for coming callers, want 1", n)
	}
}

// An update whose context ends while the committer waits for others to
// join its batch is not stored: its caller gets ctx's error, not an
// unknown outcome, and the update built on it runs again without it.
func TestGatherContextDoneStoresNothing(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	var seen [][]account.Event
	s.SetObserver(func(es []account.Event) { seen = append(seen, es) })
	r1 := goUpdate(s, addUser("carl"))
	g.next(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r2 := queuedBehind(t, s, ctx, "dana")
	hold := make(chan struct{})
	r3 := inCallback(s, "erin", hold)
	var gathers atomic.Int32
	account.SetGathered(s, func() {
		if gathers.Add(1) > 1 {
			return
		}
		cancel()
		select {
		case r := <-r2:
			if !errors.Is(r.err, context.Canceled) || errors.Is(r.err, account.ErrOutcomeUnknown) || r.a != nil {
				t.Errorf("update cancelled while gathered = %v, %v; want context.Canceled, outcome known", r.a, r.err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the cancelled update did not return after 10s")
		}
		close(hold)
		if !soon(func() bool { return account.Coming(s) == 0 }) {
			t.Error("erin's update was not queued after 10s")
		}
	})
	g.answer <- nil
	if r := answerOf(t, r1, "the first update"); r.err != nil {
		t.Fatal(r.err)
	}
	batch := g.next(t)
	g.answer <- nil
	if got := revisions(batch); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("second batch %v, want [2]: erin's update alone", got)
	}
	if r := answerOf(t, r3, "the update built on the cancelled one"); r.err != nil || r.a.Revision() != 2 || !r.a.IsMember("erin") || r.a.IsMember("dana") {
		t.Fatalf("update after the cancelled one = %v, %v; want revision 2 with erin, without dana", r.a, r.err)
	}
	for e, err := range g.Events(context.Background(), 0) {
		if err != nil {
			t.Fatal(err)
		}
		if e.User == "dana" {
			t.Errorf("the backend stored the cancelled update: %+v", e)
		}
	}
	if len(seen) != 2 || seen[1][0].User != "erin" {
		t.Errorf("observer saw %v, want carl's update then erin's", seen)
	}
	if n := gathers.Load(); n != 1 {
		t.Errorf("the committer waited %d times for coming callers, want 1", n)
	}
}

// A lone caller never waits for others to join its batch, whatever the
// updates before it did: none of them is left counted as coming.
func TestGatherLoneCallerNeverWaits(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	var gathers atomic.Int32
	account.SetGathered(s, func() { gathers.Add(1) })
	drain := func() {
		for len(g.entered) > 0 {
			<-g.entered
		}
	}
	n := 0
	lone := func(after string) {
		t.Helper()
		drain()
		if c := account.Coming(s); c != 0 {
			t.Fatalf("after %s: %d callers counted as coming, want 0", after, c)
		}
		n++
		g.answer <- nil
		if _, err := s.Update(addUser(fmt.Sprintf("lone%d", n))); err != nil {
			t.Fatalf("after %s: %v", after, err)
		}
		drain()
		if c := gathers.Load(); c != 0 {
			t.Fatalf("after %s: a lone update waited for coming callers (%d times)", after, c)
		}
	}
	lone("nothing")
	lone("a lone update")

	if _, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("lone1", "alice", permission.View) }); !errors.Is(err, account.ErrForbidden) {
		t.Fatalf("refused update: %v", err)
	}
	lone("a refused update")

	if a, err := s.Update(func(*account.Tx) error { return nil }); err != nil || a == nil {
		t.Fatalf("update without steps = %v, %v", a, err)
	}
	lone("an update without steps")

	errFn := errors.New("no")
	if _, err := s.Update(func(tx *account.Tx) error { tx.AddMember("alice", "x", 0); return errFn }); !errors.Is(err, errFn) {
		t.Fatalf("failed callback: %v", err)
	}
	lone("a callback that failed")

	func() {
		defer func() { recover() }()
		s.Update(func(*account.Tx) error { panic("callback") })
	}()
	lone("a callback that panicked")

	done, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.UpdateContext(done, addUser("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("update with a done context: %v", err)
	}
	lone("an update whose context was done")

	hold := make(chan struct{})
	r := inCallback(s, "y", hold)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	if _, err := s.UpdateContext(ctx, addUser("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("update whose context ended waiting for the lock: %v", err)
	}
	cancel()
	close(hold)
	g.answer <- nil
	if r := answerOf(t, r, "the update holding the lock"); r.err != nil {
		t.Fatal(r.err)
	}
	lone("an update whose context ended waiting for the lock")

	r1 := goUpdate(s, addUser("held"))
	g.next(t)
	ctx, cancel = context.WithCancel(context.Background())
	r2 := queuedBehind(t, s, ctx, "queued")
	cancel()
	if r := answerOf(t, r2, "the update cancelled while queued"); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("update cancelled while queued: %v", r.err)
	}
	g.answer <- nil
	if r := answerOf(t, r1, "the update before it"); r.err != nil {
		t.Fatal(r.err)
	}
	lone("an update cancelled while queued")

	ctx, cancel = context.WithCancel(context.Background())
	r = goUpdateContext(s, ctx, addUser("handed"))
	g.next(t)
	cancel()
	if r := answerOf(t, r, "the update cancelled while handed"); !errors.Is(r.err, account.ErrOutcomeUnknown) {
		t.Fatalf("update cancelled while with the backend: %v", r.err)
	}
	if c := account.Coming(s); c != 0 {
		t.Fatalf("%d callers counted as coming while an abandoned update is with the backend", c)
	}
	g.answer <- nil // the batch then fails: its context is done
	// An update without steps returns once the snapshot it ran on is
	// settled: after that batch.
	if _, err := s.Update(func(*account.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	lone("an update whose caller left while it was with the backend")

	diskFull := errors.New("disk full")
	g.answer <- diskFull
	if _, err := s.Update(addUser("x")); !errors.Is(err, diskFull) {
		t.Fatalf("update the backend failed: %v", err)
	}
	lone("an update the backend failed")

	g.answer <- fmt.Errorf("another writer: %w", account.ErrStale)
	g.answer <- nil
	if _, err := s.Update(addUser("stale")); err != nil {
		t.Fatalf("update retried after ErrStale: %v", err)
	}
	lone("an update retried after ErrStale")

	func() {
		defer func() { recover() }()
		s.SetObserver(func([]account.Event) { panic("observer") })
		defer s.SetObserver(nil)
		g.answer <- nil
		s.Update(addUser("observed"))
	}()
	lone("an observer that panicked")
}

// A lone caller that cannot give up stores its batch itself, but only its
// own: updates queued meanwhile go to a committer, and the caller returns
// while their batch is still with the backend.
func TestLoneCallerStoresOnlyItsBatch(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	r1 := goUpdate(s, addUser("carl"))
	if got := revisions(g.next(t)); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("first batch %v, want [1]", got)
	}
	r2 := queuedBehind(t, s, context.Background(), "dana")
	g.answer <- nil
	select {
	case r := <-r1:
		if r.err != nil || r.a.Revision() != 1 {
			t.Fatalf("first update: revision %d, %v; want 1, nil", r.a.Revision(), r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first caller did not return while the next batch was with the backend")
	}
	if got := revisions(g.next(t)); !slices.Equal(got, []uint64{2}) {
		t.Fatalf("second batch %v, want [2]", got)
	}
	g.answer <- nil
	if r := <-r2; r.err != nil || r.a.Revision() != 2 {
		t.Fatalf("second update: revision %d, %v; want 2, nil", r.a.Revision(), r.err)
	}
	if got := s.Load().Revision(); got != 2 {
		t.Fatalf("Load at revision %d, want 2", got)
	}
}
