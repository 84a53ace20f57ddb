package account_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// TestUpdateContextDone checks that an update whose context is already done
// never runs its callback and publishes nothing, every time: the lock is
// free, so a select between taking it and the done context could pick
// either.
func TestUpdateContextDone(t *testing.T) {
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "ann", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	s := account.NewStore(a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 200 {
		ran := false
		got, err := s.UpdateContext(ctx, func(tx *account.Tx) error {
			ran = true
			return tx.AddMember("ann", "bob", permission.View)
		})
		if !errors.Is(err, context.Canceled) || got != nil || ran {
			t.Fatalf("UpdateContext with a cancelled context = %v, %v, callback ran %v; want context.Canceled, nil, not run", got, err, ran)
		}
	}
	if rev := s.Load().Revision(); rev != 0 {
		t.Errorf("revision %d after cancelled updates, want 0", rev)
	}
}

// TestUpdateContextWaitsForLock checks that an update waiting for another
// to finish gives up when its context is done, without running.
func TestUpdateContextWaitsForLock(t *testing.T) {
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "ann", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	s := account.NewStore(a)
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Update(func(tx *account.Tx) error {
			close(inside)
			<-release
			return tx.AddMember("ann", "bob", permission.View)
		})
		done <- err
	}()
	<-inside
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = s.UpdateContext(ctx, func(tx *account.Tx) error {
		t.Error("callback ran while another update held the lock")
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("UpdateContext waiting for the lock: %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if rev := s.Load().Revision(); rev != 1 {
		t.Errorf("revision %d, want 1", rev)
	}
}
