package accounttest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A BackendHarness tells [TestBackend] how to make the backend it checks.
type BackendHarness struct {
	// New returns a backend that holds a new account, a, at a's revision.
	// The harness closes it when the test ends (t.Cleanup). A nil Backend
	// checks a Store without one ([account.NewStore]), on which only the
	// checks that need no backend run. Required.
	New func(t *testing.T, a *account.Account) account.Backend
	// Reopen closes b, made by New or Reopen, opens its storage again and
	// returns the new backend and the state it recovered. Optional: nil
	// skips the checks of reopening.
	Reopen func(t *testing.T, b account.Backend) (account.Backend, *account.Account)
	// Writer returns another backend on b's storage, as another process
	// would open it, whose updates b learns of only through its storage.
	// Optional: nil for a backend with one writer skips the checks of
	// stale snapshots.
	Writer func(t *testing.T, b account.Backend) account.Backend
	// Close closes b, after which its Append must fail. Optional: nil
	// skips the check of closing under load.
	Close func(b account.Backend) error
}

// TestBackend checks a [account.Backend], with the [account.Store] built on
// it by [account.NewStoreWith], against the seam's contract. It runs
// subtests:
//
//   - every update is stored and read back by Events, in revision order,
//     with its events, and revisions are consecutive;
//   - concurrent updaters all commit; batches are consecutive and never
//     handed over concurrently; the observer is called one update at a
//     time, in revision order; Load never goes back; WaitFor returns;
//   - a failed batch stores nothing, fails the updates built on it and
//     nothing else;
//   - an outcome the backend cannot know is reported as
//     [account.ErrOutcomeUnknown], and the Store catches up before its next
//     update, whether the batch was stored or not;
//   - a context done before its update reaches the backend stores nothing
//     and returns its error; one done while the backend has it reaches the
//     backend, and the caller learns the outcome is unknown;
//   - a panicking backend leaves the Store usable;
//   - reopening gives the same state and events (with Reopen);
//   - an update built on a stale snapshot catches up and runs again, and a
//     refusal is confirmed on a current snapshot (with Writer);
//   - closing under load loses no acknowledged update (with Close).
//
// TestBackend wraps the backend to inject faults, calling the backend's
// own Append and Events inside, so a backend needs nothing for them.
// Run it with -race.
func TestBackend(t *testing.T, h BackendHarness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("accounttest: TestBackend: BackendHarness.New is nil")
	}
	k := &kit{h: h}
	t.Run("CommitAndRead", k.commitAndRead)
	t.Run("Concurrent", k.concurrent)
	t.Run("Context", k.context)
	if k.memory {
		return // a Store without a backend: the rest needs one
	}
	t.Run("FailedBatch", k.failedBatch)
	t.Run("OutcomeUnknown", k.outcomeUnknown)
	t.Run("Panic", k.panics)
	if h.Reopen != nil {
		t.Run("Reopen", k.reopen)
	}
	if h.Writer != nil {
		t.Run("Stale", k.stale)
	}
	if h.Close != nil {
		t.Run("CloseUnderLoad", k.closeUnderLoad)
	}
}

type kit struct {
	h      BackendHarness
	memory bool // New gave no backend
}

// seedAccount is the account every check starts from: alice holds every
// permission, bob views, and team web has alice as its admin.
func seedAccount(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{
		Name:    "acme",
		Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob", Permissions: permission.View}},
		Teams:   []account.Team{{Name: "web", Members: []account.TeamMember{{User: "alice", Role: account.RoleAdmin}}}},
	})
	if err != nil {
		t.Fatalf("accounttest: seed account: %v", err)
	}
	return a
}

func add(user string) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("alice", user, permission.Billing) }
}

// A fixture is a Store on the wrapped backend under test, with the
// observer's record.
type fixture struct {
	t    *testing.T
	b    account.Backend // the backend under test
	f    *faulty         // b wrapped
	s    *account.Store
	seen *observed
}

