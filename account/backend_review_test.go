package account_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

func rvAccount(t testing.TB) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rvScripted is a Backend whose n-th Commit (from 0) does what step[n]
// says; later ones store at once. Each call reports its revision on
// entered before it runs its step.
type rvScripted struct {
	mu      sync.Mutex
	n       int
	step    []func() (func() error, error)
	entered chan uint64
}

func (b *rvScripted) Commit(ctx context.Context, next *account.Account, events []account.Event) (func() error, error) {
	b.mu.Lock()
	n := b.n
	b.n++
	b.mu.Unlock()
	b.entered <- next.Revision()
	if n < len(b.step) {
		return b.step[n]()
	}
	return nil, nil
}

func rvAdd(user string) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) }
}

// An update whose Commit was still running when an earlier update failed
// fails too, and the updates after it build on the published snapshot
// again, not on the failed one.
func TestReviewFailureDuringCommit(t *testing.T) {
	failFirst := make(chan error)
	releaseSecond := make(chan struct{})
	b := &rvScripted{entered: make(chan uint64, 8), step: []func() (func() error, error){
		func() (func() error, error) { return func() error { return <-failFirst }, nil },
		func() (func() error, error) { <-releaseSecond; return nil, nil },
	}}
	s := account.NewStoreWith(rvAccount(t), b)
	first, second := make(chan error, 1), make(chan error, 1)
	go func() { _, err := s.Update(rvAdd("first")); first <- err }()
	if rev := <-b.entered; rev != 1 {
		t.Fatalf("first commit at revision %d", rev)
	}
	go func() { _, err := s.Update(rvAdd("second")); second <- err }()
	if rev := <-b.entered; rev != 2 {
		t.Fatalf("second commit at revision %d", rev)
	}
	// The first fails while the second is inside Commit.
	boom := errors.New("disk on fire")
	failFirst <- boom
	if err := <-first; !errors.Is(err, boom) {
		t.Fatalf("first update: %v, want %v", err, boom)
	}
	close(releaseSecond)
	if err := <-second; err == nil {
		t.Fatal("an update built on a failed one was published")
	}
	for i := range 3 {
		a, err := s.Update(rvAdd(fmt.Sprint("later", i)))
		if err != nil {
			t.Fatalf("update %d after the failure: %v", i, err)
		}
		want := uint64(i + 1)
		if rev := <-b.entered; rev != want || a.Revision() != want || a.IsMember("first") || a.IsMember("second") {
			t.Fatalf("update %d after the failure committed revision %d and published %d, want %d: %v", i, rev, a.Revision(), want, a.Spec())
		}
	}
}

// WaitFor with a nil context waits as with context.Background, without
// panicking.
func TestReviewWaitForNilContext(t *testing.T) {
	s := account.NewStore(rvAccount(t))
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
	if _, err := s.Update(rvAdd("bob")); err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.Revision() < 1 {
		t.Fatalf("WaitFor returned revision %d", a.Revision())
	}
}

// rvCatching is an rvScripted that can catch up (there is never anything
// to catch up on), so that Apply may be called on its Store.
type rvCatching struct{ rvScripted }

func (*rvCatching) CatchUp(context.Context) error { return nil }

// rvWithin runs f and fails the test if it has not returned after 10s.
func rvWithin(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still blocked after 10s", what)
	}
}

// updatePanic runs an update and returns its error and what it panicked
// with, if it did.
func updatePanic(s *account.Store, user string) (p any, err error) {
	defer func() { p = recover() }()
	_, err = s.Update(rvAdd(user))
	return nil, err
}

// Apply on a Store whose Backend cannot catch up would publish a state
// the Backend never stored: it is refused, and later updates go on.
func TestReviewApplyWithoutCatchUp(t *testing.T) {
	src := account.NewStore(rvAccount(t))
	var events []account.Event
	src.SetObserver(func(es []account.Event) { events = append(events, es...) })
	if _, err := src.Update(rvAdd("bob")); err != nil {
		t.Fatal(err)
	}
	b := &rvScripted{entered: make(chan uint64, 8)}
	s := account.NewStoreWith(rvAccount(t), b)
	before := s.Load()
	if a, err := s.Apply(events); !errors.Is(err, account.ErrInvalid) || a != nil {
		t.Fatalf("Apply = %v, %v; want an error wrapping ErrInvalid", a, err)
	}
	if s.Load() != before {
		t.Fatal("a refused Apply published a snapshot")
	}
	a, err := s.Update(rvAdd("carl"))
	if err != nil || a.Revision() != 1 || a.IsMember("bob") {
		t.Fatalf("Update after a refused Apply = %v, %v", a, err)
	}
}

// A Backend whose Commit or wait panics fails that update: the panic
// reaches its caller, the update built on it fails, and later updates and
// Apply run as usual, building on the published snapshot.
func TestReviewBackendPanics(t *testing.T) {
	t.Run("wait", func(t *testing.T) {
		release := make(chan struct{})
		b := &rvCatching{rvScripted{entered: make(chan uint64, 8), step: []func() (func() error, error){
			func() (func() error, error) { return func() error { <-release; panic("wait broke") }, nil },
		}}}
		s := account.NewStoreWith(rvAccount(t), b)
		first := make(chan any, 1)
		go func() { p, _ := updatePanic(s, "first"); first <- p }()
		<-b.entered
		second := make(chan error, 1)
		go func() { _, err := s.Update(rvAdd("second")); second <- err }()
		if rev := <-b.entered; rev != 2 {
			t.Fatalf("second update committed revision %d, want 2", rev)
		}
		close(release)
		rvWithin(t, "the update whose wait panicked", func() {
			if p := <-first; p != "wait broke" {
				t.Errorf("the update whose wait panicked recovered %v", p)
			}
		})
		rvWithin(t, "the update built on it", func() {
			if err := <-second; err == nil {
				t.Error("an update built on one whose wait panicked was published")
			}
		})
		rvWithin(t, "a later update and Apply", func() {
			a, err := s.Update(rvAdd("third"))
			if err != nil || a.Revision() != 1 || a.IsMember("first") || a.IsMember("second") {
				t.Errorf("later update = %v, %v; want revision 1 without first and second", a.Spec(), err)
			}
			if _, err := s.Apply(nil); err != nil {
				t.Errorf("Apply: %v", err)
			}
		})
	})
	t.Run("commit", func(t *testing.T) {
		b := &rvCatching{rvScripted{entered: make(chan uint64, 8), step: []func() (func() error, error){
			func() (func() error, error) { panic("commit broke") },
		}}}
		s := account.NewStoreWith(rvAccount(t), b)
		rvWithin(t, "the update whose Commit panicked", func() {
			if p, _ := updatePanic(s, "first"); p != "commit broke" {
				t.Errorf("the update whose Commit panicked recovered %v", p)
			}
		})
		rvWithin(t, "a later update and Apply", func() {
			a, err := s.Update(rvAdd("second"))
			if err != nil || a.Revision() != 1 || a.IsMember("first") {
				t.Errorf("later update = %v, %v; want revision 1 without first", a.Spec(), err)
			}
			if _, err := s.Apply(nil); err != nil {
				t.Errorf("Apply: %v", err)
			}
		})
	})
}
