package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sentinel errors, for [errors.Is].
var (
	// ErrClosed is what an update on the Store of a closed [Replica] returns.
	ErrClosed = errors.New("replica closed")
	// ErrNotFound is what [Open] wraps when the database holds no account
	// of that name.
	ErrNotFound = errors.New("no such account")
)

// channel is the notification channel every commit notifies; see
// notification for the payload.
const channel = "entaccess_updates"

// Defaults of a Replica's background work.
const (
	defaultPoll       = time.Second // how often a replica reads the table whatever notifications say
	defaultCheckpoint = 1000        // updates between checkpoints
	catchUpBatch      = 500         // update rows read per query when catching up
)

// options are a Replica's tunables; tests change them.
type options struct {
	poll       time.Duration         // 0: defaultPoll; < 0: never poll
	checkpoint uint64                // 0: defaultCheckpoint
	notified   func(context.Context) // called before the listener handles a notification
	caughtUp   func()                // called once Open has caught up, before it starts following
}

// A Replica is one process's copy of an account stored in PostgreSQL. Its
// [Replica.Store] answers from memory and commits updates to the database.
type Replica struct {
	pool  *pgxpool.Pool
	name  string
	opts  options
	store *account.Store

	catchMu   sync.Mutex    // one catch-up at a time
	committed atomic.Uint64 // the last revision this replica committed
	closed    atomic.Bool
	bgErr     atomic.Pointer[error] // the last background catch-up's error, nil once one succeeds

	queueMu sync.Mutex
	queue   []*pending    // updates waiting for the flusher, in revision order
	broken  bool          // a group was not stored: refuse updates that may build on it
	stopped bool          // the flusher has stopped: refuse every update
	wake    chan struct{} // tells the flusher the queue has updates

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Create stores a new account, a, under a.Name() and returns a replica of
// it. It returns an error wrapping [account.ErrExists] if the database
// already holds an account of that name, and one wrapping
// [account.ErrInvalid], storing nothing, for an account that Open could not
// read back, such as the zero Account, which has no name.
func Create(ctx context.Context, pool *pgxpool.Pool, a *account.Account) (*Replica, error) {
	return create(ctx, pool, a, options{})
}

func create(ctx context.Context, pool *pgxpool.Pool, a *account.Account, opts options) (*Replica, error) {
	if pool == nil || a == nil {
		return nil, fmt.Errorf("postgres: create: nil pool or account: %w", account.ErrInvalid)
	}
	cp, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("postgres: create %q: %w", a.Name(), err)
	}
	// Store only what Open can read back: the zero Account has no name.
	if _, err := account.ParseJSON(cp); err != nil {
		return nil, fmt.Errorf("postgres: create %q: %w", a.Name(), err)
	}
	tag, err := pool.Exec(ctx, `
INSERT INTO entaccess_accounts (name, revision, checkpoint, checkpoint_revision)
VALUES ($1::text, $2::bigint, $3::jsonb, $2::bigint)
ON CONFLICT (name) DO NOTHING`, a.Name(), int64(a.Revision()), string(cp))
	if err != nil {
		return nil, fmt.Errorf("postgres: create %q: %w", a.Name(), err)
	}
	if tag.RowsAffected() == 0 {
		return nil, fmt.Errorf("postgres: create %q: %w", a.Name(), account.ErrExists)
	}
	return open(ctx, pool, a.Name(), opts)
}

// Open returns a replica of the account stored under name, caught up with
// every update committed before Open was called. It reads the account's
// latest checkpoint and the updates after it, and then follows the
// updates that other replicas commit until [Replica.Close]. It returns an
// error wrapping [ErrNotFound] if the database holds no account of that
// name.
func Open(ctx context.Context, pool *pgxpool.Pool, name string) (*Replica, error) {
	return open(ctx, pool, name, options{})
}

