package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/entaccess/entaccess/account"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// ErrClosed is what the Store of a closed [DB] returns for an update.
var ErrClosed = errors.New("sqlite: closed")

// A DB is an account kept in a SQLite file. Its methods are safe for
// concurrent use.
type DB struct {
	path    string
	sql     *sql.DB
	initial *account.Account // as stored at Create
	seed    []byte           // its hash
	store   *account.Store
	closed  atomic.Bool
	every   uint64 // updates between checkpoints
}

// DefaultCheckpointEvery is how many updates apart Append stores a
// checkpoint of the account, unless [CheckpointEvery] says otherwise.
const DefaultCheckpointEvery = 1000

// An Option tunes a [DB] at [Create] or [Open].
type Option func(*DB) error

// CheckpointEvery makes the DB store a checkpoint of the account with
// every update whose revision is a multiple of n, n ≥ 1. It applies to the
// updates this DB appends; several DBs on one file may differ.
func CheckpointEvery(n int) Option {
	return func(d *DB) error {
		if n < 1 {
			return fmt.Errorf("checkpoint every %d updates: want 1 or more: %w", n, account.ErrInvalid)
		}
		d.every = uint64(n)
		return nil
	}
}

func newDB(path string, opts []Option) (*DB, error) {
	d := &DB{path: path, every: DefaultCheckpointEvery}
	for _, o := range opts {
		if err := o(d); err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", path, err)
		}
	}
	return d, nil
}

const schema = `
CREATE TABLE account (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	initial  TEXT NOT NULL,    -- the account at Create, as JSON
	origin   INTEGER NOT NULL, -- its revision
	revision INTEGER NOT NULL, -- the revision last committed
	head     BLOB NOT NULL     -- the hash of that update (of the seed at first)
) STRICT;
CREATE TABLE updates (
	revision INTEGER PRIMARY KEY,
	events   TEXT NOT NULL,    -- the update's events, as a JSON array
	hash     BLOB NOT NULL     -- link(the hash before, revision, events)
) STRICT;` + checkpoints

const checkpoints = `
CREATE TABLE IF NOT EXISTS checkpoints (
	revision INTEGER PRIMARY KEY,
	account  TEXT NOT NULL,    -- the account at revision, as JSON
	head     BLOB NOT NULL,    -- the hash of the update of revision
	seal     BLOB NOT NULL     -- seal(revision, head, account)
) STRICT;`

// The stored history is a hash chain: the seed seals the account stored at
// Create, each update's hash covers the hash before it, and the account
// row holds the last one. Every read checks the links it reads, and Open
// checks the head, so an edit of the file shows as [account.ErrMismatch].
func seed(origin uint64, initial []byte) []byte {
	h := sha256.New()
	h.Write([]byte("entaccess/sqlite seed\x00"))
	h.Write(binary.BigEndian.AppendUint64(nil, origin))
	h.Write(initial)
	return h.Sum(nil)
}

func link(prev []byte, rev uint64, events []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(binary.BigEndian.AppendUint64(nil, rev))
	h.Write(events)
	return h.Sum(nil)
}

// A checkpoint's seal ties its account to the hash of the update it
// stands for, which the updates after it link to.
func seal(rev uint64, head, acct []byte) []byte {
	h := sha256.New()
	h.Write([]byte("entaccess/sqlite checkpoint\x00"))
	h.Write(binary.BigEndian.AppendUint64(nil, rev))
	h.Write(head)
	h.Write(acct)
	return h.Sum(nil)
}

// open opens path with the settings every connection needs: an immediate
// write lock for transactions (so two writers never deadlock upgrading a
// read lock), WAL with full syncs, and a wait for a busy lock.
func open(path, mode string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	q := url.Values{"mode": {mode}, "_txlock": {"immediate"}, "_pragma": {
		"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(FULL)",
	}}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	return sql.Open("sqlite", dsn)
}

// existsError is Create's error for a file that holds an account: it
// matches both [account.ErrExists] and [fs.ErrExist].
type existsError struct{}

func (existsError) Error() string { return "holds an account: " + account.ErrExists.Error() }

func (existsError) Is(target error) bool { return target == account.ErrExists || target == fs.ErrExist }

// Create makes the SQLite file path hold account a, creating the file if
// it is missing, and returns the DB whose Store starts at a. If the file
// already holds an account, the error wraps [account.ErrExists] and
// [fs.ErrExist].
func Create(ctx context.Context, path string, a *account.Account, opts ...Option) (*DB, error) {
	d, err := newDB(path, opts)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, fmt.Errorf("sqlite: create %s: nil account: %w", path, account.ErrInvalid)
	}
	initial, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	db, err := open(path, "rwc")
	if err != nil {
		return nil, err
	}
	err = inTx(ctx, db, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'account'`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return existsError{}
		}
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO account (id, initial, origin, revision, head) VALUES (1, ?, ?, ?, ?)`,
			string(initial), a.Revision(), a.Revision(), seed(a.Revision(), initial))
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	d.sql, d.initial, d.seed = db, a, seed(a.Revision(), initial)
	d.store = account.NewStoreWith(a, (*backend)(d))
	return d, nil
}

