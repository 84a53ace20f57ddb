package postgres

import (
	"context"
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
}

func (o Options) internal() options {
	return options{poll: o.Poll, checkpoint: o.Checkpoint, notified: o.Notified, caughtUp: o.CaughtUp}
}

func OpenWith(ctx context.Context, pool *pgxpool.Pool, name string, o Options) (*Replica, error) {
	return open(ctx, pool, name, o.internal())
}

func CreateWith(ctx context.Context, pool *pgxpool.Pool, a *account.Account, o Options) (*Replica, error) {
	return create(ctx, pool, a, o.internal())
}

// History returns every event of every update stored for the account
// name, in revision order, as a replica applies them.
func History(ctx context.Context, pool *pgxpool.Pool, name string) ([]account.Event, error) {
	r := &Replica{pool: pool, name: name}
	var (
		all  []account.Event
		from uint64
	)
	for {
		events, n, err := r.updatesAfter(ctx, from)
		if err != nil {
			return nil, err
		}
		all = append(all, events...)
		from += uint64(n)
		if n < catchUpBatch {
			return all, nil
		}
	}
}