func (k *kit) fixture(t *testing.T) *fixture {
	t.Helper()
	a := seedAccount(t)
	b := k.h.New(t, a)
	k.memory = b == nil
	return newFixture(t, a, b)
}

func newFixture(t *testing.T, a *account.Account, b account.Backend) *fixture {
	fx := &fixture{t: t, b: b, seen: &observed{}}
	if b == nil {
		fx.s = account.NewStore(a)
	} else {
		fx.f = &faulty{inner: b, t: t}
		fx.s = account.NewStoreWith(a, fx.f)
	}
	fx.seen.watch(t, fx.s, a.Revision())
	return fx
}

// update runs fn and fails the test if it does not commit as revision want.
func (fx *fixture) update(fn func(*account.Tx) error, want uint64) *account.Account {
	fx.t.Helper()
	got, err := fx.s.Update(fn)
	if err != nil {
		fx.t.Fatalf("update to revision %d: %v", want, err)
	}
	if got.Revision() != want {
		fx.t.Fatalf("update committed as revision %d, want %d", got.Revision(), want)
	}
	return got
}

// checkStored fails the test unless the backend holds exactly the events
// the observer saw, and the Store's snapshot has their last revision.
func (fx *fixture) checkStored(from uint64) {
	fx.t.Helper()
	want := fx.seen.all()
	if fx.b != nil {
		got, err := collect(fx.b.Events(context.Background(), from))
		if err != nil {
			fx.t.Fatalf("Events(%d): %v", from, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			fx.t.Fatalf("Events(%d) differs from what the observer saw (-observed +stored):\n%s", from, diff)
		}
	}
	last := from
	if len(want) > 0 {
		last = want[len(want)-1].Revision
	}
	if rev := fx.s.Load().Revision(); rev != last {
		fx.t.Fatalf("Load is at revision %d, the last update observed is %d", rev, last)
	}
}

func collect(seq iter.Seq2[account.Event, error]) ([]account.Event, error) {
	var es []account.Event
	for e, err := range seq {
		if err != nil {
			return es, err
		}
		es = append(es, e)
	}
	return es, nil
}

// observed records what the observer is given and checks that it is
// called one update at a time, in revision order.
type observed struct {
	mu     sync.Mutex
	events []account.Event
	last   uint64
	in     atomic.Int32
}

func (o *observed) watch(t *testing.T, s *account.Store, rev uint64) {
	o.last = rev
	s.SetObserver(func(es []account.Event) {
		if o.in.Add(1) != 1 {
			t.Errorf("the observer was called while another call ran")
		}
		defer o.in.Add(-1)
		o.mu.Lock()
		defer o.mu.Unlock()
		if len(es) == 0 {
			t.Errorf("the observer was called without events")
			return
		}
		if es[0].Revision != o.last+1 {
			t.Errorf("the observer got revision %d after %d", es[0].Revision, o.last)
		}
		for _, e := range es {
			if e.Revision != es[0].Revision || !e.Time.Equal(es[0].Time) || e.Time.Location() != time.UTC {
				t.Errorf("one update's events carry revisions or times that differ, or a time not in UTC: %v", es)
				break
			}
		}
		o.last = es[0].Revision
		o.events = append(o.events, es...)
	})
}

func (o *observed) all() []account.Event {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.events)
}

// faulty wraps the backend under test: it checks how the Store calls it,
// and injects a fault into the next Append when told to.
type faulty struct {
	inner   account.Backend
	t       *testing.T
	busy    atomic.Bool
	mu      sync.Mutex
	next    func(ctx context.Context, batch []account.Update) error
	batches int
	largest int
}

// inject makes fn run in place of the next Append; fn may call f.inner.
func (f *faulty) inject(fn func(ctx context.Context, batch []account.Update) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = fn
}

