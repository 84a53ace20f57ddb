package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lockAccount holds the account's row in a transaction of its own, as a
// writer in the middle of its commit would, until the returned release.
func lockAccount(t *testing.T, p *pgxpool.Pool) (release func()) {
	t.Helper()
	ctx := context.Background()
	tx, err := poolOn(t, p).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM entaccess_accounts WHERE name = 'acme' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			if err := tx.Rollback(ctx); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(release)
	return release
}

// lockWaiters returns the backends waiting for a lock in p's database.
func lockWaiters(t *testing.T, p *pgxpool.Pool) []int32 {
	t.Helper()
	rows, err := p.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// An update's deadline reaches the database: a commit waiting for the
// account's row gives up there when the deadline passes, stores nothing,
// and leaves no statement waiting behind.
func TestDeadlineReachesTheDatabase(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Poll: -1})
	release := lockAccount(t, pool)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := addMemberContext(ctx, r.Store(), "ann")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("update past its deadline: %v; want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("update past its 400ms deadline returned after %v", d)
	}
	t.Logf("error: %v (outcome unknown: %t)", err, errors.Is(err, account.ErrOutcomeUnknown))
	deadline := time.Now().Add(time.Second)
	for len(lockWaiters(t, pool)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if w := lockWaiters(t, pool); len(w) > 0 {
		t.Errorf("backends %v still wait for the account's row after the deadline", w)
	}
	release()
	time.Sleep(100 * time.Millisecond) // let the Store hear that ann's update was not stored
	got, err := addMember(r.Store(), "bob")
	if err != nil || got.Revision() != 1 || got.IsMember("ann") {
		t.Fatalf("next update: %v at revision %d (ann a member: %t); want bob alone at revision 1", err, got.Revision(), got.IsMember("ann"))
	}
	if revs, _ := rows(t, pool); len(revs) != 1 {
		t.Errorf("stored revisions %v, want [1]", revs)
	}
}

// A connection lost while the commit is under way leaves its outcome
// unknown, and says so; the replica catches up before its next update.
func TestConnectionLostDuringCommit(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Poll: -1})
	release := lockAccount(t, pool)
	done := make(chan error, 1)
	go func() {
		_, err := addMember(r.Store(), "ann")
		done <- err
	}()
	var waiting []int32
	for start := time.Now(); len(waiting) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the commit never waited for the row")
		}
		waiting = lockWaiters(t, pool)
	}
	exec(t, pool, `SELECT pg_terminate_backend($1::int)`, waiting[0])
	select {
	case err := <-done:
		if !errors.Is(err, account.ErrOutcomeUnknown) {
			t.Errorf("update whose connection was lost mid-commit: %v; want ErrOutcomeUnknown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("update blocked after its connection was lost")
	}
	release()
	got, err := addMember(r.Store(), "bob")
	if err != nil || got.Revision() != 1 {
		t.Fatalf("next update: %v", err)
	}
	if revs, users := rows(t, pool); len(revs) != 1 || users[0] != "bob" {
		t.Errorf("stored %v %v, want bob alone at revision 1", revs, users)
	}
}
