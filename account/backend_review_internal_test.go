package account

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/entaccess/entaccess/permission"
)

// rvLog is a Backend that stores each update at once and refuses one whose
// revision does not follow the last one stored, as a log does. It reports
// each call of Commit on called, if set.
type rvLog struct {
	mu     sync.Mutex
	last   uint64
	called chan uint64
}

func (b *rvLog) Commit(ctx context.Context, next *Account, events []Event) (func() error, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.called != nil {
		defer func() { b.called <- next.Revision() }()
	}
	if next.Revision() != b.last+1 {
		return nil, fmt.Errorf("revision %d after %d", next.Revision(), b.last)
	}
	b.last = next.Revision()
	return func() error { return nil }, nil
}

// An update that runs while the update before it is being published
// builds on that update, not on the snapshot before it.
func TestReviewUpdateDuringPublish(t *testing.T) {
	a, err := New(Spec{Name: "acme", Members: []Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	b := &rvLog{called: make(chan uint64, 2)}
	s := NewStoreWith(a, b)
	var once sync.Once
	second := make(chan error, 1)
	landHook = func() {
		once.Do(func() {
			// The second update lands only after the first is published:
			// run it apart and wait for it to commit.
			go func() {
				_, err := s.Update(func(tx *Tx) error { return tx.AddMember("alice", "second", 0) })
				second <- err
			}()
			<-b.called // the first update's commit
			<-b.called // the second's
		})
	}
	defer func() { landHook = nil }()
	if _, err := s.Update(func(tx *Tx) error { return tx.AddMember("alice", "first", 0) }); err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the update run during publication: %v", err)
	}
	got := s.Load()
	if got.Revision() != 2 || !got.IsMember("first") || !got.IsMember("second") {
		t.Fatalf("revision %d: %v", got.Revision(), got.Spec())
	}
}