func (f *faulty) Append(ctx context.Context, batch []account.Update) error {
	if !f.busy.CompareAndSwap(false, true) {
		f.t.Errorf("Append called while another Append ran")
	} else {
		defer f.busy.Store(false)
	}
	if len(batch) == 0 {
		f.t.Errorf("Append called with an empty batch")
	}
	for i := 1; i < len(batch); i++ {
		if batch[i].Revision() != batch[i-1].Revision()+1 {
			f.t.Errorf("a batch holds revision %d after %d", batch[i].Revision(), batch[i-1].Revision())
		}
	}
	f.mu.Lock()
	fn := f.next
	f.next = nil
	f.batches++
	f.largest = max(f.largest, len(batch))
	f.mu.Unlock()
	if fn != nil {
		return fn(ctx, batch)
	}
	return f.inner.Append(ctx, batch)
}

func (f *faulty) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return f.inner.Events(ctx, after)
}

// hold makes the next Append wait, once it has begun, until the returned
// release is called with the function to run in its place (nil: the
// backend's own Append). entered is closed when the Append begins.
func (f *faulty) hold() (entered chan struct{}, release func(fn func(context.Context, []account.Update) error)) {
	entered = make(chan struct{})
	ch := make(chan func(context.Context, []account.Update) error, 1)
	f.inject(func(ctx context.Context, batch []account.Update) error {
		close(entered)
		fn := <-ch
		if fn == nil {
			return f.inner.Append(ctx, batch)
		}
		return fn(ctx, batch)
	})
	return entered, func(fn func(context.Context, []account.Update) error) { ch <- fn }
}

type result struct {
	a   *account.Account
	err error
}

func goUpdate(s *account.Store, ctx context.Context, fn func(*account.Tx) error) chan result {
	ch := make(chan result, 1)
	go func() {
		a, err := s.UpdateContext(ctx, fn)
		ch <- result{a, err}
	}()
	return ch
}

func wait(t *testing.T, ch chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: no answer after 20s", what)
		return result{}
	}
}

func (k *kit) commitAndRead(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	steps := []func(*account.Tx) error{
		add("carl"),
		func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", permission.Manage) },
		func(tx *account.Tx) error {
			return errors.Join(tx.CreateTeam("alice", "ops"), tx.SetTeamRole("alice", "ops", "carl", account.RoleMember))
		},
		func(tx *account.Tx) error { return tx.RenameTeam("alice", "ops", "sre") },
		func(tx *account.Tx) error { return tx.RemoveMember("alice", "carl") },
	}
	for i, fn := range steps {
		fx.update(fn, from+uint64(i)+1)
	}
	fx.checkStored(from)
	// A refused update and one without steps store nothing.
	if _, err := fx.s.Update(func(tx *account.Tx) error { return tx.AddMember("carl", "dana", 0) }); !errors.Is(err, account.ErrForbidden) {
		t.Errorf("a refused update = %v, want ErrForbidden", err)
	}
	if a, err := fx.s.Update(func(*account.Tx) error { return nil }); err != nil || a.Revision() != from+5 {
		t.Errorf("an update without steps = revision %d, %v; want revision %d", a.Revision(), err, from+5)
	}
	fx.checkStored(from)
	if fx.b != nil {
		got, err := collect(fx.b.Events(context.Background(), from+3))
		if err != nil || len(got) == 0 || got[0].Revision != from+4 {
			t.Errorf("Events(%d) = %v, %v; want the updates after it", from+3, got, err)
		}
	}
}

