package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
	"github.com/jackc/pgx/v5"
)

// An update inside the application's transaction commits with the
// application's own rows: the replicas publish it once the transaction
// commits, and not before.
func TestUpdateTxCommitsWithTheApplication(t *testing.T) {
	pool := database(t)
	exec(t, pool, `CREATE TABLE customers (name text PRIMARY KEY)`)
	r := create(t, pool, postgres.Options{Poll: -1})
	other := open(t, poolOn(t, pool), postgres.Options{Poll: -1})
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO customers VALUES ('initech')`); err != nil {
		t.Fatal(err)
	}
	got, err := r.UpdateTx(ctx, tx, func(tx *account.Tx) error { return tx.AddMember("root", "initech-admin", permission.Admin) })
	if err != nil {
		t.Fatal(err)
	}
	if got.Revision() != 1 || !got.Can("initech-admin", permission.ManageUsers) {
		t.Fatalf("UpdateTx = revision %d; want 1 with initech-admin an admin", got.Revision())
	}
	time.Sleep(100 * time.Millisecond)
	for _, x := range []*postgres.Replica{r, other} {
		if rev := x.Store().Load().Revision(); rev != 0 {
			t.Errorf("a replica published revision %d before the transaction committed", rev)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*postgres.Replica{r, other} {
		if a := waitFor(t, x.Store(), 1, 5*time.Second); !a.Can("initech-admin", permission.ManageUsers) {
			t.Error("a replica at revision 1 without the update")
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM customers`).Scan(&n); err != nil || n != 1 {
		t.Errorf("customers: %d, %v", n, err)
	}
	if _, err := postgres.Verify(ctx, pool, "acme"); err != nil {
		t.Error(err)
	}
}

// An update inside a transaction that rolls back leaves nothing; a refused
// one writes nothing and leaves the transaction usable.
func TestUpdateTxRollsBackWithTheApplication(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{Poll: -1})
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := r.UpdateTx(ctx, tx, func(tx *account.Tx) error { return tx.AddMember("root", "ghost", permission.View) }); err != nil {
			t.Fatal(err)
		}
		return errors.New("the application gives up")
	})
	if err == nil {
		t.Fatal("the transaction committed")
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := r.UpdateTx(ctx, tx, func(tx *account.Tx) error { return tx.AddMember("nobody", "ghost", permission.View) })
		if !errors.Is(err, account.ErrForbidden) {
			t.Errorf("refused UpdateTx: %v; want ErrForbidden", err)
		}
		_, err = tx.Exec(ctx, `SELECT 1`)
		return err
	})
	if err != nil {
		t.Fatalf("the transaction after a refused UpdateTx: %v", err)
	}
	if revs, _ := rows(t, pool); len(revs) != 0 {
		t.Errorf("stored %v after a rollback and a refusal", revs)
	}
	got, err := addMember(r.Store(), "ann")
	if err != nil || got.Revision() != 1 || got.IsMember("ghost") {
		t.Fatalf("next update: %v; want revision 1 without ghost", err)
	}
}

// UpdateTx runs on the database's current state even when its replica has
// not heard of the latest commit, and holds other writers until the
// application commits.
func TestUpdateTxIsCurrentAndSerialised(t *testing.T) {
	w, s := staleReplicas(t)
	if _, err := addMember(w.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	atx, err := w.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer atx.Rollback(ctx)
	got, err := s.UpdateTx(ctx, atx, func(tx *account.Tx) error { return tx.SetPermissions("root", "ann", permission.Billing) })
	if err != nil || got.Revision() != 2 {
		t.Fatalf("UpdateTx on a replica that missed revision 1: %v", err)
	}
	// Another writer waits for the application's transaction.
	dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := addMemberContext(dctx, w.Store(), "bob"); err == nil {
		t.Fatal("another writer committed while the application held the account")
	}
	if err := atx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	a, err := addMember(w.Store(), "bob")
	if err != nil || a.Revision() != 3 || !a.Can("ann", permission.ViewUsage) {
		t.Fatalf("update after the application committed: %v", err)
	}
}
