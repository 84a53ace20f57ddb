package account

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A Store holds the current snapshot of one account and applies changes to
// it. Readers call [Store.Load], which never blocks; writers call
// [Store.Update], which runs one update's callback at a time and publishes
// a new snapshot per committed update. Snapshots already loaded never
// change.
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
	// observer is called with each published update's events. It is kept
	// apart from mu so that SetObserver never waits for an update.
	observer atomic.Pointer[func([]Event)]
	hooks    atomic.Pointer[Hooks]
	// cb is the update lock: held while a callback runs and its update
	// joins the queue, so callbacks run one at a time.
	cb atomic.Pointer[chan struct{}]
	// pipe is held by whoever hands batches to the backend or catches up,
	// and so publishes: one at a time, in revision order.
	pipe    chan struct{}
	backend Backend // stores updates before they are published; nil for memory only

	mu      sync.Mutex // guards the fields below; never held while waiting
	tip     *Account   // the state the next callback builds on, if not the published one
	gen     uint64     // counts the times updates not yet stored were dropped
	queue   []*pending // built, not yet handed to the backend, in revision order
	running bool       // a committer (a goroutine, or a lone caller for its batch) is storing the queue
	stale   bool       // catch up with the backend before storing the next batch
	changed chan struct{}
	// coming counts the callers of UpdateContext that may queue an update
	// soon: those waiting for the update lock or running their callback,
	// and those whose update was just settled, until they return. The
	// committer waits a little for them before it takes a batch (see
	// gather). Counted only with a backend.
	coming int
	// arrived, if not nil, is closed when coming drops to 0 or the queue
	// fills a batch: the committer waits on it in gather.
	arrived chan struct{}
	// lastAppend is how long the backend's last successful Append took.
	lastAppend time.Duration
	// gathered, if not nil, is called by the committer, without s.mu held,
	// each time it is about to wait for coming callers. Tests set it.
	gathered func()
	// compactAt is the overlay size above which a committed snapshot folds
	// its overlay into a fresh base; 0 means the default, [compactLimit].
	// Tests set it small, so that compaction happens often.
	compactAt int
	// now is the clock of updates: the time steps check certificates
	// against and events record. nil means time.Now; tests set it.
	now func() time.Time
}

// NewStore returns a Store whose current snapshot is a. A nil a stands for an
// account with no members, on which every change is refused.
func NewStore(a *Account) *Store {
	if a == nil {
		a = &Account{}
	}
	s := &Store{}
	s.cur.Store(a)
	return s
}

// NewStoreWith returns a Store whose current snapshot is a and whose
// updates b stores before the Store publishes them (see [Backend]). a must
// be the state b holds at a's revision. A nil b gives a Store like
// [NewStore]'s, whose updates live only in memory.
func NewStoreWith(a *Account, b Backend) *Store {
	s := NewStore(a)
	if b != nil {
		s.backend = b
		s.pipe = make(chan struct{}, 1)
	}
	return s
}

// Load returns the current snapshot. It never blocks, not even while an
// update runs, and it does not allocate. It returns nil for a nil or zero
// Store; every check on a nil *Account is false. A snapshot that Load
// returned is never followed by an older one.
func (s *Store) Load() *Account {
	if s == nil {
		return nil
	}
	return s.cur.Load()
}

// SetObserver makes fn the Store's observer: fn receives each published
// update's events in the order of its steps, one update at a time, in
// revision order, never concurrently, both for the Store's own updates and
// for those that [Store.CatchUp] publishes from other writers. A nil fn
// removes the observer. [LogObserver] adapts a [log/slog.Logger].
//
// SetObserver never waits for an update, so it may be called from anywhere,
// a [Store.Update] callback or the observer itself included. Each update
// calls the observer set when it is published.
//
// The observer runs after the update is published and before the next one
// is. If it panics, the update stays published: the panic propagates out
// of the [Store.Update] of that update (or out of [Store.CatchUp] for an
// update from another writer), and later updates run as usual. fn must
// not call Update on s, which would wait for itself.
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

