package account_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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

// grouped is a replica of a shared database that commits the updates
// queued since its last flush together, as one group: the group is stored
// only if its first update follows the database's last one, else every
// update in it gets a stale wait. Until an update builds on the Store's
// published snapshot again, Commit refuses the updates that may build on
// a refused one.
type grouped struct {
	db      *shared
	s       *account.Store
	mu      sync.Mutex
	queue   []*queued
	broken  bool // a group was refused: refuse updates built on it
	refused int  // updates refused by Commit while broken
}

type queued struct {
	rev    uint64
	events []account.Event
	done   chan error
}

func (g *grouped) Commit(ctx context.Context, next *account.Account, events []account.Event) (func() error, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.broken {
		if next.Revision() != g.s.Load().Revision()+1 {
			g.refused++
			return nil, fmt.Errorf("revision %d may build on a refused update: %w", next.Revision(), account.ErrStale)
		}
		g.broken = false
	}
	q := &queued{rev: next.Revision(), events: slices.Clone(events), done: make(chan error, 1)}
	g.queue = append(g.queue, q)
	return func() error { return <-q.done }, nil
}

func (g *grouped) CatchUp(ctx context.Context) error {
	g.db.mu.Lock()
	missing := slices.Concat(g.db.updates[min(g.s.Load().Revision(), uint64(len(g.db.updates))):]...)
	g.db.mu.Unlock()
	_, err := g.s.Apply(missing)
	return err
}

func (g *grouped) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.queue)
}

// flush commits the queued updates as one group and reports how many it
// stored and how many it refused.
func (g *grouped) flush() (stored, refused int) {
	g.mu.Lock()
	group := g.queue
	g.queue = nil
	g.mu.Unlock()
	if len(group) == 0 {
		return 0, 0
	}
	g.db.mu.Lock()
	ok := group[0].rev == uint64(len(g.db.updates))+1
	if ok {
		for _, q := range group {
			g.db.updates = append(g.db.updates, q.events)
		}
	} else {
		g.db.stale += len(group)
	}
	g.db.mu.Unlock()
	if ok {
		for _, q := range group {
			q.done <- nil
		}
		return len(group), 0
	}
	g.mu.Lock()
	g.broken = true
	// Updates queued since built on the refused group.
	later := g.queue
	g.queue = nil
	g.mu.Unlock()
	for _, q := range slices.Concat(group, later) {
		q.done <- fmt.Errorf("revision %d: the database is ahead: %w", q.rev, account.ErrStale)
	}
	return 0, len(group) + len(later)
}