func (k *kit) concurrent(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	const writers, each = 8, 12
	want := from + writers*each
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() { // Load never goes back
		last := from
		for {
			select {
			case <-stop:
				return
			default:
			}
			runtime.Gosched()
			rev := fx.s.Load().Revision()
			if rev < last {
				t.Errorf("Load went back from revision %d to %d", last, rev)
				return
			}
			last = rev
		}
	})
	waited := make(chan result, 1)
	readers.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a, err := fx.s.WaitFor(ctx, want)
		waited <- result{a, err}
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := fx.s.Update(add(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Errorf("update: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if r := <-waited; r.err != nil || r.a.Revision() < want {
		t.Errorf("WaitFor(%d) = %v", want, r.err)
	}
	close(stop)
	readers.Wait()
	got := fx.s.Load()
	if got.Revision() != want || got.NumMembers() != 2+writers*each {
		t.Fatalf("after %d updates: revision %d with %d members", writers*each, got.Revision(), got.NumMembers())
	}
	fx.checkStored(from)
	if fx.f != nil {
		t.Logf("%d updates in %d batches, the largest of %d", writers*each, fx.f.batches, fx.f.largest)
	}
}

func (k *kit) failedBatch(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	entered, release := fx.f.hold()
	r1 := goUpdate(fx.s, context.Background(), add("carl"))
	<-entered
	// Two updates built on carl's, which is with the backend.
	built := make(chan bool, 2)
	r2 := goUpdate(fx.s, context.Background(), func(tx *account.Tx) error {
		built <- tx.Account().IsMember("carl")
		return tx.AddMember("alice", "dana", 0)
	})
	if !<-built {
		t.Fatal("an update queued behind one with the backend did not build on it")
	}
	r3 := goUpdate(fx.s, context.Background(), add("erin"))
	waitQueued(t, fx.s, from+4)
	injected := errors.New("injected: disk full")
	release(func(context.Context, []account.Update) error { return injected })
	for i, ch := range []chan result{r1, r2, r3} {
		r := wait(t, ch, "an update of a failed batch")
		if !errors.Is(r.err, injected) || r.a != nil {
			t.Errorf("update %d = %v, %v; want the batch's error", i+1, r.a, r.err)
		}
	}
	if rev := fx.s.Load().Revision(); rev != from {
		t.Fatalf("revision %d published after a failed batch", rev)
	}
	// The next update builds on what is published, and is stored.
	a := fx.update(add("fred"), from+1)
	if a.IsMember("carl") || a.IsMember("dana") {
		t.Errorf("an update after a failed batch holds the failed updates: %v", a.Spec())
	}
	fx.checkStored(from)
}

// waitQueued waits until the Store's next update would be revision rev or
// later, that is, until the updates before rev were queued.
func waitQueued(t *testing.T, s *account.Store, rev uint64) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		var next uint64
		_, err := s.UpdateContext(cancelled(), func(tx *account.Tx) error {
			next = tx.Account().Revision()
			return nil
		})
		if !errors.Is(err, context.Canceled) && err != nil {
			t.Fatal(err)
		}
		if next >= rev {
			return
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("the updates before revision %d were not queued after 20s", rev)
		}
	}
}

// cancelled returns a context that is done, for a callback that only looks:
// its update returns ctx's error and stores nothing.
func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(time.Millisecond); cancel() }()
	return ctx
}

func (k *kit) outcomeUnknown(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	// Stored, but reported unknown: the next update catches up first.
	fx.f.inject(func(ctx context.Context, batch []account.Update) error {
		if err := fx.f.inner.Append(ctx, batch); err != nil {
			return err
		}
		return fmt.Errorf("injected: connection lost: %w", account.ErrOutcomeUnknown)
	})
	if a, err := fx.s.Update(add("carl")); !errors.Is(err, account.ErrOutcomeUnknown) || a != nil {
		t.Fatalf("update = %v, %v; want ErrOutcomeUnknown", a, err)
	}
	if rev := fx.s.Load().Revision(); rev != from {
		t.Fatalf("revision %d published with an unknown outcome", rev)
	}
	a := fx.update(add("dana"), from+2)
	if !a.IsMember("carl") {
		t.Errorf("the update stored with an unknown outcome is missing after catching up")
	}
	fx.checkStored(from)
	// Not stored, and reported unknown: the next update takes its revision.
	fx.f.inject(func(context.Context, []account.Update) error {
		return fmt.Errorf("injected: connection lost: %w", account.ErrOutcomeUnknown)
	})
	if _, err := fx.s.Update(add("erin")); !errors.Is(err, account.ErrOutcomeUnknown) {
		t.Fatalf("update = %v; want ErrOutcomeUnknown", err)
	}
	a = fx.update(add("fred"), from+3)
	if a.IsMember("erin") {
		t.Errorf("an update that was not stored was published")
	}
	fx.checkStored(from)
}