// SetHooks makes h the Store's [Hooks]; nil removes them. Like
// SetObserver, it never waits for an update. The Store does not copy h:
// change hooks by setting a new *Hooks.
func (s *Store) SetHooks(h *Hooks) {
	if s != nil {
		s.hooks.Store(h)
	}
}

// Hooks returns the Store's [Hooks], or nil. A [Backend] calls the hooks
// meant for it (Checkpoint) through it.
func (s *Store) Hooks() *Hooks {
	if s == nil {
		return nil
	}
	return s.hooks.Load()
}

// Update runs fn with a new [Tx] on the current snapshot and, if fn and
// every step it took succeed, publishes the changed account as the next
// revision and returns it. It is [Store.UpdateContext] with
// [context.Background].
func (s *Store) Update(fn func(*Tx) error) (*Account, error) {
	return s.UpdateContext(context.Background(), fn)
}

var (
	errNilStore      = fmt.Errorf("account: Update on a nil *Store: %w", ErrInvalid)
	errNilFunc       = fmt.Errorf("account: Update with a nil func: %w", ErrInvalid)
	errNilApply      = fmt.Errorf("account: Apply on a nil *Store: %w", ErrInvalid)
	errApplyBackend  = fmt.Errorf("account: Apply on a Store with a Backend: the Backend did not store these updates; use CatchUp: %w", ErrInvalid)
	errNoBackend     = fmt.Errorf("account: CatchUp on a Store without a Backend: %w", ErrInvalid)
	errEarlierFailed = errors.New("an earlier update it builds on was not stored")
	// errRerun tells a waiting update to run its callback again.
	errRerun = errors.New("account: update: run again")
)

// UpdateContext runs fn with a new [Tx] on the latest state and, if fn and
// every step it took succeed, stores the update (with the Store's
// [Backend], if it has one), publishes the changed account as the next
// revision and returns it.
//
// All or nothing: if fn returns an error, UpdateContext returns that
// error; if any step failed, even one whose error fn ignored, it returns
// that step's error. Either way nothing of the update is stored or
// published, and the returned *Account is nil. An update that took no step
// stores nothing and returns the current snapshot.
//
// Callbacks run one at a time, each on a state that includes every update
// committed before it began and, on a Store with a Backend, the updates
// still being stored before it: fn must not keep the Tx after it returns,
// nor call Update on the same Store. With a Backend, fn may run more than
// once: again on a newer snapshot when another writer got there first
// ([ErrStale]), or when an update it built on was dropped before it was
// stored. So fn must have no effect outside its Tx. A refusal, or a
// callback that takes no step, is returned only once the snapshot it ran
// on is published and the Backend holds nothing newer: a refusal is as
// current as a commit.
//
// The context:
//   - done before fn runs, or while it runs, or while the update waits to
//     be handed to the Backend: nothing of the update is stored, and
//     UpdateContext returns an error wrapping ctx's error. Updates queued
//     behind it run their callbacks again.
//   - done once the update is with the Backend: the Backend honours ctx
//     (when no other update of its batch still wants it), and
//     UpdateContext returns at once with an error wrapping both
//     [ErrOutcomeUnknown] and ctx's error, since the update may still be
//     stored. [Store.WaitFor] or [Store.Load] tell later whether it was.
//
// With a Backend, the Store stores the waiting updates in batches, one
// Append at a time. Before it hands a batch over, it lets the callers
// already under way join it: those waiting for the update lock or running
// their callback, and those whose update was just published, which may be
// back with the next. It waits for them at most half as long as the last
// Append that stored a batch took, and not at all when no other caller is
// under way, so a lone caller's update is handed over at once. A lone
// caller whose ctx is never done (Update's) calls Append for its batch on
// its own goroutine, which spares it two hand-overs between threads;
// otherwise a goroutine of the Store calls it.
//
// If the Backend fails to store a batch, its updates return its error and
// the updates built on them fail too, with an error that says so and
// wraps it; later updates build on the last published snapshot. If the
// Backend cannot tell whether the batch was stored, its updates return an
// error wrapping [ErrOutcomeUnknown], and the Store catches up before it
// stores another.
//
// Each committed update's events carry its commit time, in UTC. A panic in
// fn publishes nothing and propagates; a panic in the Backend fails the
// batch as an unknown outcome and propagates out of each of its updates; a
// panic in the observer comes after the update was published (see
// [Store.SetObserver]). The Store stays usable after each.
//
// UpdateContext on a nil *Store returns an error wrapping [ErrInvalid] and
// does not call fn. A nil fn is an error wrapping ErrInvalid too, and a
// nil ctx is [context.Background].
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
	h := s.hooks.Load()
	if s.backend != nil {
		s.mu.Lock()
		s.coming++
		s.mu.Unlock()
		defer s.leave()
	}
	for {
		b, err := s.build(ctx, fn, h)
		switch {
		case err != nil:
			return nil, err
		case b.next != nil:
			return b.next, nil
		case b.p == nil: // refused, or no step: confirm the snapshot it ran on was current
			cur, err := s.confirm(ctx, b)
			if errors.Is(err, errRerun) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if b.err != nil {
				return nil, b.err
			}
			return cur, nil
		}
		if b.lead && s.commitBatch() {
			go s.commit() // others queued meanwhile: a committer takes over
		}
		next, err := s.await(ctx, b.p)
		if errors.Is(err, errRerun) {
			if h != nil && h.Retry != nil {
				h.Retry(RetryInfo{Revision: b.p.Revision(), Err: b.p.cause})
			}
			continue
		}
		return next, err
	}
}