// Open opens the account in the SQLite file path, made by [Create], and
// returns the DB whose Store holds its last committed revision. A missing
// file, or one that holds no account, is an error wrapping
// [fs.ErrNotExist]. Open starts from the latest checkpoint and replays
// the updates after it; see the package docs.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	d, err := newDB(path, opts)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	if d.sql, err = open(path, "rw"); err != nil {
		return nil, err
	}
	db := d.sql
	var (
		stamp      uint64
		head, last []byte
		cur        *account.Account
	)
	d.initial, d.seed, stamp, head, err = load(ctx, db)
	if err == nil {
		_, err = db.ExecContext(ctx, checkpoints) // files made before checkpoints
	}
	if err == nil {
		cur, last, err = d.checkpoint(ctx, stamp)
	}
	if err == nil {
		from := cur.Revision()
		cur, err = account.ReplayTo(ctx, cur, d.events(ctx, from, last), stamp)
		if errors.Is(err, account.ErrNotCommitted) {
			err = fmt.Errorf("the updates end before revision %d, which the account row holds: %w", stamp, errors.Join(err, account.ErrMismatch))
		}
		if err == nil && stamp > from {
			err = db.QueryRowContext(ctx, `SELECT hash FROM updates WHERE revision = ?`, stamp).Scan(&last)
		}
		if err == nil && !bytes.Equal(last, head) {
			err = fmt.Errorf("revision %d's hash is not the head the account row holds: %w", stamp, account.ErrMismatch)
		}
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d.store = account.NewStoreWith(cur, (*backend)(d))
	return d, nil
}

