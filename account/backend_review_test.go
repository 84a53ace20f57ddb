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
