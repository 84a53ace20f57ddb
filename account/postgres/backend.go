package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of a replica's storage.
const (
	defaultCheckpoint = 1000 // updates between checkpoints
	readBatch         = 500  // updates read per query
)

// A position is a revision of the stored history with the digest of its
// update (or the seed, before any stored update).
type position struct {
	rev  uint64
	head digest
}

// A backend stores one account's updates in the tables and reads them
// back; it is the [account.Backend] of a replica's Store. It remembers the
// last position it stored or read, so that it links the next update to it
// and checks that the history it reads next continues from it.
type backend struct {
	pool       *pgxpool.Pool
	name       string
	checkpoint uint64 // updates between checkpoints
	channel    string // notified after each batch stored; "" for none
	log        func() *slog.Logger

	mu  sync.Mutex
	pos position

	broken   atomic.Pointer[error] // the stored history failed a check: refuse to store
	inflight sync.RWMutex          // held for reading by Append, for writing by close
	closed   atomic.Bool
}

// close makes the backend refuse batches from now on, once the batch
// under way, if any, is stored or not.
func (b *backend) close() {
	b.inflight.Lock()
	b.closed.Store(true)
	b.inflight.Unlock()
}

// appendSQL stores a batch of consecutive updates in one statement, and so
// in one transaction: it advances the account's row from the revision and
// head the batch built on ($2, $9) to its last update's ($3, $4) only if
// the row still holds them (the row lock serialises writers on every
// replica; a writer that waited finds the row moved and changes nothing),
// saves a checkpoint when one is given, and inserts the updates' rows. It
// returns the number of rows inserted and the row's revision and head as
// they were before the statement, to tell a stale batch from a damaged
// history.
const appendSQL = `
WITH bumped AS (
	UPDATE entaccess_accounts
	   SET revision = $3::bigint,
	       head = $4::bytea,
	       checkpoint = COALESCE($5::jsonb, checkpoint),
	       checkpoint_revision = CASE WHEN $5::jsonb IS NULL THEN checkpoint_revision ELSE $6::bigint END,
	       checkpoint_head = CASE WHEN $5::jsonb IS NULL THEN checkpoint_head ELSE $7::bytea END,
	       checkpoint_seal = CASE WHEN $5::jsonb IS NULL THEN checkpoint_seal ELSE $8::bytea END
	 WHERE name = $1::text AND revision = $2::bigint AND head = $9::bytea
	RETURNING name
), added AS (
	INSERT INTO entaccess_updates (account, revision, time, time_ns, actor, events, hash)
	SELECT bumped.name, u.revision, u.time, u.time_ns, u.actor, u.events::jsonb, u.hash
	  FROM bumped, unnest($10::bigint[], $11::timestamptz[], $12::bigint[], $13::text[], $14::text[], $15::bytea[])
	       AS u(revision, time, time_ns, actor, events, hash)
	RETURNING 1
)
SELECT (SELECT count(*) FROM added), a.revision, a.head FROM entaccess_accounts a WHERE a.name = $1::text`

// Append implements [account.Backend]: it stores batch in one transaction,
// or nothing. It returns an error wrapping [account.ErrStale] if another
// writer stored the batch's first revision first, and one wrapping
// [account.ErrOutcomeUnknown] if the connection failed while the
// transaction may have been committing. ctx reaches the database: when it
// ends, the statement is cancelled there, and its deadline becomes the
// statement's timeout, so that a batch waiting for the account's row lock
// gives up and stores nothing (see exec).
func (b *backend) Append(ctx context.Context, batch []account.Update) error {
	if len(batch) == 0 {
		return nil
	}
	first, last := batch[0].Revision(), batch[len(batch)-1].Revision()
	fail := func(err error) error {
		return fmt.Errorf("postgres: update %q to revision %d: %w", b.name, last, err)
	}
	// Close waits for the batch under way.
	b.inflight.RLock()
	defer b.inflight.RUnlock()
	if b.closed.Load() {
		return fail(ErrClosed)
	}
	if p := b.broken.Load(); p != nil {
		return fail(fmt.Errorf("refused until the replica is reopened: %w", *p))
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	prev, err := b.headBefore(ctx, first)
	if err != nil {
		return fail(err)
	}
	args, head, err := b.prepare(prev, batch)
	if err != nil {
		return fail(err)
	}
	n := len(batch)
	var (
		added   int64
		haveRev int64
		have    []byte
	)
	err = b.exec(ctx, func(q *pgx.Batch) {
		q.Queue(appendSQL, args...).QueryRow(func(row pgx.Row) error {
			return row.Scan(&added, &haveRev, &have)
		})
	}, b.notification(last, head))
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fail(fmt.Errorf("the account is no longer in the database: %w", ErrNotFound))
	case err != nil:
		return fail(err)
	case added == int64(n):
		b.mu.Lock()
		b.pos = position{rev: last, head: head}
		b.mu.Unlock()
		return nil
	case added != 0:
		return fail(fmt.Errorf("stored %d of %d updates: %w", added, n, account.ErrOutcomeUnknown))
	}
	// Nothing stored: another writer got there first, or the row does not
	// hold what this backend read.
	got, _ := toDigest(have)
	switch {
	case uint64(haveRev) > first-1:
		return fail(fmt.Errorf("the database is at revision %d: %w", haveRev, account.ErrStale))
	case uint64(haveRev) < first-1:
		return fail(b.damaged(mismatch(b.name, first-1, "the database is at revision %d, behind this replica", haveRev)))
	case got != prev:
		return fail(b.damaged(mismatch(b.name, first-1, "the account's head is %s, this replica read %s: the history was rewritten", got, prev)))
	}
	// The row moved while this statement waited for its lock.
	return fail(fmt.Errorf("another writer stored revision %d first: %w", first, account.ErrStale))
}