// A built update: published already (next), queued for the backend (p),
// or refused or without steps, on base (err, base, gen).
type built struct {
	next *Account
	p    *pending
	err  error
	base *Account
	gen  uint64
	lead bool // p was queued on an empty queue by a caller whose ctx never ends: it stores the first batch
}

// A pending update has been built on the state before it and waits to be
// stored by the backend.
type pending struct {
	Update
	ctx   context.Context
	base  *Account // the state it was built on
	state int      // queued, handed or settled; guarded by Store.mu
	done  chan struct{}
	// Set before done is closed:
	err      error // nil: stored and published
	cause    error // why it runs again, with errRerun
	panicked bool  // the backend or the observer panicked with value panic
	panic    any
	gone     bool // its caller returned before it settled; guarded by Store.mu
}

const (
	queued = iota
	handed
	settled
)

// build runs fn once under the update lock. Without a backend it publishes
// the update; with one it queues it and makes sure a committer runs.
func (s *Store) build(ctx context.Context, fn func(*Tx) error, h *Hooks) (built, error) {
	var start time.Time
	if h != nil && h.LockAcquired != nil {
		start = time.Now()
	}
	if err := s.lock(ctx); err != nil {
		return built{}, fmt.Errorf("account: update: %w", err)
	}
	defer s.unlock()
	if h != nil && h.LockAcquired != nil {
		h.LockAcquired(time.Since(start))
	}
	for {
		s.mu.Lock()
		base, gen, compactAt, clock := s.tip, s.gen, s.compactAt, s.now
		s.mu.Unlock()
		if base == nil {
			base = s.cur.Load()
		}
		if base == nil { // the zero Store: an account with no members
			base = &Account{}
		}
		tx := newTx(base, base.rev+1)
		tx.now = clock
		if h != nil && h.CallbackDone != nil {
			start = time.Now()
		}
		err := func() error {
			defer func() { tx.done = true }()
			return fn(tx)
		}()
		if err == nil {
			err = tx.err
		}
		if h != nil && h.CallbackDone != nil {
			h.CallbackDone(CallbackInfo{Revision: tx.rev, Steps: len(tx.events), Duration: time.Since(start), Err: err})
		}
		if err != nil || len(tx.events) == 0 {
			return built{err: err, base: base, gen: gen}, nil
		}
		if err := ctx.Err(); err != nil {
			return built{}, fmt.Errorf("account: update: %w", err)
		}
		next := tx.snapshot(compactAt)
		now := tx.clock().UTC()
		for i := range tx.events {
			tx.events[i].Time = now
		}
		if s.backend == nil {
			s.publish(next, tx.events)
			return built{next: next}, nil
		}
		p := &pending{Update: Update{Account: next, Events: tx.events}, ctx: ctx, base: base, done: make(chan struct{})}
		s.mu.Lock()
		if s.gen != gen { // what fn built on was dropped meanwhile: run it again
			s.mu.Unlock()
			if h != nil && h.Retry != nil {
				h.Retry(RetryInfo{Revision: next.rev, Err: errEarlierFailed})
			}
			continue
		}
		s.queue = append(s.queue, p)
		s.tip = next
		s.coming--
		s.arrive()
		start := !s.running
		alone := s.coming == 0
		s.running = true
		s.mu.Unlock()
		switch {
		case start && alone && ctx.Done() == nil:
			// A lone caller that cannot give up waits for its batch
			// whatever happens: it stores the batch itself, after the
			// update lock is released, which spares two hand-overs
			// between threads. With others under way, a committer
			// gathers their updates as they come back.
			return built{p: p, lead: true}, nil
		case start:
			go s.commit()
		}
		return built{p: p}, nil
	}
}

