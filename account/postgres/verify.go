package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// An Audit is what [Verify] checked of one account's stored history.
type Audit struct {
	Account    string
	Revision   uint64 // the account's revision: the history was checked up to it
	Updates    int    // the stored updates checked
	Origin     uint64 // the revision of the oldest state replayed from
	Checkpoint uint64 // the revision of the checkpoint compared with the replay
	Head       string // the digest of the last update, in hexadecimal: keep it to compare later
}

// Verify audits the whole stored history of the account name: every stored
// update's digest links it to the one before, from the first stored update
// to the account's head; the origin and the checkpoint match their seals;
// replaying every update from the origin is accepted by
// [account.Account.Replay] and reaches exactly the checkpoint's state at
// its revision. It reads the whole history, a batch of updates at a time.
// A failed check is an error wrapping [account.ErrMismatch] that names the
// revision; an account that is not stored is [ErrNotFound].
//
// The digests are not keyed: they show edits made by hand or by anything
// other than this package, and any rewrite of history that a replica has
// read, but one who can write the tables and recompute every digest can
// make a consistent history. To detect that too, keep the head an Audit
// reports somewhere the database's writers cannot reach.
func Verify(ctx context.Context, pool *pgxpool.Pool, name string) (Audit, error) {
	au := Audit{Account: name}
	var (
		rev, cpRev, orRev  int64
		head               []byte
		cp, cpHead, cpSeal []byte
		origin, orSeal     []byte
		first              *int64
	)
	err := pool.QueryRow(ctx, `
SELECT revision, head, checkpoint::text, checkpoint_revision, checkpoint_head, checkpoint_seal,
       origin::text, origin_revision, origin_seal,
       (SELECT min(revision) FROM entaccess_updates WHERE account = a.name)
  FROM entaccess_accounts a WHERE name = $1::text`, name).Scan(&rev, &head, &cp, &cpRev, &cpHead, &cpSeal, &origin, &orRev, &orSeal, &first)
	if errors.Is(err, pgx.ErrNoRows) {
		return au, fmt.Errorf("postgres: verify %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return au, fmt.Errorf("postgres: verify %q: %w", name, err)
	}
	au.Revision, au.Origin, au.Checkpoint = uint64(rev), uint64(orRev), uint64(cpRev)
	au.Head = fmt.Sprintf("%x", head)
	checkpoint, err := savedState(name, "checkpoint", uint64(cpRev), cp, cpHead, cpSeal)
	if err != nil {
		return au, err
	}
	// The history's first link is the seed; the origin is the state at
	// origin_revision, before the first stored update or at one of them.
	after := uint64(rev)
	if first != nil {
		after = uint64(*first) - 1
	}
	headAt := map[uint64]digest{after: seed(name)}
	var (
		state *account.Account // the replay, once it reached the origin
		start *digest
	)
	reach := func(r uint64) error { // the replay reached revision r
		if r == uint64(orRev) {
			h, ok := headAt[r]
			if !ok {
				return mismatch(name, r, "the origin's revision has no stored update")
			}
			o, err := savedState(name, "origin", r, origin, h[:], orSeal)
			if err != nil {
				return err
			}
			state = o
		}
		if r == uint64(cpRev) {
			if h, _ := toDigest(cpHead); h != headAt[r] {
				return mismatch(name, r, "the checkpoint's digest differs from the stored update's")
			}
			if state == nil {
				return mismatch(name, r, "the checkpoint is older than the origin at revision %d", orRev)
			}
			want, _ := json.Marshal(checkpoint)
			got, _ := json.Marshal(state)
			if string(want) != string(got) {
				return mismatch(name, r, "the checkpoint differs from the state its history leads to")
			}
		}
		return nil
	}
	if uint64(orRev) < after || uint64(cpRev) < after {
		return au, mismatch(name, min(uint64(orRev), uint64(cpRev)), "a saved state is older than the stored history, which starts at revision %d", after+1)
	}
	if err := reach(after); err != nil {
		return au, err
	}
	for {
		ups, err := read(ctx, pool, name, after, start, readBatch)
		if err != nil {
			return au, err
		}
		for _, u := range ups {
			headAt[u.rev] = u.hash
			delete(headAt, u.rev-1) // keep only what reach needs
			if state != nil {
				if state, err = state.Replay(u.events); err != nil {
					return au, mismatch(name, u.rev, "replaying it: %v", err)
				}
			}
			if err := reach(u.rev); err != nil {
				return au, err
			}
			au.Updates++
		}
		if len(ups) < readBatch {
			break
		}
		last := ups[len(ups)-1]
		after, start = last.rev, &last.hash
	}
	if state == nil {
		return au, mismatch(name, uint64(orRev), "the history never reaches the origin")
	}
	return au, nil
}

// Verify audits the replica's account's whole stored history; see the
// package's [Verify].
func (r *Replica) Verify(ctx context.Context) error {
	_, err := Verify(ctx, r.pool, r.name)
	return err
}
