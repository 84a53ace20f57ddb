package account_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
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

// gate is a Backend whose commits wait until the test releases them.
type gate struct {
	mu      sync.Mutex
	commits []uint64
	release map[uint64]chan error
	fail    error // Commit's error, if set
}

func newGate() *gate { return &gate{release: map[uint64]chan error{}} }

func (g *gate) ch(rev uint64) chan error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.release[rev] == nil {
		g.release[rev] = make(chan error, 1)
	}
	return g.release[rev]
}

func (g *gate) Commit(ctx context.Context, next *account.Account, events []account.Event) (func() error, error) {
	if g.fail != nil {
		return nil, g.fail
	}
	g.mu.Lock()
	g.commits = append(g.commits, next.Revision())
	g.mu.Unlock()
	ch := g.ch(next.Revision())
	return func() error { return <-ch }, nil
}

func (g *gate) committed() []uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.commits)
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
	ch := make(chan result, 1)
	go func() {
		a, err := s.Update(fn)
		ch <- result{a, err}
	}()
	return ch
}

// An update is published only once its commit is durable; the next update
// runs on its unpublished state meanwhile, and publication keeps revision
// order.
func TestBackendPublishesAfterWait(t *testing.T) {
	g := newGate()
	s := account.NewStoreWith(exampleAccount(t), g)
	r1 := goUpdate(s, addUser("carl"))
	waitUntil(t, "the first update is committed", func() bool { return len(g.committed()) == 1 })
	var sawCarl bool
	r2 := goUpdate(s, func(tx *account.Tx) error {
		sawCarl = tx.Account().IsMember("carl")
		return tx.AddMember("alice", "dana", 0)
	})
	waitUntil(t, "the second update is committed", func() bool { return len(g.committed()) == 2 })
	if !sawCarl {
		t.Error("the second update did not see the first one's change")
	}
	if rev := s.Load().Revision(); rev != 0 {
		t.Fatalf("revision %d published before any commit was durable", rev)
	}
	g.ch(2) <- nil // the second is durable first: it still waits for the first
	time.Sleep(10 * time.Millisecond)
	if rev := s.Load().Revision(); rev != 0 {
		t.Fatalf("revision %d published before revision 1", rev)
	}
	g.ch(1) <- nil
	if r := <-r1; r.err != nil || r.a.Revision() != 1 {
		t.Fatalf("first update: %v, %v", r.a, r.err)
	}
	if r := <-r2; r.err != nil || r.a.Revision() != 2 || !r.a.IsMember("carl") {
		t.Fatalf("second update: %v, %v", r.a, r.err)
	}
	if got := s.Load(); got.Revision() != 2 || !got.IsMember("dana") {
		t.Fatalf("published revision %d", got.Revision())
	}
}

// A failed commit publishes nothing, fails the updates built on it, and
// the next update builds on what is published.
func TestBackendFailure(t *testing.T) {
	g := newGate()
	s := account.NewStoreWith(exampleAccount(t), g)
	var events [][]account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, es) })
	r1 := goUpdate(s, addUser("carl"))
	waitUntil(t, "commit 1", func() bool { return len(g.committed()) == 1 })
	r2 := goUpdate(s, addUser("dana"))
	waitUntil(t, "commit 2", func() bool { return len(g.committed()) == 2 })
	diskFull := errors.New("disk full")
	g.ch(1) <- diskFull
	g.ch(2) <- nil
	if r := <-r1; !errors.Is(r.err, diskFull) || r.a != nil {
		t.Errorf("failed update = %v, %v; want nil and its error", r.a, r.err)
	}
	if r := <-r2; r.err == nil || r.a != nil {
		t.Errorf("update built on a failed one = %v, %v; want an error", r.a, r.err)
	}
	if got := s.Load(); got.Revision() != 0 || got.IsMember("carl") || got.IsMember("dana") {
		t.Fatalf("published revision %d after failed commits", got.Revision())
	}
	if len(events) != 0 {
		t.Errorf("observer saw %v", events)
	}
	// The next update builds on revision 0 again.
	g.ch(1) <- nil
	a, err := s.Update(addUser("erin"))
	if err != nil || a.Revision() != 1 || a.IsMember("carl") {
		t.Fatalf("update after failure: %v, %v", a, err)
	}
	// Commit's own error publishes nothing.
	g.fail = errors.New("refused")
	if a, err := s.Update(addUser("fred")); !errors.Is(err, g.fail) || a != nil {
		t.Errorf("refused commit = %v, %v", a, err)
	}
	if s.Load().Revision() != 1 {
		t.Error("a refused commit was published")
	}
}

