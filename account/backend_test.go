package account_test

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
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// withoutTime returns copies of es with Time zeroed, for comparing events
// with events recorded at another time.
func withoutTime(es []account.Event) []account.Event {
	c := slices.Clone(es)
	for i := range c {
		c[i].Time = time.Time{}
	}
	return c
}

func exampleAccount(t testing.TB) *account.Account {
	t.Helper()
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func addUser(u string) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("alice", u, permission.Billing) }
}

// Every event of one update carries the same commit time, in UTC.
func TestEventTime(t *testing.T) {
	s := account.NewStore(exampleAccount(t))
	var got []account.Event
	s.SetObserver(func(es []account.Event) { got = append(got, es...) })
	before := time.Now()
	if _, err := s.Update(func(tx *account.Tx) error {
		return errors.Join(tx.AddMember("alice", "carl", 0), tx.CreateTeam("alice", "ops"))
	}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	if len(got) != 2 || !got[0].Time.Equal(got[1].Time) {
		t.Fatalf("events %v: want two with one time", got)
	}
	if tm := got[0].Time; tm.Location() != time.UTC || tm.Before(before) || tm.After(after) {
		t.Errorf("time %v, want UTC between %v and %v", tm, before, after)
	}
}

// gate is a Backend whose Append waits until the test releases it: each
// call sends its batch on entered and waits for its answer on answer.
type gate struct {
	log     *accounttest.Log
	entered chan []account.Update
	answer  chan error
}

func newGate(rev uint64) *gate {
	return &gate{log: accounttest.NewLog(rev), entered: make(chan []account.Update, 16), answer: make(chan error, 16)}
}

func (g *gate) Append(ctx context.Context, batch []account.Update) error {
	g.entered <- batch
	if err := <-g.answer; err != nil {
		return err
	}
	return g.log.Append(ctx, batch)
}

func (g *gate) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return g.log.Events(ctx, after)
}

// next returns the next batch handed to g.
func (g *gate) next(t *testing.T) []account.Update {
	t.Helper()
	select {
	case b := <-g.entered:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("no batch reached the backend after 10s")
		return nil
	}
}

func revisions(batch []account.Update) []uint64 {
	var revs []uint64
	for _, u := range batch {
		revs = append(revs, u.Revision())
	}
	return revs
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}

type result struct {
	a   *account.Account
	err error
}

func goUpdate(s *account.Store, fn func(*account.Tx) error) chan result {
	return goUpdateContext(s, context.Background(), fn)
}

func goUpdateContext(s *account.Store, ctx context.Context, fn func(*account.Tx) error) chan result {
	ch := make(chan result, 1)
	go func() {
		a, err := s.UpdateContext(ctx, fn)
		ch <- result{a, err}
	}()
	return ch
}

func answerOf(t *testing.T, ch chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no answer after 10s", what)
		return result{}
	}
}

// An update is published only once its batch is stored; the updates that
// arrive meanwhile build on it and are stored together, as the next batch.
func TestBackendBatches(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	r1 := goUpdate(s, addUser("carl"))
	if got := revisions(g.next(t)); !slices.Equal(got, []uint64{1}) {
		t.Fatalf("first batch %v", got)
	}
	var sawCarl atomic.Bool
	r2 := goUpdate(s, func(tx *account.Tx) error {
		sawCarl.Store(tx.Account().IsMember("carl"))
		return tx.AddMember("alice", "dana", 0)
	})
	waitUntil(t, "the second update is built", sawCarl.Load)
	r3 := goUpdate(s, addUser("erin"))
	time.Sleep(5 * time.Millisecond)
	if rev := s.Load().Revision(); rev != 0 {
		t.Fatalf("revision %d published before its batch was stored", rev)
	}
	g.answer <- nil
	if r := answerOf(t, r1, "the first update"); r.err != nil || r.a.Revision() != 1 {
		t.Fatalf("first update: %v, %v", r.a, r.err)
	}
	waitUntil(t, "the third update is built", func() bool { return len(g.entered) > 0 || len(r3) > 0 })
	batch := g.next(t)
	if got := revisions(batch); !slices.Equal(got, []uint64{2, 3}) && !slices.Equal(got, []uint64{2}) {
		t.Fatalf("second batch %v, want [2 3] (or [2] if the third came late)", got)
	}
	g.answer <- nil
	if len(batch) == 1 {
		g.next(t)
		g.answer <- nil
	}
	for i, r := range []chan result{r2, r3} {
		if r := answerOf(t, r, "a batched update"); r.err != nil || r.a.Revision() != uint64(i+2) {
			t.Fatalf("update %d: %v, %v", i+2, r.a, r.err)
		}
	}
	if got := s.Load(); got.Revision() != 3 || !got.IsMember("dana") || !got.IsMember("erin") {
		t.Fatalf("published revision %d: %v", got.Revision(), got.Spec())
	}
}

