package account

import (
	"context"
	"errors"
	"iter"
)

// A Backend stores a [Store]'s updates, in a log or a shared database,
// before the Store publishes them. [NewStoreWith] makes a Store with one;
// package journal is one, a log in a local directory.
//
// The Store does the hard parts, so that a Backend only stores and reads:
// it runs update callbacks one at a time, each on the state built so far;
// it gathers the updates waiting for storage into a batch while the batch
// before them is being stored; it decides what fails when a batch does;
// it catches up and runs callbacks again after [ErrStale]; and it publishes
// in revision order.
//
// Append stores batch: one or more updates with consecutive revisions, the
// first one past the last revision the Store published. It returns nil
// only once every update of the batch is stored (written and synced,
// committed), and otherwise must have stored none of them. Its error says
// which of three things happened:
//   - one wrapping [ErrStale]: another writer stored the first revision
//     first, and nothing was stored. The Store reads the newer updates with
//     Events, publishes them, and runs the batch's callbacks again.
//   - one wrapping [ErrOutcomeUnknown]: the batch may or may not be stored
//     (a connection lost during the commit). The batch's updates return
//     that error, and the Store reads Events before it appends again.
//   - any other: nothing was stored. The batch's updates, and the updates
//     built on them, fail with it.
//
// Append honours ctx, which is done once every caller whose update is in
// the batch has given up: it stops as soon as it can and reports ctx's
// error, wrapped in ErrOutcomeUnknown if the batch may have been stored.
// The Store calls Append for one batch at a time, never concurrently.
//
// Events returns the events of the stored updates with a revision greater
// than after, in revision order, with their commit times: the updates other
// writers stored, and those whose Append reported ErrOutcomeUnknown. The
// Store calls it to catch up (after ErrStale or ErrOutcomeUnknown, and in
// [Store.CatchUp]) and replays what it yields on its current snapshot; it
// also asks it whether anything newer than a snapshot is stored before it
// returns a refusal. Events may run while an Append runs, and must then
// yield only updates already stored.
type Backend interface {
	Append(ctx context.Context, batch []Update) error
	Events(ctx context.Context, after uint64) iter.Seq2[Event, error]
}

// An Update is one update as the [Store] hands it to a [Backend]: the
// account it leads to and the steps that lead there.
type Update struct {
	// Account is the state after the update. Its revision is the one
	// before the update plus 1.
	Account *Account
	// Events are the update's steps in order, each carrying the update's
	// revision and commit time (UTC). There is at least one.
	Events []Event
}

// Revision returns the revision the update commits as: that of its Account.
func (u Update) Revision() uint64 { return u.Account.Revision() }

// ErrStale is what a [Backend] wraps when it refuses an update built on a
// snapshot that another writer has already committed a successor to.
// [Store.UpdateContext] catches up and runs the update again; it returns an
// error wrapping ErrStale only if the Backend cannot catch up.
var ErrStale = errors.New("update built on a stale snapshot")

// ErrOutcomeUnknown is what a [Backend] wraps when it cannot tell whether
// a batch was stored, such as when the connection to a database is lost
// during its commit. [Store.UpdateContext] returns an error wrapping it to
// the callers whose updates were in that batch, and the Store catches up
// with the Backend before the next update, publishing the batch if it was
// stored after all. It also wraps the error of an update whose context
// ended after the update was handed to the Backend and before the Backend
// answered.
var ErrOutcomeUnknown = errors.New("outcome of the update unknown")