func open(ctx context.Context, pool *pgxpool.Pool, name string, opts options) (*Replica, error) {
	if pool == nil {
		return nil, fmt.Errorf("postgres: open %q: nil pool: %w", name, account.ErrInvalid)
	}
	var (
		cp    []byte
		cpRev int64
	)
	err := pool.QueryRow(ctx, `SELECT checkpoint::text, checkpoint_revision FROM entaccess_accounts WHERE name = $1::text`, name).Scan(&cp, &cpRev)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("postgres: open %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: open %q: %w", name, err)
	}
	a, err := account.ParseJSON(cp)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %q: checkpoint at revision %d: %w", name, cpRev, err)
	}
	if a.Name() != name {
		return nil, fmt.Errorf("postgres: open %q: checkpoint at revision %d names account %q: %w", name, cpRev, a.Name(), account.ErrMismatch)
	}
	r := &Replica{pool: pool, name: name, opts: opts, wake: make(chan struct{}, 1)}
	r.store = account.NewStoreWith(a.WithRevision(uint64(cpRev)), backend{r})
	// Listen before catching up, so that an update committed meanwhile is
	// either read or notified.
	conn, err := r.listen(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %q: %w", name, err)
	}
	if err := r.catchUp(ctx); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("postgres: open %q: %w", name, err)
	}
	if opts.caughtUp != nil {
		opts.caughtUp()
	}
	bg, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(3)
	go r.follow(bg, conn)
	go r.poll(bg)
	go r.flush(bg)
	return r, nil
}

// Store returns the replica's Store, the same one for the replica's life.
// Load never touches the database. An Update commits to PostgreSQL first
// and publishes once the update is committed; its callback may run more
// than once (see [account.Backend]).
func (r *Replica) Store() *account.Store { return r.store }

// Close stops following the database. The Store keeps answering from its
// last snapshot; updates on it fail with an error wrapping [ErrClosed].
// Close does not close the pool. It returns the error of the last
// background catch-up, if that one failed.
func (r *Replica) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	r.cancel()
	r.wg.Wait()
	if p := r.bgErr.Load(); p != nil {
		return *p
	}
	return nil
}

// backend commits a replica's updates; it is the Store's [account.Backend].
type backend struct{ r *Replica }

// commitSQL commits a group of consecutive updates in one statement, and
// so in one transaction: it advances the account's revision from the one
// before the group's first update ($2) to its last ($3) only if the
// revision is still the one the group built on (the row lock serialises
// writers on every replica; a writer that waited finds the revision moved
// and changes nothing), inserts the updates' rows, saves a checkpoint when
// one is given, and notifies the other replicas, once, when the
// transaction commits.
const commitSQL = `
WITH bumped AS (
	UPDATE entaccess_accounts
	   SET revision = $3::bigint,
	       checkpoint = COALESCE($4::jsonb, checkpoint),
	       checkpoint_revision = CASE WHEN $4::jsonb IS NULL THEN checkpoint_revision ELSE $5::bigint END
	 WHERE name = $1::text AND revision = $2::bigint
	RETURNING name
), added AS (
	INSERT INTO entaccess_updates (account, revision, time, time_ns, actor, events)
	SELECT bumped.name, u.revision, u.time, u.time_ns, u.actor, u.events::jsonb
	  FROM bumped, unnest($6::bigint[], $7::timestamptz[], $8::bigint[], $9::text[], $10::text[])
	       AS u(revision, time, time_ns, actor, events)
	RETURNING revision
)
SELECT pg_notify('` + channel + `', $11::text) WHERE EXISTS (SELECT 1 FROM added)`

// maxGroup is the most updates committed in one transaction.
const maxGroup = 128

// A pending update waits in the queue for the flusher to commit it.
type pending struct {
	rev    uint64
	when   time.Time
	actor  string
	events []byte
	cp     *string // the account's JSON, if the update is checkpointed
	done   chan struct{}
	err    error // set before done is closed
}

