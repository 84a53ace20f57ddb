package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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

// defaultPoll is how often a replica reads the table whatever
// notifications say.
const defaultPoll = time.Second

// options are a Replica's tunables; tests change them.
type options struct {
	poll       time.Duration         // 0: defaultPoll; < 0: never poll
	checkpoint uint64                // 0: defaultCheckpoint
	notified   func(context.Context) // called before the listener handles a notification
	caughtUp   func()                // called once Open has caught up, before it starts following
	logger     *slog.Logger          // nil: slog.Default()
}

// A Replica is one process's copy of an account stored in PostgreSQL. Its
// [Replica.Store] answers from memory and commits updates to the database.
type Replica struct {
	pool    *pgxpool.Pool
	name    string
	channel string
	opts    options
	b       *backend
	store   *account.Store

	health atomic.Pointer[error] // the last background catch-up's error; nil once one succeeds
	closed atomic.Bool
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
	if err := insert(ctx, pool, a); err != nil {
		return nil, err
	}
	return open(ctx, pool, a.Name(), opts)
}

// insert stores a new account's row: a is its origin and its checkpoint,
// and its head is the seed.
func insert(ctx context.Context, pool *pgxpool.Pool, a *account.Account) error {
	if pool == nil || a == nil {
		return fmt.Errorf("postgres: create: nil pool or account: %w", account.ErrInvalid)
	}
	cp, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("postgres: create %q: %w", a.Name(), err)
	}
	// Store only what Open can read back: the zero Account has no name.
	if _, err := account.ParseJSON(cp); err != nil {
		return fmt.Errorf("postgres: create %q: %w", a.Name(), err)
	}
	head := seed(a.Name())
	s := seal(a.Revision(), head, cp)
	tag, err := pool.Exec(ctx, `
INSERT INTO entaccess_accounts (name, revision, head, checkpoint, checkpoint_revision, checkpoint_head, checkpoint_seal,
                                origin, origin_revision, origin_seal)
VALUES ($1::text, $2::bigint, $3::bytea, $4::jsonb, $2::bigint, $3::bytea, $5::bytea, $4::jsonb, $2::bigint, $5::bytea)
ON CONFLICT (name) DO NOTHING`, a.Name(), int64(a.Revision()), head[:], string(cp), s[:])
	if err != nil {
		return fmt.Errorf("postgres: create %q: %w", a.Name(), err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: create %q: %w", a.Name(), account.ErrExists)
	}
	return nil
}

// Open returns a replica of the account stored under name, caught up with
// every update committed before Open was called. It reads the account's
// latest checkpoint and the updates after it, checking them (see
// [Replica.Verify] for what is checked), and then follows the updates
// that other replicas commit until [Replica.Close]. It returns an error
// wrapping [ErrNotFound] if the database holds no account of that name,
// and one wrapping [account.ErrMismatch], naming the revision, if the
// stored history fails a check.
func Open(ctx context.Context, pool *pgxpool.Pool, name string) (*Replica, error) {
	return open(ctx, pool, name, options{})
}

func open(ctx context.Context, pool *pgxpool.Pool, name string, opts options) (*Replica, error) {
	if pool == nil {
		return nil, fmt.Errorf("postgres: open %q: nil pool: %w", name, account.ErrInvalid)
	}
	a, pos, err := checkpointOf(ctx, pool, name)
	if err != nil {
		return nil, err
	}
	r := &Replica{pool: pool, name: name, channel: channel(name), opts: opts}
	r.b = &backend{pool: pool, name: name, checkpoint: opts.checkpoint, pos: pos, channel: r.channel, log: r.logger}
	r.store = account.NewStoreWith(a, r.b)
	// Listen before catching up, so that an update committed meanwhile is
	// either read or notified.
	conn, err := r.listen(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: open %q: %w", name, err)
	}
	if _, err := r.store.CatchUp(ctx); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("postgres: open %q: %w", name, err)
	}
	if opts.caughtUp != nil {
		opts.caughtUp()
	}
	bg, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Add(2)
	go r.follow(bg, conn)
	go r.poll(bg)
	return r, nil
}