// A group of updates refused with stale waits runs each update again on
// the newer state: each callback runs twice, nothing is lost or stored
// twice, and one writer's updates keep their order.
func TestBackendStaleWaitReruns(t *testing.T) {
	db := &shared{}
	a := exampleAccount(t)
	g1, g2 := &grouped{db: db}, &grouped{db: db}
	g1.s, g2.s = account.NewStoreWith(a, g1), account.NewStoreWith(a, g2)

	// g2's writer queues carl, then (on carl's unpublished state) dana.
	var runs [2]int
	var danaSawCarl []bool
	done := make(chan error, 1)
	go func() {
		_, err := g2.s.Update(func(tx *account.Tx) error {
			runs[0]++
			return tx.AddMember("alice", "carl", 0)
		})
		if err != nil {
			done <- err
			return
		}
		done <- nil
	}()
	waitUntil(t, "carl queued", func() bool { return g2.queued() == 1 })
	r2 := goUpdate(g2.s, func(tx *account.Tx) error {
		runs[1]++
		danaSawCarl = append(danaSawCarl, tx.Account().IsMember("carl"))
		return tx.AddMember("alice", "dana", 0)
	})
	waitUntil(t, "dana queued", func() bool { return g2.queued() == 2 })

	// Another replica commits erin first: g2's group is stale.
	r1 := goUpdate(g1.s, addUser("erin"))
	waitUntil(t, "erin queued", func() bool { return g1.queued() == 1 })
	if stored, _ := g1.flush(); stored != 1 {
		t.Fatalf("erin's group stored %d updates", stored)
	}
	if r := <-r1; r.err != nil || r.a.Revision() != 1 {
		t.Fatalf("erin's update = %v, %v", r.a, r.err)
	}
	if _, refused := g2.flush(); refused != 2 {
		t.Fatalf("g2's stale group refused %d updates, want 2", refused)
	}
	// Both rerun on the newer state, one after the other, and commit.
	for stored := 0; stored < 2; {
		waitUntil(t, "a rerun queued", func() bool { return g2.queued() > 0 })
		n, refused := g2.flush()
		if refused != 0 {
			t.Fatalf("a rerun on the newer state was refused")
		}
		stored += n
	}
	if err := <-done; err != nil {
		t.Fatalf("carl's update: %v", err)
	}
	if r := <-r2; r.err != nil {
		t.Fatalf("dana's update: %v", r.err)
	}
	if runs != [2]int{2, 2} {
		t.Errorf("callbacks ran %v times, want twice each", runs)
	}
	if len(danaSawCarl) == 0 || !danaSawCarl[0] {
		t.Errorf("dana's first run did not see carl's queued update")
	}
	got := g2.s.Load()
	if got.Revision() != 3 || !got.IsMember("carl") || !got.IsMember("dana") || !got.IsMember("erin") {
		t.Fatalf("g2 at revision %d (carl %t, dana %t, erin %t), want 3 with all three",
			got.Revision(), got.IsMember("carl"), got.IsMember("dana"), got.IsMember("erin"))
	}
	var users []string
	for _, es := range db.updates {
		for _, e := range es {
			users = append(users, e.User)
		}
	}
	if users[0] != "erin" || len(users) != 3 || !slices.Contains(users, "carl") || !slices.Contains(users, "dana") {
		t.Errorf("stored %v, want erin then carl and dana once each", users)
	}
	if err := g1.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got.Spec(), g1.s.Load().Spec()); diff != "" {
		t.Errorf("replicas differ (-g2 +g1):\n%s", diff)
	}
}

// Replicas whose groups are refused at random lose nothing: every update
// is stored once, each writer's in the order it made them, revisions
// follow each other, and the replicas converge.
func TestBackendStaleWaitsUnderLoad(t *testing.T) {
	db := &shared{}
	a := exampleAccount(t)
	var gs []*grouped
	for range 3 {
		g := &grouped{db: db}
		g.s = account.NewStoreWith(a, g)
		gs = append(gs, g)
	}
	stop := make(chan struct{})
	var flushers sync.WaitGroup
	for _, g := range gs {
		flushers.Go(func() {
			for {
				select {
				case <-stop:
					g.flush()
					return
				case <-time.After(time.Duration(rand.IntN(200)) * time.Microsecond):
				}
				g.flush()
			}
		})
	}
	const writers, per = 3, 30
	var wg sync.WaitGroup
	for i, g := range gs {
		for w := range writers {
			wg.Go(func() {
				for k := range per {
					if _, err := g.s.Update(addUser(fmt.Sprintf("u%d.%d.%03d", i, w, k))); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(stop)
	flushers.Wait()
	db.mu.Lock()
	stale := db.stale
	db.mu.Unlock()
	if stale == 0 {
		t.Log("no group was refused; the stale-wait path was not exercised this run")
	}
	// Stored once each, in each writer's order, at consecutive revisions.
	last := map[string]string{}
	seen := map[string]bool{}
	for i, es := range db.updates {
		for _, e := range es {
			if e.Revision != uint64(i+1) {
				t.Fatalf("update %d stored with revision %d", i+1, e.Revision)
			}
			if seen[e.User] {
				t.Fatalf("%s stored twice", e.User)
			}
			seen[e.User] = true
			writer := e.User[:strings.LastIndex(e.User, ".")]
			if e.User < last[writer] {
				t.Errorf("%s stored after %s", e.User, last[writer])
			}
			last[writer] = e.User
		}
	}
	if want := len(gs) * writers * per; len(seen) != want {
		t.Fatalf("%d updates stored, want %d", len(seen), want)
	}
	for i, g := range gs {
		if err := g.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(gs[0].s.Load().Spec(), g.s.Load().Spec()); diff != "" {
			t.Fatalf("replica %d differs (-want +got):\n%s", i, diff)
		}
	}
	t.Logf("%d updates refused in stale groups", stale)
}