// Commit implements [account.Backend]: it queues the update and returns a
// wait that returns once the replica's flusher has committed it, with the
// other updates queued meanwhile, in one transaction. A group built on a
// revision that another replica has already moved past is refused: the
// waits of its updates, and of those queued after them, return errors
// wrapping [account.ErrStale], and the Store catches up and runs their
// callbacks again. Until an update builds on the Store's published
// snapshot again, Commit refuses the updates that may build on a refused
// one.
func (b backend) Commit(ctx context.Context, next *account.Account, events []account.Event) (func() error, error) {
	r := b.r
	if r.closed.Load() {
		return nil, fmt.Errorf("postgres: update %q: %w", r.name, ErrClosed)
	}
	rev := next.Revision()
	data, err := encodeEvents(events)
	if err != nil {
		return nil, fmt.Errorf("postgres: update %q: %w", r.name, err)
	}
	p := &pending{rev: rev, events: data, done: make(chan struct{})}
	if every := r.checkpointEvery(); rev%every == 0 {
		j, err := json.Marshal(next)
		if err != nil {
			return nil, fmt.Errorf("postgres: update %q: checkpoint: %w", r.name, err)
		}
		s := string(j)
		p.cp = &s
	}
	if len(events) > 0 {
		p.actor, p.when = events[0].Actor, events[0].Time
	}
	r.queueMu.Lock()
	defer r.queueMu.Unlock()
	switch {
	case r.stopped:
		return nil, fmt.Errorf("postgres: update %q: %w", r.name, ErrClosed)
	case r.broken && rev != r.store.Load().Revision()+1:
		return nil, fmt.Errorf("postgres: update %q to revision %d: an update before it was not stored: %w", r.name, rev, account.ErrStale)
	}
	r.broken = false
	r.queue = append(r.queue, p)
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return func() error { <-p.done; return p.err }, nil
}

// flush commits the queued updates, a group at a time, until ctx is done;
// then it refuses the updates still queued. A group under way when ctx is
// done is finished first.
func (r *Replica) flush(ctx context.Context) {
	defer r.wg.Done()
	for {
		select {
		case <-ctx.Done():
			r.queueMu.Lock()
			r.stopped = true
			left := r.queue
			r.queue = nil
			r.queueMu.Unlock()
			for _, p := range left {
				p.err = fmt.Errorf("postgres: update %q to revision %d: %w", r.name, p.rev, ErrClosed)
				close(p.done)
			}
			return
		case <-r.wake:
		}
		for {
			r.queueMu.Lock()
			n := min(len(r.queue), maxGroup)
			group := r.queue[:n:n]
			r.queue = r.queue[n:]
			r.queueMu.Unlock()
			if n == 0 {
				break
			}
			r.commitGroup(context.WithoutCancel(ctx), group)
		}
	}
}

// commitGroup commits group, consecutive updates, in one transaction. If
// that fails, it fails the group's updates with the error and refuses the
// updates queued after them, which built on them.
func (r *Replica) commitGroup(ctx context.Context, group []*pending) {
	err := r.insertGroup(ctx, group)
	if err == nil {
		r.committed.Store(group[len(group)-1].rev)
		for _, p := range group {
			close(p.done)
		}
		return
	}
	r.queueMu.Lock()
	r.broken = true
	later := r.queue
	r.queue = nil
	r.queueMu.Unlock()
	for _, p := range group {
		p.err = err
		close(p.done)
	}
	for _, p := range later {
		p.err = fmt.Errorf("postgres: update %q to revision %d: an update before it was not stored: %w", r.name, p.rev, account.ErrStale)
		close(p.done)
	}
}