// await waits for p to be stored and published, or for ctx to end.
func (s *Store) await(ctx context.Context, p *pending) (*Account, error) {
	select {
	case <-p.done:
	case <-ctx.Done():
		s.mu.Lock()
		switch p.state {
		case queued:
			s.drop(p, fmt.Errorf("account: update to revision %d: %w", p.Revision(), ctx.Err()))
			s.mu.Unlock()
		case handed:
			// The caller leaves while p is with the backend: it counts as
			// coming until it returns, and settle must not count it again.
			p.gone = true
			s.coming++
			s.mu.Unlock()
			return nil, fmt.Errorf("account: update to revision %d: %w", p.Revision(), errors.Join(ErrOutcomeUnknown, ctx.Err()))
		default:
			s.mu.Unlock()
		}
		<-p.done
	}
	if p.panicked {
		panic(p.panic)
	}
	if p.err != nil {
		return nil, p.err
	}
	return p.Account, nil
}

// drop removes p, queued, and the updates queued after it, which built on
// it: p settles with err and they run again. It is called with s.mu held.
func (s *Store) drop(p *pending, err error) {
	i := 0
	for s.queue[i] != p {
		i++
	}
	s.settle(p, err)
	for _, q := range s.queue[i+1:] {
		q.cause = fmt.Errorf("account: update to revision %d was dropped: %w", p.Revision(), err)
		s.settle(q, errRerun)
	}
	clear(s.queue[i:])
	s.queue = s.queue[:i]
	s.tip = p.base
	if i == 0 && s.cur.Load() == p.base {
		s.tip = nil
	}
	s.gen++
	s.wake()
}

// settle ends p with err (nil: published). Its caller, unless gone, counts
// as coming again: it returns, or runs its callback again. It is called
// with s.mu held.
func (s *Store) settle(p *pending, err error) {
	p.err = err
	p.state = settled
	if !p.gone {
		s.coming++
	}
	close(p.done)
}

// leave is deferred by UpdateContext on a Store with a backend: the caller
// is no longer coming.
func (s *Store) leave() {
	s.mu.Lock()
	s.coming--
	s.arrive()
	s.mu.Unlock()
}

// arrive wakes the committer waiting in gather once nobody else is coming
// or the queue holds a full batch. It is called with s.mu held.
func (s *Store) arrive() {
	if s.arrived != nil && (s.coming == 0 || len(s.queue) >= maxBatch) {
		close(s.arrived)
		s.arrived = nil
	}
}

// gatherShare is the most the committer waits for coming callers before it
// takes a batch, as a share of the duration of the last Append that
// stored a batch: 1/gatherShare.
const gatherShare = 2