// shared is a database that several Stores commit to: a commit built on
// an older revision is stale.
type shared struct {
	mu      sync.Mutex
	updates [][]account.Event
	stale   int
}

type replica struct {
	db *shared
	s  *account.Store
}

func (r *replica) Commit(ctx context.Context, next *account.Account, events []account.Event) (func() error, error) {
	r.db.mu.Lock()
	defer r.db.mu.Unlock()
	if next.Revision() != uint64(len(r.db.updates))+1 {
		r.db.stale++
		return nil, fmt.Errorf("revision %d taken: %w", next.Revision(), account.ErrStale)
	}
	r.db.updates = append(r.db.updates, slices.Clone(events))
	return nil, nil
}

func (r *replica) CatchUp(ctx context.Context) error {
	r.db.mu.Lock()
	missing := slices.Concat(r.db.updates[r.s.Load().Revision():]...)
	r.db.mu.Unlock()
	_, err := r.s.Apply(missing)
	return err
}

// Stores sharing a database rerun an update that another got in first,
// on the newer state; no update is lost and all converge.
func TestBackendStaleRetries(t *testing.T) {
	db := &shared{}
	a := exampleAccount(t)
	var reps []*replica
	for range 3 {
		r := &replica{db: db}
		r.s = account.NewStoreWith(a, r)
		reps = append(reps, r)
	}
	var wg sync.WaitGroup
	const per = 20
	for i, r := range reps {
		wg.Go(func() {
			for k := range per {
				u := fmt.Sprintf("u%d-%d", i, k)
				if _, err := r.s.Update(addUser(u)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if db.stale == 0 {
		t.Log("no update was stale; the retry path was not exercised this run")
	}
	want := uint64(len(reps) * per)
	for i, r := range reps {
		if err := r.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := r.s.Load()
		if got.Revision() != want || got.NumMembers() != 2+int(want) {
			t.Fatalf("replica %d: revision %d with %d members, want %d", i, got.Revision(), got.NumMembers(), want)
		}
		if diff := cmp.Diff(reps[0].s.Load().Spec(), got.Spec()); diff != "" {
			t.Fatalf("replica %d differs (-want +got):\n%s", i, diff)
		}
	}
}

// A stale commit is retried on the newer state, deterministically.
func TestBackendStaleRerunsOnNewerState(t *testing.T) {
	db := &shared{}
	a := exampleAccount(t)
	r1, r2 := &replica{db: db}, &replica{db: db}
	r1.s, r2.s = account.NewStoreWith(a, r1), account.NewStoreWith(a, r2)
	if _, err := r1.s.Update(addUser("carl")); err != nil {
		t.Fatal(err)
	}
	runs := 0
	got, err := r2.s.Update(func(tx *account.Tx) error {
		runs++
		if runs == 2 && !tx.Account().IsMember("carl") {
			return errors.New("rerun without the other writer's update")
		}
		return tx.AddMember("alice", "dana", 0)
	})
	if err != nil || runs != 2 || got.Revision() != 2 || !got.IsMember("carl") {
		t.Fatalf("Update = revision %d, %v after %d runs; want revision 2 after 2 runs", got.Revision(), err, runs)
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
	g := newGate()
	s := account.NewStoreWith(exampleAccount(t), g)
	hold := make(chan struct{})
	entered := make(chan struct{})
	r1 := goUpdate(s, func(tx *account.Tx) error {
		close(entered)
		<-hold
		return tx.AddMember("alice", "carl", 0)
	})
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	if _, err := s.UpdateContext(ctx, func(tx *account.Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Errorf("UpdateContext with a cancelled context = %v (ran %t), want context.Canceled", err, ran)
	}
	close(hold)
	g.ch(1) <- nil
	if r := <-r1; r.err != nil {
		t.Fatal(r.err)
	}
}

// printer is a Backend that prints each update it commits.
type printer struct{}

func (printer) Commit(ctx context.Context, next *account.Account, events []account.Event) (func() error, error) {
	for _, e := range events {
		fmt.Printf("commit revision %d: %s %s %s\n", e.Revision, e.Actor, e.Op, e.User)
	}
	return nil, nil // durable already: nothing to wait for
}

// A Backend stores each update before the Store publishes it.
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
	// commit revision 1: alice add-member carl
	// 1 <nil> true
}
