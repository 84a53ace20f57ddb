package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options are a replica's tunables, for tests.
type Options struct {
	Poll       time.Duration         // how often to read the table; < 0: never
	Checkpoint uint64                // updates between checkpoints
	Notified   func(context.Context) // called before the listener handles a notification
	CaughtUp   func()                // called once Open has caught up, before it starts following
	Logger     *slog.Logger
}

func (o Options) internal() options {
	return options{poll: o.Poll, checkpoint: o.Checkpoint, notified: o.Notified, caughtUp: o.CaughtUp, logger: o.Logger}
}

func OpenWith(ctx context.Context, pool *pgxpool.Pool, name string, o Options) (*Replica, error) {
	return open(ctx, pool, name, o.internal())
}

func CreateWith(ctx context.Context, pool *pgxpool.Pool, a *account.Account, o Options) (*Replica, error) {
	return create(ctx, pool, a, o.internal())
}

// History returns every event of every update stored for the account
// name, in revision order, read and checked as a replica reads them.
func History(ctx context.Context, pool *pgxpool.Pool, name string) ([]account.Event, error) {
	r := &Replica{pool: pool, name: name}
	var all []account.Event
	for e, err := range r.Events(ctx, 0) {
		if err != nil {
			return nil, err
		}
		all = append(all, e)
	}
	return all, nil
}

// A Backend is a replica's storage without the replica: no listener, no
// poll, for accounttest.TestBackend.
type Backend = backend

// NewBackend stores a new account a and returns a backend on it.
func NewBackend(ctx context.Context, pool *pgxpool.Pool, a *account.Account, checkpoint uint64) (*Backend, error) {
	if err := insert(ctx, pool, a); err != nil {
		return nil, err
	}
	return OpenBackend(ctx, pool, a.Name(), checkpoint)
}

// OpenBackend returns a backend on the stored account name, at its
// checkpoint, and the checkpoint's state.
func OpenBackend(ctx context.Context, pool *pgxpool.Pool, name string, checkpoint uint64) (*Backend, error) {
	_, pos, err := checkpointOf(ctx, pool, name)
	if err != nil {
		return nil, err
	}
	return &backend{pool: pool, name: name, checkpoint: checkpoint, pos: pos, log: slog.Default}, nil
}

// Checkpoint returns the stored account's checkpoint.
func Checkpoint(ctx context.Context, pool *pgxpool.Pool, name string) (*account.Account, error) {
	a, _, err := checkpointOf(ctx, pool, name)
	return a, err
}

func (b *backend) Pool() *pgxpool.Pool { return b.pool }
func (b *backend) Name() string        { return b.name }
func (b *backend) Close()              { b.close() }

// Channel is the notification channel of an account.
var Channel = channel

// Pool returns the replica's pool.
func (r *Replica) Pool() *pgxpool.Pool { return r.pool }

var TokenPrefix = tokenPrefix

// ReplicaPool returns the pool a replica reads and writes through.
func ReplicaPool(r *Replica) *pgxpool.Pool { return r.pool }