// gather lets the callers on their way to the queue join the next batch:
// with updates queued and callers coming (see Store.coming), the committer
// waits until none is coming, the queue holds a full batch, or a share of
// the last Append's duration has passed. A lone caller never waits here:
// once its update is queued, nobody is coming. Waiting a fraction of an
// Append to make the batch larger costs each update less than the Append
// it saves. gather is called by the committer, with s.mu held and the
// pipe free, so that [Store.CatchUp] need not wait for it; it releases
// s.mu while it waits.
func (s *Store) gather() {
	if s.coming == 0 || len(s.queue) >= maxBatch || s.lastAppend <= 0 {
		return
	}
	limit := s.lastAppend / gatherShare
	var t *time.Timer
	for s.coming > 0 && len(s.queue) > 0 && len(s.queue) < maxBatch {
		ch := make(chan struct{})
		s.arrived = ch
		s.mu.Unlock()
		if s.gathered != nil {
			s.gathered()
		}
		if t == nil {
			t = time.NewTimer(limit)
			defer t.Stop()
		}
		expired := false
		select {
		case <-ch:
		case <-t.C:
			expired = true
		}
		s.mu.Lock()
		if s.arrived == ch {
			s.arrived = nil
		}
		if expired {
			return
		}
	}
}

// maxBatch is the most updates handed to the backend at once.
const maxBatch = 256

// commit is the committer: it hands the queued updates to the backend, a
// batch at a time, and publishes them, until the queue is empty.
func (s *Store) commit() {
	for s.commitBatch() {
	}
}

// commitBatch hands the next batch of queued updates to the backend and
// publishes it, and reports whether updates are queued after it; if none
// is, the committer has stopped. It holds the pipe for the batch alone, so
// that [Store.CatchUp] gets its turn.
func (s *Store) commitBatch() bool {
	s.mu.Lock()
	s.gather()
	s.mu.Unlock()
	s.pipe <- struct{}{}
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.running = false
		s.mu.Unlock()
		<-s.pipe
		return false
	}
	n := min(len(s.queue), maxBatch)
	batch := make([]*pending, n)
	copy(batch, s.queue)
	clear(s.queue[:n])
	s.queue = s.queue[n:]
	if len(s.queue) == 0 {
		s.queue = nil
	}
	for _, p := range batch {
		p.state = handed
	}
	stale := s.stale
	s.mu.Unlock()
	ctx, stop := batchContext(batch)
	if !stale || s.catchUpFor(ctx, batch) {
		s.store(ctx, batch)
	}
	stop()
	s.mu.Lock()
	more := len(s.queue) > 0
	if !more {
		s.running = false
	}
	s.mu.Unlock()
	<-s.pipe
	return more
}

// catchUpFor catches up before batch is stored and reports whether batch
// may be stored. If the backend had newer updates, batch was built on a
// stale snapshot and runs again; if catching up failed, batch fails with
// its error.
func (s *Store) catchUpFor(ctx context.Context, batch []*pending) bool {
	from := s.cur.Load().Revision()
	pv, err := s.catchUp(ctx)
	if pv != nil {
		batch[0].panicked, batch[0].panic = true, pv
	}
	switch {
	case err != nil:
		s.fail(batch, fmt.Errorf("account: update to revision %d: catching up first: %w", batch[0].Revision(), err))
		return false
	case s.cur.Load().Revision() != from:
		s.rerun(batch, fmt.Errorf("account: update to revision %d: %w", batch[0].Revision(), ErrStale))
		return false
	}
	return true
}