// A failed batch publishes nothing and fails the updates built on it;
// the next update builds on what is published.
func TestBackendFailure(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	var events [][]account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, es) })
	r1 := goUpdate(s, addUser("carl"))
	g.next(t)
	r2 := goUpdate(s, addUser("dana"))
	waitUntil(t, "the second update is queued", func() bool {
		a, _ := s.UpdateContext(doneSoon(), func(tx *account.Tx) error { return nil })
		return a == nil // it waits for the snapshot it ran on
	})
	diskFull := errors.New("disk full")
	g.answer <- diskFull
	if r := answerOf(t, r1, "the failed update"); !errors.Is(r.err, diskFull) || r.a != nil {
		t.Errorf("failed update = %v, %v; want nil and its error", r.a, r.err)
	}
	if r := answerOf(t, r2, "the update built on it"); !errors.Is(r.err, diskFull) || r.a != nil {
		t.Errorf("update built on a failed one = %v, %v; want an error wrapping the failure", r.a, r.err)
	}
	if got := s.Load(); got.Revision() != 0 {
		t.Fatalf("published revision %d after a failed batch", got.Revision())
	}
	if len(events) != 0 {
		t.Errorf("observer saw %v", events)
	}
	g.answer <- nil
	a, err := s.Update(addUser("erin"))
	if err != nil || a.Revision() != 1 || a.IsMember("carl") || a.IsMember("dana") {
		t.Fatalf("update after failure: %v, %v", a, err)
	}
}

// doneSoon returns a context done a millisecond from now.
func doneSoon() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	_ = cancel // it ends by itself
	return ctx
}

