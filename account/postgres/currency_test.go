package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
)

// staleReplicas returns a replica that commits and one that hears nothing
// of it (no poll, its listener blocked): only what an update asks the
// database tells it of the other's commits.
func staleReplicas(t *testing.T) (writer, stale *postgres.Replica) {
	t.Helper()
	pool := database(t)
	writer = create(t, pool, postgres.Options{Poll: -1})
	stale = open(t, poolOn(t, pool), postgres.Options{Poll: -1, Notified: func(ctx context.Context) { <-ctx.Done() }})
	return writer, stale
}

// A refusal is decided on a current snapshot: a replica that has not heard
// of ann's addition does not refuse to change her permissions as a
// non-member's; it finds the newer revision and runs the update again.
func TestRefusalIsCurrent(t *testing.T) {
	w, s := staleReplicas(t)
	if _, err := addMember(w.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	runs := 0
	got, err := s.Store().Update(func(tx *account.Tx) error {
		runs++
		return tx.SetPermissions("root", "ann", permission.Billing)
	})
	if err != nil {
		t.Fatalf("update refused on a stale snapshot: %v (after %d runs)", err, runs)
	}
	if got.Revision() != 2 || !got.Can("ann", permission.ViewUsage) {
		t.Errorf("revision %d, ann may view usage: %t; want 2, true", got.Revision(), got.Can("ann", permission.ViewUsage))
	}
	// A refusal that stands on the current state is returned as such.
	if _, err := s.Store().Update(func(tx *account.Tx) error { return tx.AddMember("ann", "bob", permission.View) }); !errors.Is(err, account.ErrForbidden) {
		t.Errorf("ann adding a member: %v; want ErrForbidden", err)
	}
}

// An update whose callback changes nothing returns a snapshot at least as
// new as every update committed before it began.
func TestNoOpIsCurrent(t *testing.T) {
	w, s := staleReplicas(t)
	if _, err := addMember(w.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Store().Update(func(tx *account.Tx) error {
		if tx.Account().IsMember("ann") {
			return nil
		}
		return nil // nothing to do either way: only look
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision() != 1 || !got.IsMember("ann") {
		t.Errorf("a no-op returned revision %d (ann a member: %t), older than the database's 1", got.Revision(), got.IsMember("ann"))
	}
}