// store hands batch to the backend and publishes it or fails it.
func (s *Store) store(ctx context.Context, batch []*pending) {
	ups := make([]Update, len(batch))
	for i, p := range batch {
		ups[i] = p.Update
	}
	h := s.hooks.Load()
	var info BatchInfo
	if h != nil && (h.AppendStart != nil || h.AppendDone != nil) {
		info = BatchInfo{First: batch[0].Revision(), Last: batch[len(batch)-1].Revision(), Updates: len(batch)}
		for _, u := range ups {
			info.Events += len(u.Events)
		}
		if h.AppendStart != nil {
			h.AppendStart(info)
		}
	}
	start := time.Now()
	pv, panicked, err := s.append(ctx, ups)
	took := time.Since(start)
	if h != nil && h.AppendDone != nil {
		h.AppendDone(info, AppendResult{Duration: took, Err: err})
	}
	switch {
	case panicked:
		err = fmt.Errorf("account: update to revision %d: the backend panicked: %v: %w", ups[0].Revision(), pv, ErrOutcomeUnknown)
		for _, p := range batch {
			p.panicked, p.panic = true, pv
		}
		s.fail(batch, err)
	case err == nil:
		s.mu.Lock()
		s.lastAppend = took
		s.mu.Unlock()
		for _, p := range batch {
			if pv, ok := s.publishRecover(p.Account, p.Events); ok {
				p.panicked, p.panic = true, pv
			}
			s.mu.Lock()
			if s.tip == p.Account {
				s.tip = nil
			}
			s.settle(p, nil)
			s.mu.Unlock()
		}
	case errors.Is(err, ErrStale):
		// Another writer got there first: publish its updates, then run
		// the callbacks again on them.
		if pv, _ := s.catchUp(ctx); pv != nil {
			batch[0].panicked, batch[0].panic = true, pv
		}
		s.rerun(batch, err)
	default:
		s.fail(batch, err)
	}
}

// append calls the backend, turning a panic into a returned value.
func (s *Store) append(ctx context.Context, ups []Update) (pv any, panicked bool, err error) {
	defer func() {
		if panicked {
			pv = recover()
		}
	}()
	panicked = true
	err = s.backend.Append(ctx, ups)
	panicked = false
	return nil, false, err
}

// fail settles batch, whose updates were not stored (or may have been),
// with err, and fails the queued updates, which built on them. An unknown
// outcome makes the Store catch up before the next batch.
func (s *Store) fail(batch []*pending, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if errors.Is(err, ErrOutcomeUnknown) {
		s.stale = true
	}
	for _, p := range batch {
		s.settle(p, err)
	}
	later := fmt.Errorf("account: update: %w: %w", errEarlierFailed, err)
	for _, p := range s.queue {
		s.settle(p, later)
	}
	s.queue = nil
	s.tip = nil
	s.gen++
	s.wake()
}

// rerun settles batch and the queued updates so that their callbacks run
// again, on the snapshot published now.
func (s *Store) rerun(batch []*pending, cause error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range batch {
		p.cause = cause
		s.settle(p, errRerun)
	}
	for _, p := range s.queue {
		p.cause = cause
		s.settle(p, errRerun)
	}
	s.queue = nil
	s.tip = nil
	s.gen++
	s.wake()
}

// batchContext returns a context that is done once the context of every
// update of batch is done, with the error of the last one to end and the
// values of the first one's. If every one has a deadline, its deadline is
// the latest of them.
func batchContext(batch []*pending) (context.Context, func()) {
	for _, p := range batch {
		if p.ctx.Done() == nil { // one update waits whatever happens
			return context.WithoutCancel(batch[0].ctx), func() {}
		}
	}
	c := &batchCtx{Context: context.WithoutCancel(batch[0].ctx), done: make(chan struct{})}
	for i, p := range batch {
		d, ok := p.ctx.Deadline()
		switch {
		case i == 0:
			c.deadline, c.hasDeadline = d, ok
		case !ok:
			c.hasDeadline = false
		case d.After(c.deadline):
			c.deadline = d
		}
	}
	left := atomic.Int64{}
	left.Store(int64(len(batch)))
	stops := make([]func() bool, len(batch))
	for i, p := range batch {
		stops[i] = context.AfterFunc(p.ctx, func() {
			if left.Add(-1) == 0 {
				c.end(p.ctx.Err())
			}
		})
	}
	return c, func() {
		for _, stop := range stops {
			stop()
		}
	}
}

// A batchCtx is done when every update of a batch has given up.
type batchCtx struct {
	context.Context // for Value
	done            chan struct{}
	deadline        time.Time
	hasDeadline     bool
	mu              sync.Mutex
	err             error
}