// prepare returns the arguments of appendSQL that store batch after the
// update whose digest is prev, and the digest of batch's last update.
func (b *backend) prepare(prev digest, batch []account.Update) ([]any, digest, error) {
	var (
		n      = len(batch)
		revs   = make([]int64, n)
		times  = make([]time.Time, n)
		nanos  = make([]int64, n)
		actors = make([]string, n)
		data   = make([]string, n)
		hashes = make([][]byte, n)
		cp     *string
		cpRev  int64
		cpHead digest
		cpSeal digest
		head   = prev
		every  = b.checkpointEvery()
	)
	for i, u := range batch {
		if u.Account == nil || len(u.Events) == 0 {
			return nil, head, fmt.Errorf("an update without an account or events: %w", account.ErrInvalid)
		}
		rev := u.Revision()
		if i > 0 && rev != uint64(revs[i-1])+1 {
			return nil, head, fmt.Errorf("revision %d follows %d in one batch: %w", rev, revs[i-1], account.ErrInvalid)
		}
		at := u.Events[0].Time.UTC()
		canonical, err := encodeEvents(u.Events)
		if err != nil {
			return nil, head, err
		}
		head = link(head, rev, at.UnixNano(), canonical)
		h := head // hashes[i] must not alias head, which the next update changes
		revs[i], times[i], nanos[i] = int64(rev), at.Truncate(time.Microsecond), at.UnixNano()
		actors[i], data[i], hashes[i] = u.Events[0].Actor, string(canonical), h[:]
		if rev%every == 0 {
			j, err := json.Marshal(u.Account)
			if err != nil {
				return nil, head, fmt.Errorf("checkpoint: %w", err)
			}
			s := string(j)
			cp, cpRev, cpHead, cpSeal = &s, int64(rev), head, seal(rev, head, j)
		}
	}
	first, last := batch[0].Revision(), batch[n-1].Revision()
	return []any{b.name, int64(first) - 1, int64(last), head[:], cp, cpRev, cpHead[:], cpSeal[:], prev[:],
		revs, times, nanos, actors, data, hashes}, head, nil
}

// headBefore returns the digest of the update at rev-1: the position this
// backend stored or read last, or else the account's row, if it is there.
func (b *backend) headBefore(ctx context.Context, rev uint64) (digest, error) {
	b.mu.Lock()
	pos := b.pos
	b.mu.Unlock()
	if pos.rev == rev-1 {
		return pos.head, nil
	}
	var (
		have int64
		head []byte
	)
	err := b.pool.QueryRow(ctx, `SELECT revision, head FROM entaccess_accounts WHERE name = $1::text`, b.name).Scan(&have, &head)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return digest{}, fmt.Errorf("the account is no longer in the database: %w", ErrNotFound)
	case err != nil:
		return digest{}, err
	case uint64(have) > rev-1:
		return digest{}, fmt.Errorf("the database is at revision %d: %w", have, account.ErrStale)
	case uint64(have) < rev-1:
		return digest{}, b.damaged(mismatch(b.name, rev-1, "the database is at revision %d, behind this replica", have))
	}
	d, ok := toDigest(head)
	if !ok {
		return digest{}, b.damaged(mismatch(b.name, rev-1, "the account's head is not a digest"))
	}
	return d, nil
}

// cancelWait is how long exec waits for the server to cancel a statement
// whose context is done before it drops the connection.
const cancelWait = 5 * time.Second