func (k *kit) context(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	// Done before: the callback never runs.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if _, err := fx.s.UpdateContext(ctx, func(tx *account.Tx) error { ran = true; return add("carl")(tx) }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("update with a done context = %v (callback ran: %v); want context.Canceled", err, ran)
	}
	// Done while the callback runs.
	ctx, cancel = context.WithCancel(context.Background())
	if _, err := fx.s.UpdateContext(ctx, func(tx *account.Tx) error { cancel(); return add("carl")(tx) }); !errors.Is(err, context.Canceled) {
		t.Errorf("update whose context ended in its callback = %v; want context.Canceled", err)
	}
	if rev := fx.s.Load().Revision(); rev != from {
		t.Fatalf("an update whose context ended was published as revision %d", rev)
	}
	fx.checkStored(from)
	if fx.f == nil {
		return
	}
	// Done while queued behind a batch with the backend: nothing stored,
	// and the update queued behind it runs again.
	entered, release := fx.f.hold()
	r1 := goUpdate(fx.s, context.Background(), add("carl"))
	<-entered
	ctx, cancel = context.WithCancel(context.Background())
	r2 := goUpdate(fx.s, ctx, add("dana"))
	waitQueued(t, fx.s, from+3)
	var runs atomic.Int32
	r3 := goUpdate(fx.s, context.Background(), func(tx *account.Tx) error {
		runs.Add(1)
		return tx.AddMember("alice", "erin", 0)
	})
	waitQueued(t, fx.s, from+4)
	cancel()
	if r := wait(t, r2, "an update whose context ended while queued"); !errors.Is(r.err, context.Canceled) || r.a != nil {
		t.Errorf("update cancelled while queued = %v, %v; want context.Canceled", r.a, r.err)
	}
	release(nil)
	if r := wait(t, r1, "the update with the backend"); r.err != nil || r.a.Revision() != from+1 {
		t.Fatalf("update = %v, %v", r.a, r.err)
	}
	r := wait(t, r3, "the update queued behind a cancelled one")
	if r.err != nil || r.a.Revision() != from+2 || r.a.IsMember("dana") || runs.Load() < 2 {
		t.Fatalf("update behind a cancelled one = %v, %v after %d runs; want revision %d without dana, run again", r.a, r.err, runs.Load(), from+2)
	}
	fx.checkStored(from)
	// Done while the backend has it: the context reaches the backend, and
	// the caller gets ctx's error, with ErrOutcomeUnknown unless the
	// backend had already said that it stored nothing.
	reached := make(chan struct{})
	fx.f.inject(func(ctx context.Context, batch []account.Update) error {
		<-ctx.Done()
		close(reached)
		return fx.f.inner.Append(ctx, batch) // a backend given a done context
	})
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := fx.s.UpdateContext(ctx, add("fred"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("update whose deadline passed with the backend = %v; want DeadlineExceeded", err)
	}
	select {
	case <-reached:
	case <-time.After(20 * time.Second):
		t.Fatal("the update's context never reached the backend")
	}
	// Whatever the backend did, the Store and the backend agree after the
	// next update. (One that ran while fred's was still with the backend
	// built on it, and fails with it if it failed.)
	next, err2 := fx.s.Update(add("gina"))
	if errors.Is(err2, context.DeadlineExceeded) {
		next, err2 = fx.s.Update(add("gina"))
	}
	if err2 != nil {
		t.Fatal(err2)
	}
	switch {
	case next.Revision() == from+4 && next.IsMember("fred"):
		if !errors.Is(err, account.ErrOutcomeUnknown) {
			t.Errorf("an update that was stored returned %v, which says it was not", err)
		}
	case next.Revision() != from+3 || next.IsMember("fred"):
		t.Errorf("revision %d after an update whose deadline passed, want %d (stored) or %d (not)", next.Revision(), from+4, from+3)
	}
	fx.checkStored(from)
}

