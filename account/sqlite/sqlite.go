package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"

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
	store   *account.Store
	closed  atomic.Bool
}

const schema = `
CREATE TABLE account (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	initial  TEXT NOT NULL,    -- the account at Create, as JSON
	origin   INTEGER NOT NULL, -- its revision
	revision INTEGER NOT NULL  -- the revision last committed
) STRICT;
CREATE TABLE events (
	revision INTEGER NOT NULL,
	seq      INTEGER NOT NULL, -- the event's place in its update
	event    TEXT NOT NULL,    -- the event, as JSON
	PRIMARY KEY (revision, seq)
) STRICT;`

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

// Create makes the SQLite file path hold account a, creating the file if
// it is missing, and returns the DB whose Store starts at a. If the file
// already holds an account, the error wraps [account.ErrExists].
func Create(ctx context.Context, path string, a *account.Account) (*DB, error) {
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
			return fmt.Errorf("holds an account: %w", account.ErrExists)
		}
		if _, err := tx.ExecContext(ctx, schema); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO account (id, initial, origin, revision) VALUES (1, ?, ?, ?)`,
			string(initial), a.Revision(), a.Revision())
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	d := &DB{path: path, sql: db, initial: a}
	d.store = account.NewStoreWith(a, (*backend)(d))
	return d, nil
}

// Open opens the account in the SQLite file path, made by [Create], and
// returns the DB whose Store holds its last committed revision. A missing
// file, or one that holds no account, is an error wrapping
// [fs.ErrNotExist]. Open replays the whole history; see the package docs.
func Open(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	db, err := open(path, "rw")
	if err != nil {
		return nil, err
	}
	d := &DB{path: path, sql: db}
	var stamp uint64
	d.initial, stamp, err = load(ctx, db)
	var cur *account.Account
	if err == nil {
		cur, err = d.replay(ctx, d.initial, stamp)
	}
	if err == nil && cur.Revision() != stamp {
		err = fmt.Errorf("the events end at revision %d, the account row says %d: %w", cur.Revision(), stamp, account.ErrMismatch)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d.store = account.NewStoreWith(cur, (*backend)(d))
	return d, nil
}

// load reads the account stored at Create and the revision last
// committed, and checks that the file holds an account.
func load(ctx context.Context, db *sql.DB) (initial *account.Account, stamp uint64, err error) {
	var (
		text   string
		origin uint64
	)
	err = db.QueryRowContext(ctx, `SELECT initial, origin, revision FROM account WHERE id = 1`).Scan(&text, &origin, &stamp)
	if err != nil {
		var n int
		if db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'account'`).Scan(&n) == nil && n == 0 {
			return nil, 0, fmt.Errorf("holds no account: %w", fs.ErrNotExist)
		}
		return nil, 0, err
	}
	a, err := account.ParseJSON([]byte(text))
	if err != nil {
		return nil, 0, fmt.Errorf("the account stored at create: %w", err)
	}
	return a.WithRevision(origin), stamp, nil
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
// in commit order: the audit log.
func (d *DB) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return func(yield func(account.Event, error) bool) {
		fail := func(err error) { yield(account.Event{}, fmt.Errorf("sqlite: events after %d: %w", after, err)) }
		if d.closed.Load() {
			fail(ErrClosed)
			return
		}
		rows, err := d.sql.QueryContext(ctx, `SELECT revision, seq, event FROM events WHERE revision > ? ORDER BY revision, seq`, after)
		if err != nil {
			fail(err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var (
				rev  uint64
				seq  int
				text []byte
				e    account.Event
			)
			if err := rows.Scan(&rev, &seq, &text); err != nil {
				fail(err)
				return
			}
			if err := json.Unmarshal(text, &e); err != nil || e.Revision != rev {
				fail(fmt.Errorf("revision %d event %d: %w", rev, seq, errors.Join(err, account.ErrMismatch)))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
	}
}

// At returns the account as it was at revision rev, replaying the events
// up to rev on the account stored at Create. A revision before Create's or
// not committed yet is an error.
func (d *DB) At(ctx context.Context, rev uint64) (*account.Account, error) {
	if rev < d.initial.Revision() {
		return nil, fmt.Errorf("sqlite: at revision %d: the history starts at revision %d: %w", rev, d.initial.Revision(), account.ErrInvalid)
	}
	a, err := d.replay(ctx, d.initial, rev)
	if err != nil {
		return nil, fmt.Errorf("sqlite: at revision %d: %w", rev, err)
	}
	if a.Revision() != rev {
		return nil, fmt.Errorf("sqlite: at revision %d: not committed yet (the last is %d): %w", rev, a.Revision(), account.ErrInvalid)
	}
	return a, nil
}

// replay applies the stored events up to revision upTo to a, a thousand at
// a time.
func (d *DB) replay(ctx context.Context, a *account.Account, upTo uint64) (*account.Account, error) {
	var chunk []account.Event
	flush := func() (err error) {
		a, err = a.Replay(chunk)
		chunk = chunk[:0]
		return err
	}
	for e, err := range d.Events(ctx, a.Revision()) {
		if err != nil {
			return nil, err
		}
		if e.Revision > upTo {
			break
		}
		// Replay takes whole updates: flush only between two of them.
		if len(chunk) >= 1000 && chunk[len(chunk)-1].Revision != e.Revision {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		chunk = append(chunk, e)
	}
	return a, flush()
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
		res, err := tx.ExecContext(ctx, `UPDATE account SET revision = ? WHERE id = 1 AND revision = ?`, last, first-1)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			var held uint64
			tx.QueryRowContext(ctx, `SELECT revision FROM account WHERE id = 1`).Scan(&held)
			return fmt.Errorf("the file holds revision %d: %w", held, errors.Join(err, account.ErrStale))
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO events (revision, seq, event) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, u := range batch {
			for i, e := range u.Events {
				text, err := json.Marshal(e)
				if err != nil {
					return err
				}
				if _, err := ins.ExecContext(ctx, u.Revision(), i, string(text)); err != nil {
					return err
				}
			}
		}
		return nil
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