// checkpointOf reads the account's checkpoint and checks its seal.
func checkpointOf(ctx context.Context, pool *pgxpool.Pool, name string) (*account.Account, position, error) {
	var (
		cp       []byte
		cpRev    int64
		head, sl []byte
	)
	err := pool.QueryRow(ctx, `SELECT checkpoint::text, checkpoint_revision, checkpoint_head, checkpoint_seal FROM entaccess_accounts WHERE name = $1::text`, name).Scan(&cp, &cpRev, &head, &sl)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, position{}, fmt.Errorf("postgres: open %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, position{}, fmt.Errorf("postgres: open %q: %w", name, err)
	}
	a, err := savedState(name, "checkpoint", uint64(cpRev), cp, head, sl)
	if err != nil {
		return nil, position{}, err
	}
	h, _ := toDigest(head)
	return a, position{rev: uint64(cpRev), head: h}, nil
}

// savedState reads a saved account state (the checkpoint or the origin)
// at rev, whose update has the digest head, and checks it against its
// seal.
func savedState(name, what string, rev uint64, data, head, sealed []byte) (*account.Account, error) {
	h, ok1 := toDigest(head)
	s, ok2 := toDigest(sealed)
	if !ok1 || !ok2 {
		return nil, mismatch(name, rev, "the %s's digests are missing", what)
	}
	a, err := account.ParseJSON(data)
	if err != nil {
		return nil, mismatch(name, rev, "the %s: %v", what, err)
	}
	if a.Name() != name {
		return nil, mismatch(name, rev, "the %s names account %q", what, a.Name())
	}
	canonical, err := json.Marshal(a)
	if err != nil {
		return nil, mismatch(name, rev, "the %s: %v", what, err)
	}
	if seal(rev, h, canonical) != s {
		return nil, mismatch(name, rev, "the %s does not match its seal: it was changed", what)
	}
	return a.WithRevision(rev), nil
}

// Store returns the replica's Store, the same one for the replica's life.
// Load never touches the database. An Update commits to PostgreSQL first
// and publishes once the update is committed; its callback may run more
// than once (see [account.Backend]).
func (r *Replica) Store() *account.Store { return r.store }

// Name returns the name of the account the replica holds.
func (r *Replica) Name() string { return r.name }

// Health reports whether the replica is following the database: nil if
// its last attempt to catch up succeeded, else that attempt's error. While
// it fails, the replica keeps serving its last snapshot, which may be
// stale; every failure is also logged. An error wrapping
// [account.ErrMismatch] means the stored history failed a check: the
// replica refuses updates until it is reopened.
func (r *Replica) Health() error {
	if p := r.b.broken.Load(); p != nil {
		return *p
	}
	if p := r.health.Load(); p != nil {
		return *p
	}
	return nil
}

// Revision returns the account's revision in the database, with one query:
// what a replica that caught up now would hold.
func (r *Replica) Revision(ctx context.Context) (uint64, error) {
	var rev int64
	err := r.pool.QueryRow(ctx, `SELECT revision FROM entaccess_accounts WHERE name = $1::text`, r.name).Scan(&rev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("postgres: revision of %q: %w", r.name, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: revision of %q: %w", r.name, err)
	}
	return uint64(rev), nil
}

// Close stops following the database, once a batch being stored, if any,
// is stored or not. The Store keeps answering from its last snapshot;
// updates on it fail with an error wrapping [ErrClosed].
// Close does not close the pool. It returns the error of the last
// background catch-up, if that one failed.
func (r *Replica) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	r.b.close()
	r.cancel()
	r.wg.Wait()
	return r.Health()
}

// catchUp publishes what other writers stored, for the listener and the
// poller, and keeps its outcome for Health, logging a change of it.
func (r *Replica) catchUp(ctx context.Context) {
	_, err := r.store.CatchUp(ctx)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		if old := r.health.Swap(&err); old == nil {
			r.logger().LogAttrs(ctx, slog.LevelError, "postgres: replica cannot catch up; serving its last snapshot",
				slog.String("account", r.name), slog.Uint64("revision", r.store.Load().Revision()), slog.Any("err", err))
		}
		return
	}
	if old := r.health.Swap(nil); old != nil {
		r.logger().LogAttrs(ctx, slog.LevelInfo, "postgres: replica caught up again",
			slog.String("account", r.name), slog.Uint64("revision", r.store.Load().Revision()))
	}
}

func (r *Replica) logger() *slog.Logger {
	if r.opts.logger != nil {
		return r.opts.logger
	}
	return slog.Default()
}

// parseRevision reads a notification's payload: a revision in decimal.
func parseRevision(p string) (uint64, bool) {
	rev, err := strconv.ParseUint(p, 10, 64)
	return rev, err == nil
}
