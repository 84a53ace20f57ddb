package account

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A Backend stores a [Store]'s updates, durably or in a shared database,
// before the Store publishes them. [NewStoreWith] makes a Store with a
// Backend; package journal is one, a log in a local directory.
//
// For each update, the Store runs the update's callback, then calls
// Commit with the account the update leads to (next, whose revision is the
// previous one plus 1) and the update's events, all stamped with the same
// commit time. Commit is called while the Store holds its update lock, so
// calls come one at a time, in revision order, each next building on the
// one before. Commit may return before the update is durable, with a wait
// function that returns once it is (nil wait means it already is). The
// Store calls wait without its lock and publishes next only after wait
// returns nil, so that readers never see a state that a crash could take
// back. While one update waits, the next update's callback may already run
// on its (unpublished) state and be committed: a Backend that writes each
// update's record when Commit is called and syncs once for all of those
// waiting gets group commit. Updates are published in revision order.
//
// If Commit or wait returns an error, the update is not published and
// UpdateContext returns the error, unless it wraps [ErrStale] (below);
// updates committed after it, which built on it, fail too, and the next
// update builds on the last published snapshot. A Backend whose storage
// may hold an update whose wait failed (a write whose sync failed may
// still reach the disk) must refuse further commits until it knows its
// state, as package journal does until it is reopened. A panic in Commit
// or wait fails the update in the same way, then propagates to the caller
// of [Store.Update].
//
// A Backend shared by several writers, such as a database that other
// processes commit to, reports an update built on a stale snapshot by
// returning an error wrapping [ErrStale] from Commit. The Store then
// releases its lock, calls the Backend's CatchUp method if it has one (see
// [CatchUpper]), which publishes the newer updates with [Store.Apply], and
// runs the callback again on the newer snapshot. That is why an update's
// callback may run more than once.
//
// Wait may report staleness too, with an error wrapping ErrStale that
// promises the update was not stored; the Store then catches up and runs
// the callback again, as after Commit. So a shared Backend can store the
// updates waiting together, in one transaction, and refuse them all if
// another writer got in first. It must then store none of the updates
// built on a refused one: their waits return ErrStale too, and Commit
// refuses every later update with ErrStale until one builds on the Store's
// published snapshot again, which it does if its revision is one past
// that snapshot's (a refused update is never published).
type Backend interface {
	Commit(ctx context.Context, next *Account, events []Event) (wait func() error, err error)
}

// A CatchUpper is a [Backend] that can bring its Store up to date: CatchUp
// applies, with [Store.Apply], every update that other writers committed
// and the Store has not published. The Store calls it, without holding its
// update lock, after Commit or its wait reported [ErrStale].
type CatchUpper interface {
	CatchUp(ctx context.Context) error
}

// ErrStale is what a [Backend] wraps when it refuses an update built on a
// snapshot that another writer has already committed a successor to.
// [Store.UpdateContext] catches up and runs the update again; it returns an
// error wrapping ErrStale only if the Backend cannot catch up.
var ErrStale = errors.New("update built on a stale snapshot")

// NewStoreWith returns a Store whose current snapshot is a and whose
// updates b commits before the Store publishes them. A nil b gives a Store
// like [NewStore]'s, whose updates live only in memory.
func NewStoreWith(a *Account, b Backend) *Store {
	s := NewStore(a)
	s.backend = b
	return s
}

// A flight is an update committed to the Backend and not yet published.
type flight struct {
	next   *Account
	events []Event
	wait   func() error
	prev   *flight       // the flight next builds on, if not yet published
	epoch  uint64        // the Store's epoch when it was committed
	done   chan struct{} // closed once published or failed
	failed bool          // set before done is closed
}

// landHook, if set, runs in land between forgetting a landed flight and
// publishing it. Tests set it to run an update in that moment.
var landHook func()

// errEarlierFailed is returned by an update that built on one whose commit failed.
var errEarlierFailed = errors.New("account: update: an earlier update it builds on failed to commit")

var errNilApply = fmt.Errorf("account: Apply on a nil *Store: %w", ErrInvalid)