// load reads the account stored at Create, its seed, and the revision and
// hash last committed, and checks that the file holds an account.
func load(ctx context.Context, db *sql.DB) (initial *account.Account, sd []byte, stamp uint64, head []byte, err error) {
	var (
		text   string
		origin uint64
	)
	err = db.QueryRowContext(ctx, `SELECT initial, origin, revision, head FROM account WHERE id = 1`).Scan(&text, &origin, &stamp, &head)
	if err != nil {
		var n int
		if db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'account'`).Scan(&n) == nil && n == 0 {
			err = fmt.Errorf("holds no account: %w", fs.ErrNotExist)
		}
		return nil, nil, 0, nil, err
	}
	a, err := account.ParseJSON([]byte(text))
	if err != nil {
		return nil, nil, 0, nil, fmt.Errorf("the account stored at create: %w", errors.Join(err, account.ErrMismatch))
	}
	return a.WithRevision(origin), seed(origin, []byte(text)), stamp, head, nil
}

// Store returns the DB's Store, the same one for the DB's life.
func (d *DB) Store() *account.Store { return d.store }

// Close closes the database. Updates on the Store then fail with an error
// wrapping [ErrClosed]; snapshots already loaded stay usable.
func (d *DB) Close() error {
	if d.closed.Swap(true) {
		return nil
	}
	return d.sql.Close()
}

// Events yields every committed event with a revision greater than after,
// in commit order: the audit log. It checks each update's hash as it reads
// it; a mismatch is an error wrapping [account.ErrMismatch].
func (d *DB) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		from, prev := max(after, d.initial.Revision()), d.seed
		if from > d.initial.Revision() && !d.closed.Load() {
			err := d.sql.QueryRowContext(ctx, `SELECT hash FROM updates WHERE revision = ?`, from).Scan(&prev)
			if errors.Is(err, sql.ErrNoRows) {
				return // not committed yet: nothing after it either
			} else if err != nil {
				yield(account.Event{}, fmt.Errorf("sqlite: events after %d: %w", after, err))
				return
			}
		}
		d.events(ctx, from, prev)(yield)
	}
}

// events yields the events after revision from, whose update's hash is
// prev, checking each update's hash.
func (d *DB) events(ctx context.Context, from uint64, prev []byte) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		fail := func(err error) { yield(account.Event{}, fmt.Errorf("sqlite: events after %d: %w", from, err)) }
		if d.closed.Load() {
			fail(ErrClosed)
			return
		}
		rows, err := d.sql.QueryContext(ctx, `SELECT revision, events, hash FROM updates WHERE revision > ? ORDER BY revision`, from)
		if err != nil {
			fail(err)
			return
		}
		defer rows.Close()
		for want := from + 1; rows.Next(); want++ {
			var (
				rev        uint64
				text, hash []byte
				es         []account.Event
			)
			if err := rows.Scan(&rev, &text, &hash); err != nil {
				fail(err)
				return
			}
			if rev != want || !bytes.Equal(hash, link(prev, rev, text)) {
				fail(fmt.Errorf("revision %d (after %d): its hash does not match the history before it: %w", rev, want-1, account.ErrMismatch))
				return
			}
			prev = hash
			if err := json.Unmarshal(text, &es); err != nil {
				fail(fmt.Errorf("revision %d: %w", rev, errors.Join(err, account.ErrMismatch)))
				return
			}
			for _, e := range es {
				if e.Revision != rev {
					fail(fmt.Errorf("revision %d holds an event of revision %d: %w", rev, e.Revision, account.ErrMismatch))
					return
				}
				if !yield(e, nil) {
					return
				}
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
	}
}

// At returns the account as it was at revision rev, replaying the events
// up to rev on the latest checkpoint at or before it (or the account
// stored at Create). A revision before Create's or not committed yet is an
// error.
func (d *DB) At(ctx context.Context, rev uint64) (*account.Account, error) {
	if rev < d.initial.Revision() {
		return nil, fmt.Errorf("sqlite: %w", &account.RevisionError{Revision: rev, Latest: d.initial.Revision(), Err: account.ErrNotKept})
	}
	base, head, err := d.checkpoint(ctx, rev)
	if err == nil {
		base, err = account.ReplayTo(ctx, base, d.events(ctx, base.Revision(), head), rev)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: at revision %d: %w", rev, err)
	}
	return base, nil
}

// checkpoint returns the latest checkpoint at or before revision rev, and
// the hash of the update it stands for; if there is none, the account
// stored at Create and its seed. A checkpoint that does not match its
// seal is an error wrapping [account.ErrMismatch].
func (d *DB) checkpoint(ctx context.Context, rev uint64) (*account.Account, []byte, error) {
	if d.closed.Load() {
		return nil, nil, ErrClosed
	}
	var (
		at                   uint64
		text, head, checksum []byte
	)
	err := d.sql.QueryRowContext(ctx, `SELECT revision, account, head, seal FROM checkpoints WHERE revision <= ? ORDER BY revision DESC LIMIT 1`, rev).
		Scan(&at, &text, &head, &checksum)
	if errors.Is(err, sql.ErrNoRows) {
		return d.initial, d.seed, nil
	} else if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(checksum, seal(at, head, text)) {
		return nil, nil, fmt.Errorf("the checkpoint of revision %d does not match its seal: %w", at, account.ErrMismatch)
	}
	a, err := account.ParseJSON(text)
	if err != nil {
		return nil, nil, fmt.Errorf("the checkpoint of revision %d: %w", at, errors.Join(err, account.ErrMismatch))
	}
	return a.WithRevision(at), head, nil
}

// backend is a DB as the Store's [account.Backend].
type backend DB

// Append stores batch in one transaction, if the file still holds the
// revision before it.
func (b *backend) Append(ctx context.Context, batch []account.Update) error {
	if b.closed.Load() {
		return ErrClosed
	}
	first, last := batch[0].Revision(), batch[len(batch)-1].Revision()
	tx, err := b.sql.BeginTx(ctx, nil)
	if err != nil {
		if b.closed.Load() {
			err = ErrClosed
		}
		return fmt.Errorf("sqlite: append revisions %d-%d: %w", first, last, err)
	}
	defer tx.Rollback()
	err = func() error {
		var (
			held uint64
			head []byte
		)
		if err := tx.QueryRowContext(ctx, `SELECT revision, head FROM account WHERE id = 1`).Scan(&held, &head); err != nil {
			return err
		}
		switch {
		case held >= first:
			return fmt.Errorf("the file holds revision %d: %w", held, account.ErrStale)
		case held != first-1:
			return fmt.Errorf("the file holds revision %d, behind the Store: %w", held, account.ErrMismatch)
		}
		for _, u := range batch {
			text, err := json.Marshal(u.Events)
			if err != nil {
				return err
			}
			head = link(head, u.Revision(), text)
			if _, err := tx.ExecContext(ctx, `INSERT INTO updates (revision, events, hash) VALUES (?, ?, ?)`, u.Revision(), string(text), head); err != nil {
				return err
			}
			if u.Revision()%b.every == 0 {
				if err := b.checkpoint(ctx, tx, u.Account, head); err != nil {
					return fmt.Errorf("checkpoint of revision %d: %w", u.Revision(), err)
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE account SET revision = ?, head = ? WHERE id = 1`, last, head)
		return err
	}()
	if err == nil {
		// A failed commit may have reached the disk or not.
		if err = tx.Commit(); err != nil {
			err = errors.Join(err, account.ErrOutcomeUnknown)
		}
	}
	if err != nil {
		return fmt.Errorf("sqlite: append revisions %d-%d: %w", first, last, err)
	}
	return nil
}

// checkpoint stores a checkpoint of a, whose update's hash is head, in the
// transaction of its batch, and reports it to the Store's Checkpoint hook.
func (b *backend) checkpoint(ctx context.Context, tx *sql.Tx, a *account.Account, head []byte) error {
	begin := time.Now()
	text, err := json.Marshal(a)
	if err == nil {
		_, err = tx.ExecContext(ctx, `INSERT INTO checkpoints (revision, account, head, seal) VALUES (?, ?, ?, ?)`,
			a.Revision(), string(text), head, seal(a.Revision(), head, text))
	}
	if h := b.store.Hooks(); h != nil && h.Checkpoint != nil {
		h.Checkpoint(account.CheckpointInfo{Revision: a.Revision(), Bytes: int64(len(text)), Duration: time.Since(begin), Err: err})
	}
	return err
}

func (b *backend) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return (*DB)(b).Events(ctx, after)
}

func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
