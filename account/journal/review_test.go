package journal

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

// A Create that fails leaves no journal behind: the directory can be
// created in again.
func TestReviewFailedCreateLeavesNoJournal(t *testing.T) {
	dir := t.TempDir()
	if j, err := create(renameFails{}, dir, testAccount(t), defaultOptions); err == nil {
		j.Close()
		t.Fatal("Create succeeded with a failing rename")
	} else if !errors.Is(err, syscall.EIO) {
		t.Fatalf("Create = %v, want the rename's error", err)
	}
	j, err := create(osFS{}, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatalf("Create after a failed Create: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// Close while updates are in flight: every update returns, each either
// stored (and found after reopening) or failed with ErrClosed, and no
// goroutine outlives Close.
func TestReviewCloseDuringUpdates(t *testing.T) {
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
