package journal

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

// Close while updates are in flight: every update returns, each either
// stored (and found after reopening) or failed with ErrClosed, and no
// goroutine outlives Close.
func TestCloseDuringUpdates(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 300})
	if err != nil {
		t.Fatal(err)
	}
	s := j.Store()
	var mu sync.Mutex
	var stored []string
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				user := fmt.Sprintf("u%d-%d", w, i)
				_, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) })
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
				mu.Lock()
				stored = append(stored, user)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("updates still blocked 10s after Close")
	}
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	a := j.Store().Load()
	for _, u := range stored {
		if !a.IsMember(u) {
			t.Fatalf("%s was stored before Close and is missing after reopening", u)
		}
	}
	if len(stored) == 0 {
		t.Fatal("no update was stored before Close")
	}
}

// Apply on a journal's Store would publish updates the journal never
// stored: it is refused, and the journal goes on.
func TestApplyOnJournal(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	src := account.NewStore(testAccount(t))
	var events []account.Event
	src.SetObserver(func(es []account.Event) { events = append(events, es...) })
	if _, err := src.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "ghost", 0) }); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Store().Apply(events); !errors.Is(err, account.ErrInvalid) {
		t.Fatalf("Apply on a journal's Store = %v, want ErrInvalid", err)
	}
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "bob", 0) }); err != nil {
		t.Fatalf("update after Apply: %v", err)
	}
	j.Close()
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if a := j.Store().Load(); a.Revision() != 1 || a.IsMember("ghost") || !a.IsMember("bob") {
		t.Fatalf("reopened at revision %d: %v", a.Revision(), a.Spec())
	}
}

// Close reports a failure to close the segment or to release the lock,
// and the directory is free afterwards all the same.
func TestCloseReportsCloseErrors(t *testing.T) {
	for k, what := range []string{"close", "unlock"} {
		fsys := &stepFS{failAt: -1, alsoAt: -1}
		dir := t.TempDir()
		j, err := create(fsys, dir, testAccount(t), defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Store().Update(addUser(1)); err != nil {
			t.Fatal(err)
		}
		fsys.mu.Lock()
		fsys.failAt = len(fsys.steps) + k
		fsys.mu.Unlock()
		if err := j.Close(); !errors.Is(err, syscall.EIO) {
			t.Errorf("Close with a failing %s = %v, want EIO", what, err)
		}
		fsys.mu.Lock()
		if got := fsys.steps[fsys.failAt]; !strings.HasPrefix(got, what) {
			t.Errorf("step %d is %q, want a %s", fsys.failAt, got, what)
		}
		fsys.mu.Unlock()
		j, err = open(osFS{}, dir, defaultOptions)
		if err != nil {
			t.Fatalf("Open after a Close whose %s failed: %v", what, err)
		}
		j.Close()
	}
}