// The observer is called one update at a time, in revision order, never
// concurrently, even while the next batch is being stored.
func TestBackendObserverOneAtATime(t *testing.T) {
	s := account.NewStoreWith(exampleAccount(t), accounttest.NewLog(0))
	var (
		in   atomic.Int32
		mu   sync.Mutex
		revs []uint64
	)
	s.SetObserver(func(es []account.Event) {
		if in.Add(1) != 1 {
			t.Error("observer called while another call ran")
		}
		time.Sleep(100 * time.Microsecond) // a slow audit log
		mu.Lock()
		revs = append(revs, es[0].Revision)
		mu.Unlock()
		in.Add(-1)
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := s.Update(addUser(fmt.Sprintf("u%d-%d", w, i))); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for i, rev := range revs {
		if rev != uint64(i+1) {
			t.Fatalf("observer saw revisions %v, not in order", revs)
		}
	}
	if len(revs) != 100 {
		t.Fatalf("observer saw %d updates, want 100", len(revs))
	}
}

// Load never goes back, however updates and their publication interleave.
func TestBackendLoadNeverGoesBack(t *testing.T) {
	s := account.NewStoreWith(exampleAccount(t), accounttest.NewLog(0))
	stop := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		var last uint64
		for {
			select {
			case <-stop:
				return
			default:
			}
			rev := s.Load().Revision()
			if rev < last {
				t.Errorf("Load went back from revision %d to %d", last, rev)
				return
			}
			last = rev
			runtime.Gosched()
		}
	})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				a, err := s.Update(addUser(fmt.Sprintf("u%d-%d", w, i)))
				if err != nil {
					t.Error(err)
					return
				}
				if got := s.Load(); got.Revision() < a.Revision() {
					t.Errorf("Load gives revision %d after Update returned %d", got.Revision(), a.Revision())
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	reader.Wait()
	if rev := s.Load().Revision(); rev != 200 {
		t.Fatalf("revision %d after 200 updates", rev)
	}
}

// A context that ends while the callback runs stores nothing, with a
// Backend or without one.
func TestUpdateContextEndsInCallback(t *testing.T) {
	for _, b := range []account.Backend{nil, accounttest.NewLog(0)} {
		s := account.NewStoreWith(exampleAccount(t), b)
		ctx, cancel := context.WithCancel(context.Background())
		a, err := s.UpdateContext(ctx, func(tx *account.Tx) error {
			cancel()
			return tx.AddMember("alice", "carl", 0)
		})
		if !errors.Is(err, context.Canceled) || a != nil {
			t.Errorf("backend %T: UpdateContext = %v, %v; want context.Canceled", b, a, err)
		}
		if got := s.Load(); got.Revision() != 0 || got.IsMember("carl") {
			t.Errorf("backend %T: an update whose context ended was published", b)
		}
		if b, ok := b.(*accounttest.Log); ok && b.Revision() != 0 {
			t.Errorf("an update whose context ended was stored")
		}
	}
}

// A deadline reaches the backend: an Append that waits (a row locked by
// another session) gives up with it, and the caller returns at once;
// later updates are not held up behind it.
func TestUpdateContextDeadlineReachesBackend(t *testing.T) {
	log := accounttest.NewLog(0)
	blocked := &blocking{Backend: log, until: make(chan struct{})}
	s := account.NewStoreWith(exampleAccount(t), blocked)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.UpdateContext(ctx, addUser("carl"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("UpdateContext = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("UpdateContext returned after %v", d)
	}
	waitUntil(t, "the backend saw the deadline", func() bool { return blocked.gaveUp.Load() == 1 })
	close(blocked.until)
	a, err := s.Update(addUser("dana"))
	if err != nil || a.Revision() != 1 || a.IsMember("carl") {
		t.Fatalf("the next update = %v, %v; want revision 1 without carl", a, err)
	}
}

// blocking is a Backend whose Append waits until until is closed or its
// context is done, as a statement waits for a row lock.
type blocking struct {
	account.Backend
	until  chan struct{}
	gaveUp atomic.Int32
}

func (b *blocking) Append(ctx context.Context, batch []account.Update) error {
	select {
	case <-b.until:
		return b.Backend.Append(ctx, batch)
	case <-ctx.Done():
		b.gaveUp.Add(1)
		return fmt.Errorf("waiting for the row lock: %w", ctx.Err())
	}
}

// A Backend wrapped by another (for metrics, say) keeps catching up: the
// Store needs nothing beyond the interface. Two Stores share one log; the
// one behind runs its update again on the newer state.
func TestBackendWrappedKeepsCatchUp(t *testing.T) {
	log := accounttest.NewLog(0)
	a := exampleAccount(t)
	var appends atomic.Int32
	s1 := account.NewStoreWith(a, log)
	s2 := account.NewStoreWith(a, counting{Backend: log, n: &appends})
	if _, err := s1.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	runs := 0
	got, err := s2.Update(func(tx *account.Tx) error {
		runs++
		if runs == 2 && !tx.Account().IsMember("carl") {
			return errors.New("run again without the other writer's update")
		}
		return tx.AddMember("alice", "dana", 0)
	})
	if err != nil || runs != 2 || got.Revision() != 2 || !got.IsMember("carl") {
		t.Fatalf("Update = revision %d, %v after %d runs; want revision 2 after 2 runs", got.Revision(), err, runs)
	}
	if appends.Load() != 2 {
		t.Errorf("the wrapper saw %d appends, want 2", appends.Load())
	}
}

type counting struct {
	account.Backend
	n *atomic.Int32
}

func (c counting) Append(ctx context.Context, batch []account.Update) error {
	c.n.Add(1)
	return c.Backend.Append(ctx, batch)
}

// A refusal is returned only on a current snapshot: a Store that has not
// heard of another writer's update catches up and runs the callback again.
func TestBackendRefusalConfirmed(t *testing.T) {
	log := accounttest.NewLog(0)
	a := exampleAccount(t)
	s1, s2 := account.NewStoreWith(a, log), account.NewStoreWith(a, log)
	if _, err := s1.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	got, err := s2.Update(func(tx *account.Tx) error { return tx.SetPermissions("alice", "carl", permission.Create) })
	if err != nil || got.Revision() != 2 {
		t.Fatalf("Update = %v, %v; want revision 2, confirmed on the current snapshot", got, err)
	}
	// A callback that changes nothing returns a current snapshot too.
	if _, err := s1.Update(addUser("dana")); err != nil {
		t.Fatal(err)
	}
	got, err = s2.Update(func(*account.Tx) error { return nil })
	if err != nil || got.Revision() != 3 {
		t.Fatalf("no-op Update = %v, %v; want the current revision 3", got, err)
	}
}

// A panic in the Backend reaches the caller; the Store stays usable.
func TestBackendPanics(t *testing.T) {
	g := newGate(0)
	s := account.NewStoreWith(exampleAccount(t), g)
	g.answer <- errPanic
	func() {
		defer func() {
			if p := recover(); p != errPanic {
				t.Errorf("recovered %v, want the backend's panic", p)
			}
		}()
		panicky := &panicking{gate: g}
		s2 := account.NewStoreWith(exampleAccount(t), panicky)
		s2.Update(addUser("carl"))
	}()
	// The gate kept its answer: the Store on it works.
	a, err := s.Update(addUser("dana"))
	if !errors.Is(err, errPanic) || a != nil {
		t.Fatalf("Update = %v, %v", a, err)
	}
	g.answer <- nil
	if a, err := s.Update(addUser("dana")); err != nil || a.Revision() != 1 {
		t.Fatalf("Update after a failure = %v, %v", a, err)
	}
}

var errPanic = errors.New("backend panic")

type panicking struct{ gate *gate }

func (p *panicking) Append(context.Context, []account.Update) error { panic(errPanic) }
func (p *panicking) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return p.gate.Events(ctx, after)
}

// Hooks see each step of an update; a Store without them runs as usual.
func TestHooks(t *testing.T) {
	s := account.NewStoreWith(exampleAccount(t), accounttest.NewLog(0))
	var (
		mu  sync.Mutex
		got []string
	)
	note := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, fmt.Sprintf(format, args...))
	}
	s.SetHooks(&account.Hooks{
		LockAcquired: func(time.Duration) { note("lock") },
		CallbackDone: func(i account.CallbackInfo) { note("callback %d steps=%d err=%v", i.Revision, i.Steps, i.Err != nil) },
		AppendStart:  func(b account.BatchInfo) { note("append %d-%d n=%d events=%d", b.First, b.Last, b.Updates, b.Events) },
		AppendDone: func(b account.BatchInfo, r account.AppendResult) {
			note("appended %d-%d err=%v", b.First, b.Last, r.Err)
		},
	})
	if _, err := s.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("carl", "dana", 0) }); !errors.Is(err, account.ErrForbidden) {
		t.Fatal(err)
	}
	want := []string{
		"lock", "callback 1 steps=1 err=false", "append 1-1 n=1 events=1", "appended 1-1 err=<nil>",
		"lock", "callback 2 steps=0 err=true",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hooks (-want +got):\n%s", diff)
	}
	s.SetHooks(nil)
	if a, err := s.Update(addUser("erin")); err != nil || a.Revision() != 2 {
		t.Fatalf("Update without hooks = %v, %v", a, err)
	}
}