// A notification is a statement that wakes the account's other replicas
// once a batch is stored: NOTIFY on the account's channel with the batch's
// last revision, if the account's head is the batch's (so a batch that
// stored nothing sends nothing).
type notification struct {
	sql  string
	args []any
}

func (b *backend) notification(last uint64, head digest) *notification {
	if b.channel == "" {
		return nil
	}
	return &notification{
		sql:  `SELECT pg_notify($1::text, $2::text) FROM entaccess_accounts WHERE name = $3::text AND head = $4::bytea`,
		args: []any{b.channel, strconv.FormatUint(last, 10), b.name, head[:]},
	}
}

// exec runs the statements queue makes in one transaction (BEGIN …
// COMMIT), then the notification, if any, in a transaction of its own
// after the commit, all sent in one round trip: so the notification costs
// no round trip of its own, and a notification that fails (a full
// notification queue) cannot fail the commit.
//
// When ctx is done before the answer, exec asks the server to cancel the
// statements (a cancel request, as psql's Ctrl-C), so that a statement
// waiting for the account's row lock gives up and the outcome is known; it
// drops the connection only if the server does not answer within
// cancelWait. A ctx deadline also bounds the statements in the server
// (statement_timeout). exec reports an error wrapping
// [account.ErrOutcomeUnknown] unless it knows whether the transaction
// committed: the statements were never sent, the server reported an error
// that aborted them, or the commit's answer arrived.
func (b *backend) exec(ctx context.Context, queue func(*pgx.Batch), note *notification) error {
	q := &pgx.Batch{}
	q.Queue("BEGIN")
	if deadline, ok := ctx.Deadline(); ok {
		// Leave a margin so that the server gives up before the client
		// does: then the outcome is known.
		left := time.Until(deadline)
		left -= min(left/10, 50*time.Millisecond)
		if left < time.Millisecond {
			return fmt.Errorf("deadline too near to store anything: %w", context.DeadlineExceeded)
		}
		q.Queue(`SELECT set_config('statement_timeout', $1::text, true)`, strconv.FormatInt(left.Milliseconds(), 10))
	}
	queue(q)
	committed := false
	q.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
		if ct.String() != "COMMIT" { // "ROLLBACK": the transaction had failed
			return errors.New("the transaction rolled back")
		}
		committed = true
		return nil
	})
	if note != nil {
		q.Queue(note.sql, note.args...)
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return err // nothing sent
	}
	run, drop := context.WithCancel(context.WithoutCancel(ctx))
	defer drop()
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		cctx, cancel := context.WithTimeout(context.Background(), cancelWait)
		defer cancel()
		if conn.Conn().PgConn().CancelRequest(cctx) != nil {
			drop()
			return
		}
		time.AfterFunc(cancelWait, drop)
	})
	err = conn.SendBatch(run, q).Close()
	if !stop() {
		// A cancel request was sent: it may still reach the server after
		// the statements ended, and cancel the connection's next user's.
		<-fired
		conn.Conn().Close(context.Background())
	}
	conn.Release() // a connection left in a transaction is dropped, not reused
	switch {
	case committed && err != nil:
		b.log().LogAttrs(ctx, slog.LevelWarn, "postgres: notifying the other replicas failed; they will poll",
			slog.String("account", b.name), slog.Any("err", err))
		return nil
	case committed:
		return nil
	}
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && pe.Severity == "ERROR":
		if pe.Code == "57014" { // query_canceled: by the cancel request, or by statement_timeout
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("nothing stored: %w (%w)", pe, err)
			}
			if _, ok := ctx.Deadline(); ok {
				return fmt.Errorf("nothing stored: %w (%w)", pe, context.DeadlineExceeded)
			}
		}
		return err
	case errors.Is(err, pgx.ErrNoRows), pgconn.SafeToRetry(err):
		return err
	case err == nil:
		return errors.New("no answer to the commit")
	}
	return fmt.Errorf("%w: %w", err, account.ErrOutcomeUnknown)
}

// damaged records err, a failed check of the stored history, so that the
// backend refuses to store until it is made again, and returns it.
func (b *backend) damaged(err error) error {
	if errors.Is(err, account.ErrMismatch) {
		b.broken.CompareAndSwap(nil, &err)
	}
	return err
}

func (b *backend) checkpointEvery() uint64 {
	if b.checkpoint > 0 {
		return b.checkpoint
	}
	return defaultCheckpoint
}