// insertGroup runs commitSQL for group and reports why nothing was stored, if
// nothing was.
func (r *Replica) insertGroup(ctx context.Context, group []*pending) error {
	first, last := group[0].rev, group[len(group)-1].rev
	var (
		cp    *string
		cpRev int64
		revs  = make([]int64, len(group))
		times = make([]time.Time, len(group))
		nanos = make([]int64, len(group))
		actor = make([]string, len(group))
		data  = make([]string, len(group))
		notes = make([]notified, len(group))
	)
	for i, p := range group {
		if p.cp != nil {
			cp, cpRev = p.cp, int64(p.rev)
		}
		revs[i], times[i], nanos[i] = int64(p.rev), p.when.Truncate(time.Microsecond), p.when.UnixNano()
		actor[i], data[i] = p.actor, string(p.events)
		notes[i] = notified{rev: p.rev, when: p.when, events: p.events}
	}
	payload := notification(r.name, notes)
	tag, err := r.pool.Exec(ctx, commitSQL, r.name, int64(first)-1, int64(last), cp, cpRev, revs, times, nanos, actor, data, payload)
	if err != nil {
		return fmt.Errorf("postgres: update %q to revision %d: %w", r.name, last, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	// Nothing changed: someone else committed this revision, or the row is gone.
	var have int64
	err = r.pool.QueryRow(ctx, `SELECT revision FROM entaccess_accounts WHERE name = $1::text`, r.name).Scan(&have)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("postgres: update %q: the account is no longer in the database", r.name)
	case err != nil:
		return fmt.Errorf("postgres: update %q to revision %d: %w", r.name, first, err)
	case uint64(have) >= first:
		return fmt.Errorf("postgres: update %q to revision %d: the database is at revision %d: %w", r.name, first, have, account.ErrStale)
	}
	return fmt.Errorf("postgres: update %q to revision %d: the database is at revision %d, behind this replica: %w", r.name, first, have, account.ErrMismatch)
}

// CatchUp implements [account.CatchUpper].
func (b backend) CatchUp(ctx context.Context) error { return b.r.catchUp(ctx) }

func (r *Replica) checkpointEvery() uint64 {
	if r.opts.checkpoint > 0 {
		return r.opts.checkpoint
	}
	return defaultCheckpoint
}

// catchUp applies every update committed after the Store's revision, in
// revision order.
func (r *Replica) catchUp(ctx context.Context) error {
	r.catchMu.Lock()
	defer r.catchMu.Unlock()
	for {
		from := r.store.Load().Revision()
		events, n, err := r.updatesAfter(ctx, from)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		if _, err := r.store.Apply(events); err != nil {
			return fmt.Errorf("postgres: catch up %q from revision %d: %w", r.name, from, err)
		}
		if n < catchUpBatch {
			return nil
		}
	}
}

// updatesAfter reads the events of the next updates after revision from,
// at most catchUpBatch of them, and returns them with the number of
// updates read. The updates must follow from without a gap.
func (r *Replica) updatesAfter(ctx context.Context, from uint64) ([]account.Event, int, error) {
	rows, err := r.pool.Query(ctx, `
SELECT revision, time_ns, events::text FROM entaccess_updates
 WHERE account = $1::text AND revision > $2::bigint
 ORDER BY revision LIMIT `+strconv.Itoa(catchUpBatch), r.name, int64(from))
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: catch up %q from revision %d: %w", r.name, from, err)
	}
	defer rows.Close()
	var (
		events []account.Event
		want   = from + 1
	)
	for rows.Next() {
		var (
			rev  int64
			nano int64
			data []byte
		)
		if err := rows.Scan(&rev, &nano, &data); err != nil {
			return nil, 0, fmt.Errorf("postgres: catch up %q: %w", r.name, err)
		}
		if uint64(rev) != want {
			return nil, 0, fmt.Errorf("postgres: catch up %q: revision %d follows revision %d: %w", r.name, rev, want-1, account.ErrMismatch)
		}
		es, err := decodeEvents(r.name, uint64(rev), time.Unix(0, nano), data)
		if err != nil {
			return nil, 0, err
		}
		events = append(events, es...)
		want++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("postgres: catch up %q from revision %d: %w", r.name, from, err)
	}
	return events, int(want - from - 1), nil
}

// background runs a catch-up for the listener or the poller and keeps its
// outcome for Close.
func (r *Replica) background(ctx context.Context) {
	err := r.catchUp(ctx)
	if err != nil && ctx.Err() == nil {
		r.bgErr.Store(&err)
		return
	}
	if err == nil {
		r.bgErr.Store(nil)
	}
}

// listen opens the replica's own connection and listens on the channel.
func (r *Replica) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, r.pool.Config().ConnConfig)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("listen: %w", err)
	}
	return conn, nil
}

