package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5"
)

// UpdateTx runs fn as an update of the account inside tx, the
// application's own transaction, so that the update commits or rolls back
// with the application's other changes: "create the customer's rows and
// grant the admin role" as one transaction. It returns the account the
// update leads to once the update's rows are written in tx; they become
// the account's next revision when tx commits, and nothing if it rolls
// back. The replicas, this one included, publish the update once tx has
// committed, when its notification reaches them, or at their next poll;
// [account.Store.WaitFor] with the returned revision waits for it. The
// notification is part of tx, so that it is sent only if tx commits: like
// any NOTIFY an application sends, it makes tx's commit fail if
// PostgreSQL's notification queue is full.
//
// UpdateTx first locks the account's row in tx (SELECT ... FOR UPDATE) and
// catches up with the database, so fn runs on the current state, once,
// and a refusal is current too. The lock is held until tx ends: other
// writers of the account, on every replica, wait for it, so keep tx short.
//
// Isolation: READ COMMITTED, PostgreSQL's default, is what UpdateTx needs.
// Under REPEATABLE READ or SERIALIZABLE, locking the row fails with a
// serialization error (SQLSTATE 40001) if another writer changed the
// account after tx took its snapshot; roll back and run tx again, as for
// any serialization failure. Run at most one UpdateTx per account in one
// tx: a second one returns an error wrapping [account.ErrStale].
func (r *Replica) UpdateTx(ctx context.Context, tx pgx.Tx, fn func(*account.Tx) error) (*account.Account, error) {
	if tx == nil || fn == nil {
		return nil, fmt.Errorf("postgres: update %q in a transaction: nil transaction or function: %w", r.name, account.ErrInvalid)
	}
	fail := func(err error) (*account.Account, error) {
		return nil, fmt.Errorf("postgres: update %q in a transaction: %w", r.name, err)
	}
	if r.closed.Load() {
		return fail(ErrClosed)
	}
	if p := r.b.broken.Load(); p != nil {
		return fail(fmt.Errorf("refused until the replica is reopened: %w", *p))
	}
	var (
		dbRev int64
		head  []byte
	)
	err := tx.QueryRow(ctx, `SELECT revision, head FROM entaccess_accounts WHERE name = $1::text FOR UPDATE`, r.name).Scan(&dbRev, &head)
	if errors.Is(err, pgx.ErrNoRows) {
		return fail(fmt.Errorf("the account is no longer in the database: %w", ErrNotFound))
	}
	if err != nil {
		return fail(err)
	}
	base := r.store.Load()
	if base.Revision() < uint64(dbRev) {
		if base, err = r.store.CatchUp(ctx); err != nil {
			return fail(err)
		}
	}
	prev, ok := toDigest(head)
	switch {
	case !ok:
		return fail(r.b.damaged(mismatch(r.name, uint64(dbRev), "the account's head is not a digest")))
	case base.Revision() > uint64(dbRev):
		// tx sees an older state than this replica holds: its snapshot is
		// older than the update, or an earlier UpdateTx in tx wrote it.
		return fail(fmt.Errorf("the transaction sees revision %d, this replica holds %d: %w", dbRev, base.Revision(), account.ErrStale))
	case base.Revision() < uint64(dbRev):
		return fail(fmt.Errorf("caught up to revision %d, the database holds %d: %w", base.Revision(), dbRev, account.ErrStale))
	}
	// fn runs on a scratch Store holding base: its steps are checked as on
	// the replica's Store, and nothing is published until tx commits.
	scratch := account.NewStore(base)
	var events []account.Event
	scratch.SetObserver(func(es []account.Event) { events = es })
	next, err := scratch.UpdateContext(ctx, fn)
	if err != nil {
		return nil, err
	}
	if next.Revision() == base.Revision() {
		return next, nil // no step: nothing to store
	}
	args, _, err := r.b.prepare(prev, []account.Update{{Account: next, Events: events}})
	if err != nil {
		return fail(err)
	}
	var (
		added   int64
		haveRev int64
		have    []byte
	)
	if err := tx.QueryRow(ctx, appendSQL, args...).Scan(&added, &haveRev, &have); err != nil {
		return fail(err)
	}
	if added != 1 {
		return fail(fmt.Errorf("the account's row moved from revision %d to %d under the lock: %w", dbRev, haveRev, account.ErrStale))
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1::text, $2::text)`, r.channel, fmt.Sprint(next.Revision())); err != nil {
		return fail(err)
	}
	return next, nil
}