func TestApply(t *testing.T) {
	a := exampleAccount(t)
	src := account.NewStore(a)
	var updates [][]account.Event
	src.SetObserver(func(es []account.Event) { updates = append(updates, es) })
	for _, u := range []string{"carl", "dana", "erin"} {
		if _, err := src.Update(addUser(u)); err != nil {
			t.Fatal(err)
		}
	}
	dst := account.NewStore(a)
	var seen int
	dst.SetObserver(func(es []account.Event) { seen += len(es) })
	if _, err := dst.Apply(updates[1]); !errors.Is(err, account.ErrMismatch) {
		t.Errorf("Apply with a gap = %v, want ErrMismatch", err)
	}
	if _, err := dst.Apply(updates[0]); err != nil {
		t.Fatal(err)
	}
	// Applying again, or an update already applied with newer ones, is fine.
	if got, err := dst.Apply(updates[0]); err != nil || got.Revision() != 1 {
		t.Errorf("Apply again = %v, %v", got, err)
	}
	got, err := dst.Apply(slices.Concat(updates...))
	if err != nil || got.Revision() != 3 {
		t.Fatalf("Apply = %v, %v", got, err)
	}
	if diff := cmp.Diff(src.Load().Spec(), dst.Load().Spec()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if seen != 3 {
		t.Errorf("observer saw %d events, want 3", seen)
	}
}

func TestWaitFor(t *testing.T) {
	s := account.NewStore(exampleAccount(t))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan result)
	go func() {
		a, err := s.WaitFor(ctx, 2)
		done <- result{a, err}
	}()
	if _, err := s.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		t.Fatalf("WaitFor(2) returned at revision 1: %v, %v", r.a, r.err)
	case <-time.After(10 * time.Millisecond):
	}
	if _, err := s.Update(addUser("dana")); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.a.Revision() != 2 {
		t.Fatalf("WaitFor(2) = %v, %v", r.a, r.err)
	}
	if a, err := s.WaitFor(context.Background(), 1); err != nil || a.Revision() != 2 {
		t.Errorf("WaitFor(1) = %v, %v; want the current snapshot", a, err)
	}
	short, cancel2 := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel2()
	if _, err := s.WaitFor(short, 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor past its deadline = %v", err)
	}
}