func (c *batchCtx) Deadline() (time.Time, bool) { return c.deadline, c.hasDeadline }
func (c *batchCtx) Done() <-chan struct{}       { return c.done }

func (c *batchCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *batchCtx) end(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
	close(c.done)
}

// confirm returns the current snapshot for an update that was refused or
// took no step on b.base, once it knows that b.base was current after the
// update began: b.base is published and an update built on it was stored
// after it, or the backend holds nothing newer. It returns errRerun if fn
// must run again: b.base was dropped, or was stale.
func (s *Store) confirm(ctx context.Context, b built) (*Account, error) {
	if s.backend == nil {
		return s.cur.Load(), nil
	}
	// The caller queues nothing while it confirms: the committer need not
	// wait for it.
	s.mu.Lock()
	s.coming--
	s.arrive()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.coming++
		s.mu.Unlock()
	}()
	for {
		s.mu.Lock()
		cur, gen := s.cur.Load(), s.gen
		var ch chan struct{}
		if cur != b.base && gen == b.gen && cur.Revision() < b.base.Revision() {
			ch = s.waitChan() // b.base is still being stored
		}
		s.mu.Unlock()
		switch {
		case cur == b.base:
			newer, err := s.newer(ctx, cur.Revision())
			if err != nil {
				return nil, fmt.Errorf("account: update: confirming that revision %d is current: %w", cur.Revision(), err)
			}
			if !newer {
				return cur, nil
			}
			if _, err := s.CatchUp(ctx); err != nil {
				return nil, fmt.Errorf("account: update: %w", err)
			}
			return nil, errRerun
		case gen != b.gen:
			return nil, errRerun // b.base may have been dropped
		case ch == nil:
			// Updates built on b.base were stored after it: it was current.
			return cur, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("account: update: %w", ctx.Err())
		}
	}
}

// newer reports whether the backend holds an update after rev.
func (s *Store) newer(ctx context.Context, rev uint64) (bool, error) {
	for e, err := range s.backend.Events(ctx, rev) {
		if err != nil {
			return false, err
		}
		if e.Revision > rev {
			return true, nil
		}
	}
	return false, nil
}

// CatchUp reads from the Store's [Backend] the updates stored after the
// current snapshot, such as those other writers committed, and publishes
// them in revision order, each to the observer. It returns the snapshot
// then current. Updates queued on the older snapshot run their callbacks
// again. A Backend shared with other writers, or a process following one,
// calls CatchUp when it learns of new updates; the Store calls it itself
// after [ErrStale] or [ErrOutcomeUnknown].
//
// Events that do not follow the current snapshot are an error wrapping
// [ErrMismatch]; those before it are published. CatchUp on a Store
// without a Backend returns an error wrapping [ErrInvalid].
func (s *Store) CatchUp(ctx context.Context) (*Account, error) {
	if s == nil {
		return nil, errNilStore
	}
	if s.backend == nil {
		return nil, errNoBackend
	}
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case s.pipe <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("account: catch up: %w", ctx.Err())
	}
	defer func() { <-s.pipe }()
	pv, err := s.catchUp(ctx)
	if pv != nil {
		panic(pv)
	}
	if err != nil {
		return nil, err
	}
	return s.cur.Load(), nil
}

// catchUpChunk is the most events of updates from other writers replayed
// at once when there is no observer to call per update.
const catchUpChunk = 4096