// UpdateContext is [Store.Update] with a context, for Stores whose
// [Backend] does I/O: ctx bounds the wait for the update lock and is passed
// to the Backend's Commit. If ctx is done before the update is committed,
// UpdateContext returns an error wrapping ctx's error and publishes
// nothing. Once Commit succeeded it waits for the update to be durable
// whatever ctx says, since a Backend cannot take a committed update back.
//
// Each committed update's events carry its commit time, in UTC.
func (s *Store) UpdateContext(ctx context.Context, fn func(*Tx) error) (*Account, error) {
	if s == nil {
		return nil, errNilStore
	}
	if fn == nil {
		return nil, errNilFunc
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for {
		r, err := s.attempt(ctx, fn)
		if err == nil && r.fl != nil {
			var next *Account
			if next, err = s.land(r.fl); err == nil {
				return next, nil
			}
		}
		if errors.Is(err, ErrStale) {
			if c, ok := s.backend.(CatchUpper); ok {
				if cerr := c.CatchUp(ctx); cerr != nil {
					return nil, fmt.Errorf("account: update: catching up after %v: %w", err, cerr)
				}
				continue
			}
		}
		switch {
		case err != nil:
			return nil, err
		case r.next != nil:
			return r.next, nil
		}
		// No step taken: the current snapshot, once the one fn ran on is published.
		if r.prev != nil {
			<-r.prev.done
		}
		return s.cur.Load(), nil
	}
}

// An attempt's result: a snapshot already published (next), a flight to
// land (fl), or, when fn took no step, the flight it ran on (prev).
type attemptResult struct {
	next *Account
	fl   *flight
	prev *flight
}

// attempt runs fn once under the update lock and commits its update.
func (s *Store) attempt(ctx context.Context, fn func(*Tx) error) (attemptResult, error) {
	if err := s.lock(ctx); err != nil {
		return attemptResult{}, fmt.Errorf("account: update: %w", err)
	}
	defer s.unlock()
	s.mu.Lock()
	base, prev, epoch, compactAt := s.tip, s.tail, s.epoch, s.compactAt
	s.mu.Unlock()
	if base == nil {
		base = s.cur.Load()
	}
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
		return attemptResult{}, err
	}
	if len(tx.events) == 0 {
		return attemptResult{prev: prev}, nil
	}
	next := tx.snapshot(compactAt)
	now := time.Now().UTC()
	for i := range tx.events {
		tx.events[i].Time = now
	}
	if s.backend == nil {
		s.publish(next, tx.events)
		return attemptResult{next: next}, nil
	}
	wait, err := s.backend.Commit(ctx, next, tx.events)
	if err != nil {
		return attemptResult{}, err
	}
	fl := &flight{next: next, events: tx.events, wait: wait, prev: prev, epoch: epoch, done: make(chan struct{})}
	s.mu.Lock()
	// If an earlier update failed meanwhile, fl fails too: later updates
	// build on the published snapshot, not on fl.
	if s.epoch == epoch {
		s.tip, s.tail = next, fl
	}
	s.mu.Unlock()
	return attemptResult{fl: fl}, nil
}

// land waits for fl to be durable and for the flights before it to land,
// then publishes it.
func (s *Store) land(fl *flight) (*Account, error) {
	if err := s.settle(fl); err != nil {
		s.fail(fl)
		return nil, err
	}
	defer close(fl.done)
	s.mu.Lock()
	// Make fl.next current before forgetting fl, so that an update that
	// finds no flight builds on it.
	s.cur.Store(fl.next)
	if s.tail == fl {
		s.tip, s.tail = nil, nil
	}
	s.mu.Unlock()
	if landHook != nil {
		landHook()
	}
	s.publish(fl.next, fl.events)
	return fl.next, nil
}

// settle waits for fl to be durable and for the flight before it to land,
// and returns fl's error or errEarlierFailed. If fl's wait panics, fl
// fails as after an error, once the flight before it has landed, and the
// panic goes on.
func (s *Store) settle(fl *flight) (err error) {
	waited := false
	defer func() {
		if !waited {
			if fl.prev != nil {
				<-fl.prev.done
			}
			s.fail(fl)
		}
	}()
	if fl.wait != nil {
		err = fl.wait()
	}
	waited = true
	if fl.prev != nil {
		<-fl.prev.done
		if fl.prev.failed && err == nil {
			err = errEarlierFailed
		}
	}
	return err
}

