package account

import (
	"fmt"
	"math"
)

// A Preview is what an update would do, as [Store.Preview] found by
// running it without committing it.
type Preview struct {
	// Base is the snapshot the update ran on: the Store's current one.
	Base *Account
	// Account is the snapshot the update would publish, with the revision
	// it would commit as; Base itself if the update took no step.
	Account *Account
	// Events are the update's steps, as Update would record them, each
	// with the revision it would commit as. Their Time is zero: nothing
	// was committed.
	Events []Event
	// Changes is Diff(Base, Account): what each user would gain and lose.
	Changes []Change
}

var (
	errNilPreview     = fmt.Errorf("account: Preview on a nil *Store: %w", ErrInvalid)
	errNilPreviewFunc = fmt.Errorf("account: Preview with a nil func: %w", ErrInvalid)
)

// Preview is a dry run of an update: it runs fn with a new [Tx] on the
// current snapshot, as [Store.Update] would, and reports the snapshot, the
// events and the [Diff] the update would produce, without storing or
// publishing anything. A service shows it before a change is saved ("bob
// will be able to: manage-users, view-settings").
//
// If fn returns an error, or a step fails, Preview returns that error, as
// Update would: a refused actor learns no more from a Preview than from an
// Update. fn may be the same callback later given to Update; it must have
// no effect outside its Tx.
//
// Preview runs on the snapshot [Store.Load] returns, without waiting for
// updates in progress, so an Update made afterwards may run on a newer
// state and do something else; on a Store whose [Backend] other writers
// share, call [Store.CatchUp] first to preview on the latest state.
//
// Its cost follows the update, not the account: the steps cost what they
// cost in Update, nothing is copied or compacted, and the changes are
// found from the users and teams the steps touched (a whole team for a
// team created, renamed or deleted).
func (s *Store) Preview(fn func(*Tx) error) (Preview, error) {
	if s == nil {
		return Preview{}, errNilPreview
	}
	if fn == nil {
		return Preview{}, errNilPreviewFunc
	}
	base := s.cur.Load()
	if base == nil { // the zero Store: an account with no members
		base = &Account{}
	}
	tx := newTx(base, base.rev+1)
	err := func() error {
		defer func() { tx.done = true }()
		return fn(tx)
	}()
	if err == nil {
		err = tx.err
	}
	if err != nil {
		return Preview{}, err
	}
	if len(tx.events) == 0 {
		return Preview{Base: base, Account: base, Events: []Event{}, Changes: []Change{}}, nil
	}
	// No compaction: the snapshot is never published, and folding its
	// overlay would cost a copy of the account.
	next := tx.snapshot(math.MaxInt)
	return Preview{Base: base, Account: next, Events: tx.events, Changes: diffEvents(base, next, tx.events)}, nil
}