// UpdateContext gives up waiting for the update lock when ctx is done.
func TestUpdateContextCancelled(t *testing.T) {
	s := account.NewStore(exampleAccount(t))
	hold := make(chan struct{})
	entered := make(chan struct{})
	r1 := goUpdate(s, func(tx *account.Tx) error {
		close(entered)
		<-hold
		return tx.AddMember("alice", "carl", 0)
	})
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ran := false
	if _, err := s.UpdateContext(ctx, func(tx *account.Tx) error { ran = true; return nil }); !errors.Is(err, context.DeadlineExceeded) || ran {
		t.Errorf("UpdateContext waiting for the lock = %v (ran %t), want context.DeadlineExceeded", err, ran)
	}
	close(hold)
	if r := <-r1; r.err != nil {
		t.Fatal(r.err)
	}
}

// WaitFor with a nil context waits as with context.Background, without
// panicking.
func TestWaitForNilContext(t *testing.T) {
	s := account.NewStore(exampleAccount(t))
	got := make(chan *account.Account, 1)
	go func() {
		//lint:ignore SA1012 a nil context is what this test checks
		a, err := s.WaitFor(nil, 1) //nolint:staticcheck
		if err != nil {
			t.Error(err)
		}
		got <- a
	}()
	time.Sleep(20 * time.Millisecond) // let WaitFor start waiting
	if _, err := s.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.Revision() < 1 {
		t.Fatalf("WaitFor returned revision %d", a.Revision())
	}
}

// Apply publishes only on a Store without a Backend, and CatchUp only on
// one with a Backend: each refuses the other's Store with ErrInvalid.
func TestApplyAndCatchUpRefused(t *testing.T) {
	src := account.NewStore(exampleAccount(t))
	var events []account.Event
	src.SetObserver(func(es []account.Event) { events = append(events, es...) })
	if _, err := src.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	s := account.NewStoreWith(exampleAccount(t), accounttest.NewLog(0))
	if a, err := s.Apply(events); !errors.Is(err, account.ErrInvalid) || a != nil || s.Load().Revision() != 0 {
		t.Fatalf("Apply on a Store with a Backend = %v, %v; want ErrInvalid", a, err)
	}
	if a, err := account.NewStore(exampleAccount(t)).CatchUp(context.Background()); !errors.Is(err, account.ErrInvalid) || a != nil {
		t.Fatalf("CatchUp on a Store without a Backend = %v, %v; want ErrInvalid", a, err)
	}
}

// printer is a Backend that prints each update it stores, and keeps none.
type printer struct{}

func (printer) Append(ctx context.Context, batch []account.Update) error {
	for _, u := range batch {
		for _, e := range u.Events {
			fmt.Printf("store revision %d: %s %s %s\n", e.Revision, e.Actor, e.Op, e.User)
		}
	}
	return nil
}

func (printer) Events(context.Context, uint64) iter.Seq2[account.Event, error] {
	return func(func(account.Event, error) bool) {} // no other writer
}

// A Backend stores each batch of updates before the Store publishes them.
func ExampleNewStoreWith() {
	a, err := account.ParseJSON([]byte(exampleJSON))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := account.NewStoreWith(a, printer{})
	next, err := s.Update(func(tx *account.Tx) error {
		return tx.AddMember("alice", "carl", permission.Billing)
	})
	fmt.Println(next.Revision(), err, s.Load().IsMember("carl"))
	// Output:
	// store revision 1: alice add-member carl
	// 1 <nil> true
}

// CatchUpDone tells which revisions a catch-up published and when the last
// of them was committed.
func TestHooksCatchUp(t *testing.T) {
	ctx := context.Background()
	log := accounttest.NewLog(0)
	writer := account.NewStoreWith(exampleAccount(t), log)
	reader := account.NewStoreWith(exampleAccount(t), log)
	var infos []account.CatchUpInfo
	reader.SetHooks(&account.Hooks{CatchUpDone: func(i account.CatchUpInfo) { infos = append(infos, i) }})
	for _, u := range []string{"carl", "dana"} {
		if _, err := writer.Update(addUser(u)); err != nil {
			t.Fatal(err)
		}
	}
	var last time.Time
	for e, err := range log.Events(ctx, 1) {
		if err != nil {
			t.Fatal(err)
		}
		last = e.Time
	}
	for range 2 {
		if _, err := reader.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(infos) != 2 {
		t.Fatalf("CatchUpDone called %d times, want 2", len(infos))
	}
	if i := infos[0]; i.From != 0 || i.To != 2 || i.Err != nil || last.IsZero() || !i.Latest.Equal(last) {
		t.Errorf("first catch-up: %+v; want from 0 to 2, latest %v", i, last)
	}
	if i := infos[1]; i.From != 2 || i.To != 2 || i.Err != nil || !i.Latest.IsZero() {
		t.Errorf("catch-up with nothing new: %+v; want from 2 to 2, no latest time", i)
	}
}