// fail marks fl failed, after the flights before it landed: the updates
// built on it fail too, and later updates build on the published snapshot.
func (s *Store) fail(fl *flight) {
	fl.failed = true
	s.mu.Lock()
	if fl.epoch == s.epoch { // the first failure: later updates build on what is published
		s.epoch++
		s.tip, s.tail = nil, nil
	}
	s.mu.Unlock()
	close(fl.done)
}

// Apply publishes updates committed elsewhere, as recorded by their
// events, for a [Backend] shared with other writers: it replays the events
// ([Account.Replay]) on the current snapshot, publishes the result and
// passes the events to the observer. Events of updates at or below the
// current revision are skipped, so applying an update twice is harmless;
// events that do not follow the current revision are an error wrapping
// [ErrMismatch], and nothing is published. Apply waits for the Store's
// update lock and for the updates in flight to be published.
//
// Apply is for a Store made by [NewStore], or by [NewStoreWith] with a
// Backend that is a [CatchUpper], whose storage the events came from. On
// a Store whose Backend cannot catch up, such as a journal's, Apply would
// publish a state the Backend never stored, which a restart would lose and
// on which the Backend would refuse every later update: it returns an
// error wrapping [ErrInvalid] and publishes nothing.
func (s *Store) Apply(events []Event) (*Account, error) {
	if s == nil {
		return nil, errNilApply
	}
	if _, ok := s.backend.(CatchUpper); s.backend != nil && !ok {
		return nil, fmt.Errorf("account: Apply on a Store whose Backend (%T) cannot catch up: the Backend did not store these updates: %w", s.backend, ErrInvalid)
	}
	_ = s.lock(context.Background())
	defer s.unlock()
	s.mu.Lock()
	prev := s.tail
	s.mu.Unlock()
	if prev != nil {
		<-prev.done
	}
	cur := s.cur.Load()
	if cur == nil {
		cur = &Account{}
	}
	i := 0
	for i < len(events) && events[i].Revision <= cur.rev {
		i++
	}
	if i == len(events) {
		return cur, nil
	}
	next, err := cur.Replay(events[i:])
	if err != nil {
		return nil, err
	}
	s.publish(next, events[i:])
	return next, nil
}

// WaitFor returns a snapshot whose revision is at least rev, waiting for
// one to be published if need be, or ctx's error if ctx is done first.
// With a revision that [Store.Update] returned elsewhere, it gives
// read-your-writes across Stores that share a [Backend]. A nil ctx is
// [context.Background].
func (s *Store) WaitFor(ctx context.Context, rev uint64) (*Account, error) {
	if s == nil {
		return nil, errNilStore
	}
	if ctx == nil {
		ctx = context.Background()
	}
	for {
		s.mu.Lock()
		a := s.cur.Load()
		if a.Revision() >= rev {
			s.mu.Unlock()
			return a, nil
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("account: wait for revision %d: %w", rev, ctx.Err())
		}
	}
}

// publish makes next the current snapshot, wakes WaitFor and calls the
// observer with the update's events.
func (s *Store) publish(next *Account, events []Event) {
	s.cur.Store(next)
	s.mu.Lock()
	ch := s.changed
	s.changed = nil
	s.mu.Unlock()
	if ch != nil {
		close(ch)
	}
	if obs := s.observer.Load(); obs != nil {
		(*obs)(events)
	}
}

// lock takes the update lock, or returns ctx's error.
func (s *Store) lock(ctx context.Context) error {
	sem := s.sem.Load()
	if sem == nil {
		c := make(chan struct{}, 1)
		s.sem.CompareAndSwap(nil, &c)
		sem = s.sem.Load()
	}
	if ctx.Done() == nil {
		*sem <- struct{}{}
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case *sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) unlock() { <-*s.sem.Load() }
