package account

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// A Store holds the current snapshot of one account and applies changes to
// it. Readers call [Store.Load], which never blocks; writers call
// [Store.Update], which runs one update at a time and publishes a new
// snapshot per committed update. Snapshots already loaded never change.
//
// The zero Store holds no snapshot: Load returns nil, an account on which
// every check is false, and Update runs on an account with no members, so
// every step is refused. A nil *Store is rejected the same way: Load returns
// nil, Update returns an error wrapping [ErrInvalid] without calling its
// callback, and SetObserver does nothing. Neither panics.
//
// A Store must not be copied after first use.
type Store struct {
	cur atomic.Pointer[Account]
	// observer is called with each committed update's events. It is kept
	// apart from mu so that SetObserver never waits for an update.
	observer atomic.Pointer[func([]Event)]
	sem      atomic.Pointer[chan struct{}] // the update lock: held while an update runs its callback and commits
	backend  Backend                       // commits updates before they are published; nil for memory only

	mu      sync.Mutex    // guards the fields below; never held while waiting
	tip     *Account      // the state the next update builds on, if not yet published
	tail    *flight       // the last update in flight
	epoch   uint64        // the number of failed commits; flights of an older epoch fail
	changed chan struct{} // closed when a snapshot is published, for WaitFor
	// compactAt is the overlay size above which a committed snapshot folds
	// its overlay into a fresh base; 0 means the default, [compactLimit].
	// Tests set it small, so that compaction happens often.
	compactAt int
}

// NewStore returns a Store whose current snapshot is a. A nil a stands for an
// account with no members, on which every change is refused.
func NewStore(a *Account) *Store {
	if a == nil {
		a = &Account{content: content{members: memberTable{seed: rand.Uint64()}}}
	}
	s := &Store{}
	s.cur.Store(a)
	return s
}

// Load returns the current snapshot. It never blocks, not even while an
// update runs, and it does not allocate. It returns nil for a nil or zero
// Store; every check on a nil *Account is false.
func (s *Store) Load() *Account {
	if s == nil {
		return nil
	}
	return s.cur.Load()
}

// SetObserver makes fn the Store's observer: after each committed update,
// while updates are still serialised, fn receives that update's events in
// the order of its steps, so that successive calls come in revision order.
// A nil fn removes the observer. [LogObserver] adapts a [log/slog.Logger].
//
// SetObserver never waits for an update, so it may be called from anywhere,
// a [Store.Update] callback or the observer itself included. An update
// calls the observer set when it publishes its snapshot: one set by its own
// callback receives its events, and one set by the observer receives the
// next update's.
//
// The observer runs after the update is published. If it panics, the
// update stays committed: the panic propagates out of [Store.Update], the
// Store is left unlocked, [Store.Load] returns the new snapshot and later
// updates run as usual. fn must not call Update on s, which would wait for
// itself.
func (s *Store) SetObserver(fn func([]Event)) {
	if s == nil {
		return
	}
	if fn == nil {
		s.observer.Store(nil)
		return
	}
	s.observer.Store(&fn)
}

// Update runs fn with a new [Tx] on the current snapshot and, if fn and
// every step it took succeed, publishes the changed account as the next
// revision and returns it.
//
// All or nothing: if fn returns an error, Update returns that error; if any
// step failed, even one whose error fn ignored, Update returns that step's
// error. Either way nothing of the update is published and Update returns a
// nil *Account. An update that took no step publishes nothing and returns
// the current snapshot.
//
// Updates are serialised: fn runs while no other update runs, so it sees
// every earlier committed update. fn must not keep the Tx after it returns,
// nor call Update on the same Store.
//
// A Store made by [NewStoreWith] has its [Backend] commit each update
// before publishing it; Update returns once the Backend says the update is
// stored, and fn may then run more than once (see [Backend]), so it must
// have no effect outside its Tx. Update is [Store.UpdateContext] with
// [context.Background].
//
// A committed update is published first and then reported to the
// observer (see [Store.SetObserver]). A panic leaves the Store usable and
// propagates to the caller of Update: a panic in fn publishes nothing; a
// panic in the Backend's Commit or wait fails the update as an error would,
// so that the updates built on it fail too and later ones build on the
// published snapshot; and a panic in the observer comes after the update
// was published, so [Store.Load] shows it.
//
// Update on a nil *Store returns an error wrapping [ErrInvalid] and does not
// call fn. A nil fn is an error wrapping [ErrInvalid] too.
func (s *Store) Update(fn func(*Tx) error) (*Account, error) {
	return s.UpdateContext(context.Background(), fn)
}

var (
	errNilStore = fmt.Errorf("account: Update on a nil *Store: %w", ErrInvalid)
	errNilFunc  = fmt.Errorf("account: Update with a nil func: %w", ErrInvalid)
)

// compactLimit returns how many changed entries a snapshot of n members
// keeps in its overlay before folding them into a fresh base. Copying the
// base costs O(n) and happens once per n/256 changes, so a change costs
// about 256 entry copies, amortised, whatever n. Accounts of fewer than
// smallAccount members are copied on every change, which costs little, so
// that their checks never pay for an overlay.
func compactLimit(n int) int {
	if n < smallAccount {
		return 0
	}
	return n / 256
}

// smallAccount is the number of members below which every change copies
// the members map instead of adding to an overlay.
const smallAccount = 2048