// Events implements [account.Backend]: the events of the updates stored
// after revision after, read from the table and checked (see read). It
// continues from the position this backend stored or read last, when
// after is that position, and moves the position along as it yields each
// update's last event.
func (b *backend) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		var start *digest
		b.mu.Lock()
		if b.pos.rev == after {
			h := b.pos.head
			start = &h
		}
		b.mu.Unlock()
		for {
			ups, err := read(ctx, b.pool, b.name, after, start, readBatch)
			if err != nil {
				yield(account.Event{}, b.damaged(err))
				return
			}
			for _, u := range ups {
				for _, e := range u.events {
					if !yield(e, nil) {
						return
					}
				}
				b.mu.Lock()
				if b.pos.rev == u.rev-1 {
					b.pos = position{rev: u.rev, head: u.hash}
				}
				b.mu.Unlock()
			}
			if len(ups) < readBatch {
				return
			}
			last := ups[len(ups)-1]
			after, start = last.rev, &last.hash
		}
	}
}

// A stored update is one row of the updates table, read and checked.
type stored struct {
	rev    uint64
	events []account.Event
	hash   digest
}

// readSQL reads the account's revision and head and, in the same
// snapshot, its updates from revision $2 on, at most $3 of them.
const readSQL = `
SELECT a.revision, a.head, u.revision, u.time_ns, u.hash, u.events::text
  FROM entaccess_accounts a
  LEFT JOIN LATERAL (
	SELECT revision, time_ns, hash, events FROM entaccess_updates
	 WHERE account = a.name AND revision >= $2::bigint
	 ORDER BY revision LIMIT $3::bigint
  ) u ON true
 WHERE a.name = $1::text
 ORDER BY u.revision`

// read returns the updates of account name stored after revision after,
// at most limit of them, in one query, and checks them: revisions follow
// after without a gap, each update's digest links it to the one before
// (start, the digest at after; if nil, the stored update at after's, or
// the seed if there is none), and the history goes on to the account's
// revision, where the last digest is the account's head. Any failed check
// is an error wrapping [account.ErrMismatch] that names the revision.
func read(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, name string, after uint64, start *digest, limit int) ([]stored, error) {
	from, n := after+1, limit
	if start == nil {
		from, n = after, limit+1
	}
	rows, err := q.Query(ctx, readSQL, name, int64(from), int64(n))
	if err != nil {
		return nil, fmt.Errorf("postgres: read %q after revision %d: %w", name, after, err)
	}
	defer rows.Close()
	var (
		out    []stored
		prev   digest
		dbRev  int64
		dbHead []byte
		found  bool
	)
	if start != nil {
		prev = *start
	} else {
		prev = seed(name)
	}
	want := after + 1
	for rows.Next() {
		var (
			rev, nanos *int64
			hash       []byte
			events     *string
		)
		if err := rows.Scan(&dbRev, &dbHead, &rev, &nanos, &hash, &events); err != nil {
			return nil, fmt.Errorf("postgres: read %q after revision %d: %w", name, after, err)
		}
		found = true
		if rev == nil {
			continue // no update after the account's row
		}
		r := uint64(*rev)
		h, ok := toDigest(hash)
		if !ok {
			return nil, mismatch(name, r, "the stored digest is not one")
		}
		if start == nil && r == after {
			prev = h // where the history read continues from
			continue
		}
		if r != want {
			return nil, mismatch(name, want, "missing: the next stored update is revision %d", r)
		}
		if r > uint64(dbRev) {
			return nil, mismatch(name, r, "stored beyond the account's revision, %d", dbRev)
		}
		es, canonical, err := decodeEvents(name, r, *nanos, []byte(*events))
		if err != nil {
			return nil, err
		}
		if link(prev, r, *nanos, canonical) != h {
			return nil, mismatch(name, r, "the digest does not match the update: it, or one before it, was changed")
		}
		out = append(out, stored{rev: r, events: es, hash: h})
		prev = h
		want++
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: read %q after revision %d: %w", name, after, err)
	}
	if !found {
		return nil, fmt.Errorf("postgres: read %q: %w", name, ErrNotFound)
	}
	db := uint64(dbRev)
	last := want - 1
	switch {
	case db < after:
		return nil, &beyondError{name: name, after: after, db: db}
	case last < min(db, after+uint64(limit)):
		return nil, mismatch(name, last+1, "missing: the stored history ends at revision %d, the account is at %d", last, db)
	case last == db:
		if h, _ := toDigest(dbHead); h != prev {
			return nil, mismatch(name, db, "the account's head does not match the stored history: it was changed")
		}
	}
	return out, nil
}

// A beyondError is a read after a revision the account has not reached:
// for a replica that read that revision before, the database lost it.
type beyondError struct {
	name      string
	after, db uint64
}

func (e *beyondError) Error() string {
	return fmt.Sprintf("postgres: account %q revision %d: the account is at revision %d, behind what was read before: %v", e.name, e.after, e.db, account.ErrMismatch)
}

func (e *beyondError) Unwrap() error { return account.ErrMismatch }
