package postgres

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5"
)

// Events returns the events of every update stored after revision after,
// in revision order, read from the table and checked as Open checks them:
// the account's audit log, empty after a revision not committed yet. Its
// errors wrap [account.ErrMismatch] when the stored history fails a check.
// With [Replica.At], it implements [account.History].
func (r *Replica) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		var start *digest
		for {
			ups, err := read(ctx, r.pool, r.name, after, start, readBatch)
			var beyond *beyondError
			if errors.As(err, &beyond) && start == nil {
				return // nothing committed after a revision not reached yet
			}
			if err != nil {
				yield(account.Event{}, err)
				return
			}
			for _, u := range ups {
				for _, e := range u.events {
					if !yield(e, nil) {
						return
					}
				}
			}
			if len(ups) < readBatch {
				return
			}
			last := ups[len(ups)-1]
			after, start = last.rev, &last.hash
		}
	}
}

// At returns the account exactly as it was at revision rev: the newest
// state saved at or before rev (the checkpoint, or the origin), with the
// stored updates after it replayed, all checked as Open checks them. A
// revision not committed yet is an error wrapping [account.ErrInvalid] that
// says so, and so is one older than the origin, the oldest state kept.
func (r *Replica) At(ctx context.Context, rev uint64) (*account.Account, error) {
	var (
		dbRev, cpRev, orRev int64
		cp, cpHead, cpSeal  []byte
		origin, orSeal      []byte
		orHead              []byte
	)
	err := r.pool.QueryRow(ctx, `
SELECT revision, checkpoint::text, checkpoint_revision, checkpoint_head, checkpoint_seal, origin::text, origin_revision, origin_seal,
       (SELECT hash FROM entaccess_updates WHERE account = a.name AND revision = a.origin_revision)
  FROM entaccess_accounts a WHERE name = $1::text`, r.name).Scan(&dbRev, &cp, &cpRev, &cpHead, &cpSeal, &origin, &orRev, &orSeal, &orHead)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: %q at revision %d: %w", r.name, rev, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: %q at revision %d: %w", r.name, rev, err)
	}
	var base *account.Account
	switch {
	case rev > uint64(dbRev):
		return nil, fmt.Errorf("postgres: %q: %w", r.name, &account.RevisionError{Revision: rev, Latest: uint64(dbRev), Err: account.ErrNotCommitted})
	case rev >= uint64(cpRev):
		base, err = savedState(r.name, "checkpoint", uint64(cpRev), cp, cpHead, cpSeal)
	case rev >= uint64(orRev):
		if orHead == nil {
			s := seed(r.name)
			orHead = s[:]
		}
		base, err = savedState(r.name, "origin", uint64(orRev), origin, orHead, orSeal)
	default:
		return nil, fmt.Errorf("postgres: %q: %w", r.name, &account.RevisionError{Revision: rev, Latest: uint64(orRev), Err: account.ErrNotKept})
	}
	if err != nil {
		return nil, err
	}
	a := base
	var pending []account.Event
	for e, err := range r.Events(ctx, base.Revision()) {
		if err != nil {
			return nil, err
		}
		if e.Revision > rev {
			break
		}
		pending = append(pending, e)
	}
	if a, err = a.Replay(pending); err != nil {
		return nil, fmt.Errorf("postgres: %q at revision %d: %w", r.name, rev, err)
	}
	return a, nil
}
