package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// schema creates the tables. An account's row holds its current revision
// and its latest checkpoint (the account's JSON at checkpoint_revision);
// the updates table holds every committed update, the audit log, which is
// never trimmed. An update's commit time is kept twice: exactly, in
// nanoseconds since 1970 UTC (time_ns, what replicas read), and rounded
// down to the microsecond as a timestamptz (time, for queries).
var schema = []string{`
CREATE TABLE IF NOT EXISTS entaccess_accounts (
	name                text PRIMARY KEY,
	revision            bigint NOT NULL CHECK (revision >= 0),
	checkpoint          jsonb NOT NULL,
	checkpoint_revision bigint NOT NULL CHECK (checkpoint_revision >= 0 AND checkpoint_revision <= revision)
)`, `
CREATE TABLE IF NOT EXISTS entaccess_updates (
	account  text NOT NULL REFERENCES entaccess_accounts (name),
	revision bigint NOT NULL CHECK (revision > 0),
	time     timestamptz NOT NULL,
	time_ns  bigint NOT NULL,
	actor    text NOT NULL,
	events   jsonb NOT NULL,
	PRIMARY KEY (account, revision)
)`,
}

// Setup creates the tables this package uses, if they are missing. It is
// safe to call from any number of processes at once, and again later.
func Setup(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// One Setup at a time: concurrent CREATE TABLE IF NOT EXISTS may collide.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('entaccess schema'))`); err != nil {
			return err
		}
		for _, stmt := range schema {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	return nil
}