// catchUp publishes what the backend holds after the current snapshot. It
// is called with the pipe held. A panic of the observer is returned, after
// catching up went on.
func (s *Store) catchUp(ctx context.Context) (panicked any, err error) {
	h := s.hooks.Load()
	var start time.Time
	if h != nil && h.CatchUpDone != nil {
		start = time.Now()
	}
	cur := s.cur.Load()
	if cur == nil {
		cur = &Account{}
	}
	from := cur.Revision()
	perUpdate := s.observer.Load() != nil
	var (
		group  []Event
		latest time.Time // the commit time of the last update published
	)
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		next, err := cur.Replay(group)
		if err != nil {
			return fmt.Errorf("account: catch up from revision %d: %w", cur.Revision(), err)
		}
		if cur.Revision() == from {
			s.supersede(next.Revision())
		}
		if pv, ok := s.publishRecover(next, group); ok && panicked == nil {
			panicked = pv
		}
		latest = group[len(group)-1].Time
		cur, group = next, group[:0]
		return nil
	}
	for e, rerr := range s.backend.Events(ctx, from) {
		if rerr != nil {
			err = fmt.Errorf("account: catch up from revision %d: %w", cur.Revision(), rerr)
			break
		}
		if e.Revision <= from {
			continue
		}
		if len(group) > 0 && e.Revision != group[len(group)-1].Revision && (perUpdate || len(group) >= catchUpChunk) {
			if err = flush(); err != nil {
				break
			}
		}
		group = append(group, e)
	}
	if err == nil {
		err = flush()
	}
	s.mu.Lock()
	s.stale = err != nil // try again before the next batch
	s.mu.Unlock()
	if h != nil && h.CatchUpDone != nil {
		h.CatchUpDone(CatchUpInfo{From: from, To: s.cur.Load().Revision(), Latest: latest, Duration: time.Since(start), Err: err})
	}
	return panicked, err
}

// supersede drops the updates queued on the current snapshot, which an
// update from another writer, of revision rev, is about to replace: they
// run their callbacks again. Waiters that confirm a snapshot (see confirm)
// learn that it may be stale. It is called with the pipe held.
func (s *Store) supersede(rev uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.queue {
		p.cause = fmt.Errorf("account: update to revision %d: revision %d came from another writer: %w", p.Revision(), rev, ErrStale)
		s.settle(p, errRerun)
	}
	s.queue = nil
	s.tip = nil
	s.gen++
	s.wake()
}

// Apply publishes updates committed elsewhere, as recorded by their
// events, on a Store made by [NewStore]: it replays the events
// ([Account.Replay]) on the current snapshot, publishes the result and
// passes the events to the observer. Events of updates at or below the
// current revision are skipped, so applying an update twice is harmless;
// events that do not follow the current revision are an error wrapping
// [ErrMismatch], and nothing is published. Apply waits for the Store's
// update lock.
//
// A Store with a [Backend] publishes only what its Backend stored: Apply
// on one returns an error wrapping [ErrInvalid]; use [Store.CatchUp].
func (s *Store) Apply(events []Event) (*Account, error) {
	if s == nil {
		return nil, errNilApply
	}
	if s.backend != nil {
		return nil, errApplyBackend
	}
	_ = s.lock(context.Background())
	defer s.unlock()
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
		ch := s.waitChan()
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("account: wait for revision %d: %w", rev, ctx.Err())
		}
	}
}

// waitChan returns a channel closed at the next publish or drop. It is
// called with s.mu held.
func (s *Store) waitChan() chan struct{} {
	if s.changed == nil {
		s.changed = make(chan struct{})
	}
	return s.changed
}

// wake wakes the waiters of waitChan. It is called with s.mu held.
func (s *Store) wake() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

// publish makes next the current snapshot, wakes WaitFor and calls the
// observer with the update's events.
func (s *Store) publish(next *Account, events []Event) {
	s.mu.Lock()
	s.cur.Store(next)
	s.wake()
	s.mu.Unlock()
	if obs := s.observer.Load(); obs != nil {
		(*obs)(events)
	}
}

// publishRecover is publish, returning a panic of the observer instead of
// propagating it.
func (s *Store) publishRecover(next *Account, events []Event) (pv any, panicked bool) {
	defer func() {
		if panicked {
			pv = recover()
		}
	}()
	panicked = true
	s.publish(next, events)
	return nil, false
}

// lock takes the update lock, or returns ctx's error.
func (s *Store) lock(ctx context.Context) error {
	sem := s.cb.Load()
	if sem == nil {
		c := make(chan struct{}, 1)
		s.cb.CompareAndSwap(nil, &c)
		sem = s.cb.Load()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() == nil {
		*sem <- struct{}{}
		return nil
	}
	select {
	case *sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) unlock() { <-*s.cb.Load() }

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