func (k *kit) panics(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	fx.f.inject(func(context.Context, []account.Update) error { panic("injected") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a panic in the backend did not reach the caller")
			}
		}()
		fx.s.Update(add("carl"))
	}()
	fx.update(add("dana"), from+1)
	fx.checkStored(from)
}

func (k *kit) reopen(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	for i := range 20 {
		fx.update(add(fmt.Sprintf("u%d", i)), from+uint64(i)+1)
	}
	want := fx.s.Load()
	b, got := k.h.Reopen(t, fx.b)
	if got.Revision() != want.Revision() {
		t.Fatalf("reopened at revision %d, want %d", got.Revision(), want.Revision())
	}
	if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
		t.Fatalf("reopened account differs (-want +got):\n%s", diff)
	}
	events := fx.seen.all()
	fx2 := newFixture(t, got, b)
	fx2.seen.events = events
	fx2.update(add("after"), want.Revision()+1)
	fx2.checkStored(from)
}

func (k *kit) stale(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	other := newFixture(t, fx.s.Load(), k.h.Writer(t, fx.b))
	other.update(add("carl"), from+1)
	// An update on the stale Store runs again on the newer snapshot.
	runs := 0
	got, err := fx.s.Update(func(tx *account.Tx) error {
		runs++
		if runs > 1 && !tx.Account().IsMember("carl") {
			return errors.New("run again without the other writer's update")
		}
		return tx.AddMember("alice", "dana", 0)
	})
	if err != nil || runs < 2 || got.Revision() != from+2 || !got.IsMember("carl") {
		t.Fatalf("update on a stale snapshot = %v after %d runs; want revision %d after a second run", err, runs, from+2)
	}
	// A refusal on a stale snapshot is confirmed on a current one: erin
	// is a member by now, so setting her permissions succeeds.
	if _, err := other.s.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	other.update(add("erin"), from+3)
	got, err = fx.s.Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "erin", permission.Create) })
	if err != nil || got.Revision() != from+4 {
		t.Fatalf("a refusal on a stale snapshot was not confirmed: %v", err)
	}
	fx.checkStored(from)
	// Writers on both, concurrently, converge.
	var wg sync.WaitGroup
	for w, s := range []*account.Store{fx.s, other.s} {
		for g := range 3 {
			wg.Go(func() {
				for i := range 8 {
					if _, err := s.Update(add(fmt.Sprintf("s%d-%d-%d", w, g, i))); err != nil {
						t.Errorf("update: %v", err)
					}
				}
			})
		}
	}
	wg.Wait()
	for _, f := range []*fixture{fx, other} {
		if _, err := f.s.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := fx.s.Load(), other.s.Load(); a.Revision() != from+4+48 || b.Revision() != a.Revision() || !cmp.Equal(a.Spec(), b.Spec()) {
		t.Fatalf("writers did not converge: revisions %d and %d", a.Revision(), b.Revision())
	}
	fx.checkStored(from)
}

func (k *kit) closeUnderLoad(t *testing.T) {
	fx := k.fixture(t)
	from := fx.s.Load().Revision()
	var (
		mu    sync.Mutex
		acked []string
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				u := fmt.Sprintf("c%d-%d", w, i)
				if _, err := fx.s.Update(add(u)); err != nil {
					return
				}
				mu.Lock()
				acked = append(acked, u)
				mu.Unlock()
			}
		})
	}
	time.Sleep(5 * time.Millisecond)
	if err := k.h.Close(fx.b); err != nil {
		t.Errorf("Close under load: %v", err)
	}
	wg.Wait()
	if _, err := fx.s.Update(add("late")); err == nil {
		t.Error("an update after Close succeeded")
	}
	if k.h.Reopen == nil {
		return
	}
	_, got := k.h.Reopen(t, fx.b)
	for _, u := range acked {
		if !got.IsMember(u) {
			t.Errorf("acknowledged update adding %q lost after Close", u)
		}
	}
	if got.Revision() < from+uint64(len(acked)) {
		t.Errorf("reopened at revision %d with %d updates acknowledged", got.Revision(), len(acked))
	}
}