// follow waits for notifications on conn and catches up on each one that
// is news. When the connection fails it reconnects, listens again and then
// catches up, since notifications sent meanwhile are lost.
func (r *Replica) follow(ctx context.Context, conn *pgx.Conn) {
	defer r.wg.Done()
	backoff := 50 * time.Millisecond
	for {
		if conn == nil {
			var err error
			conn, err = r.listen(ctx)
			if err != nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(backoff):
				}
				backoff = min(2*backoff, 2*time.Second)
				continue
			}
			backoff = 50 * time.Millisecond
			r.background(ctx)
		}
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if r.opts.notified != nil {
			r.opts.notified(ctx)
		}
		name, updates, ok := parseNotification(n.Payload)
		if !ok || name != r.name {
			continue
		}
		last := updates[len(updates)-1]
		if last.rev <= r.committed.Load() || last.rev <= r.store.Load().Revision() {
			continue // ours, or applied already
		}
		if last.events != nil && r.applyNotified(updates) {
			continue
		}
		r.background(ctx)
	}
}

// A notified update is one update a notification names: its revision,
// its commit time and, if the notification carries them, its events.
type notified struct {
	rev    uint64
	when   time.Time
	events []byte
}

// notification is the payload a commit of updates sends: for each update,
// a line with the revision, the commit time in nanoseconds since 1970 UTC
// (exactly, as the table's time_ns) and the account's name, then a line
// with the update's events, so that a replica just behind applies them
// without reading the table, with the same values. If they do not fit in
// a notification, it is only the last update's first line.
func notification(name string, updates []notified) string {
	head := func(u notified) string {
		return strconv.FormatUint(u.rev, 10) + " " + strconv.FormatInt(u.when.UnixNano(), 10) + " " + name
	}
	var b strings.Builder
	for _, u := range updates {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(head(u))
		b.WriteByte('\n')
		b.Write(u.events)
		if b.Len() > maxPayload {
			return head(updates[len(updates)-1])
		}
	}
	return b.String()
}

// maxPayload is the largest payload sent with the events: PostgreSQL's
// limit is 8000 bytes.
const maxPayload = 7900

// parseNotification reads a payload that notification made: the account's
// name and the updates, in order, the last one at least. The updates have
// events only if the payload carries them for all.
func parseNotification(p string) (name string, updates []notified, ok bool) {
	lines := strings.Split(p, "\n")
	if len(lines) > 1 && len(lines)%2 != 0 {
		return "", nil, false
	}
	for i := 0; i < len(lines); i += 2 {
		revText, rest, ok1 := strings.Cut(lines[i], " ")
		nanoText, n, ok2 := strings.Cut(rest, " ")
		rev, err1 := strconv.ParseUint(revText, 10, 64)
		nano, err2 := strconv.ParseInt(nanoText, 10, 64)
		if !ok1 || !ok2 || err1 != nil || err2 != nil || (i > 0 && n != name) {
			return "", nil, false
		}
		name = n
		u := notified{rev: rev, when: time.Unix(0, nano).UTC()}
		if i+1 < len(lines) {
			u.events = []byte(lines[i+1])
		}
		updates = append(updates, u)
	}
	return name, updates, true
}

// applyNotified applies the updates a notification carried, if they follow
// the Store's revision; it reports whether it did.
func (r *Replica) applyNotified(updates []notified) bool {
	r.catchMu.Lock()
	defer r.catchMu.Unlock()
	from := r.store.Load().Revision()
	if updates[0].rev > from+1 {
		return false
	}
	var events []account.Event
	for i, u := range updates {
		if i > 0 && u.rev != updates[i-1].rev+1 {
			return false
		}
		if u.rev <= from {
			continue
		}
		es, err := decodeEvents(r.name, u.rev, u.when, u.events)
		if err != nil {
			return false
		}
		events = append(events, es...)
	}
	_, err := r.store.Apply(events)
	return err == nil
}

// poll catches up at every interval, so that a lost notification delays
// a change by at most one interval.
func (r *Replica) poll(ctx context.Context) {
	defer r.wg.Done()
	every := r.opts.poll
	if every == 0 {
		every = defaultPoll
	}
	if every < 0 {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.background(ctx)
		}
	}
}
