package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The tables' schema has a version, kept in the one row of
// entaccess_schema. Setup brings tables of any earlier version to the
// current one, a step at a time and forward only, each step in the same
// transaction as the version it records. Version 1 had no version row:
// tables without one are at version 1 if entaccess_accounts exists.
//
// Version 1: entaccess_accounts (name, revision, checkpoint,
// checkpoint_revision) and entaccess_updates (account, revision, time,
// time_ns, actor, events), events in a JSON form of this package's own.
//
// Version 2: the updates' events in [account.Event]'s JSON form, and the
// digests of the history (see digest): each update's hash; the account's
// head; its checkpoint's head and seal; its origin, the oldest state the
// table can replay from (the account as Create stored it, or the
// checkpoint of an account upgraded from version 1), with its revision and
// seal.
const schemaVersion = 2

// steps[i] brings tables from version i to version i+1.
var steps = []func(context.Context, pgx.Tx) error{
	execStep(`
CREATE TABLE entaccess_accounts (
	name                text PRIMARY KEY,
	revision            bigint NOT NULL CHECK (revision >= 0),
	checkpoint          jsonb NOT NULL,
	checkpoint_revision bigint NOT NULL CHECK (checkpoint_revision >= 0 AND checkpoint_revision <= revision)
)`, `
CREATE TABLE entaccess_updates (
	account  text NOT NULL REFERENCES entaccess_accounts (name),
	revision bigint NOT NULL CHECK (revision > 0),
	time     timestamptz NOT NULL,
	time_ns  bigint NOT NULL,
	actor    text NOT NULL,
	events   jsonb NOT NULL,
	PRIMARY KEY (account, revision)
)`),
	upgradeToDigests,
}

// execStep is a step that runs statements.
func execStep(stmts ...string) func(context.Context, pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
}

// Setup creates the tables this package uses, or upgrades tables that an
// earlier version of this package created, and records their version. It
// is safe to call from any number of processes at once, and again later.
// Replicas of an earlier version must be stopped before Setup upgrades
// their tables: their writes would fail afterwards. Setup refuses tables
// of a version newer than this package's.
func Setup(ctx context.Context, pool *pgxpool.Pool) error {
	if pool == nil {
		return fmt.Errorf("postgres: setup: nil pool: %w", account.ErrInvalid)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// One Setup at a time: concurrent DDL may collide.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('entaccess schema'))`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
CREATE TABLE IF NOT EXISTS entaccess_schema (
	one     boolean PRIMARY KEY DEFAULT true CHECK (one),
	version integer NOT NULL
)`); err != nil {
			return err
		}
		v, err := versionOf(ctx, tx)
		if err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("the tables are at version %d, newer than this package's %d", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if err := steps[v](ctx, tx); err != nil {
				return fmt.Errorf("upgrading the tables from version %d to %d: %w", v, v+1, err)
			}
		}
		_, err = tx.Exec(ctx, `
INSERT INTO entaccess_schema (version) VALUES ($1::integer)
ON CONFLICT (one) DO UPDATE SET version = excluded.version`, schemaVersion)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: setup: %w", err)
	}
	return nil
}

// versionOf reads the tables' version: the version row's, else 1 if
// version 1's tables exist, else 0.
func versionOf(ctx context.Context, tx pgx.Tx) (int, error) {
	var v int
	err := tx.QueryRow(ctx, `SELECT version FROM entaccess_schema`).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regclass('entaccess_accounts') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, err
	}
	if exists {
		return 1, nil
	}
	return 0, nil
}

// upgradeToDigests brings version 1's tables to version 2: it rewrites
// each update's events in [account.Event]'s JSON form, computes the
// digests of every account's history, and takes each account's checkpoint
// as its origin.
func upgradeToDigests(ctx context.Context, tx pgx.Tx) error {
	if err := execStep(`
ALTER TABLE entaccess_accounts
	ADD COLUMN head            bytea,
	ADD COLUMN checkpoint_head bytea,
	ADD COLUMN checkpoint_seal bytea,
	ADD COLUMN origin          jsonb,
	ADD COLUMN origin_revision bigint,
	ADD COLUMN origin_seal     bytea`, `
ALTER TABLE entaccess_updates ADD COLUMN hash bytea`)(ctx, tx); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT name FROM entaccess_accounts ORDER BY name FOR UPDATE`)
	if err != nil {
		return err
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := upgradeAccount(ctx, tx, name); err != nil {
			return fmt.Errorf("account %q: %w", name, err)
		}
	}
	return execStep(`
ALTER TABLE entaccess_accounts
	ALTER COLUMN head            SET NOT NULL,
	ALTER COLUMN checkpoint_head SET NOT NULL,
	ALTER COLUMN checkpoint_seal SET NOT NULL,
	ALTER COLUMN origin          SET NOT NULL,
	ALTER COLUMN origin_revision SET NOT NULL,
	ALTER COLUMN origin_seal     SET NOT NULL,
	ADD CHECK (origin_revision >= 0 AND origin_revision <= checkpoint_revision)`, `
ALTER TABLE entaccess_updates ALTER COLUMN hash SET NOT NULL`)(ctx, tx)
}

// v1Event is an event as version 1 stored it; the revision and time were
// the row's.
type v1Event struct {
	Actor  string `json:"actor"`
	Op     string `json:"op"`
	Team   string `json:"team"`
	User   string `json:"user"`
	Before string `json:"before"`
	After  string `json:"after"`
}

func upgradeAccount(ctx context.Context, tx pgx.Tx, name string) error {
	var (
		rev, cpRev int64
		cp         []byte
	)
	if err := tx.QueryRow(ctx, `SELECT revision, checkpoint::text, checkpoint_revision FROM entaccess_accounts WHERE name = $1::text`, name).Scan(&rev, &cp, &cpRev); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT revision, time_ns, events::text FROM entaccess_updates WHERE account = $1::text ORDER BY revision`, name)
	if err != nil {
		return err
	}
	type row struct {
		rev, nanos int64
		events     []byte
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.rev, &x.nanos, &x.events)
		return x, err
	})
	if err != nil {
		return err
	}
	var (
		head   = seed(name)
		cpHead = head
		batch  = &pgx.Batch{}
	)
	for i, x := range all {
		if i > 0 && x.rev != all[i-1].rev+1 {
			return fmt.Errorf("revision %d follows revision %d: %w", x.rev, all[i-1].rev, account.ErrMismatch)
		}
		var old []v1Event
		if err := json.Unmarshal(x.events, &old); err != nil || len(old) == 0 {
			return fmt.Errorf("revision %d: events unreadable: %v: %w", x.rev, err, account.ErrMismatch)
		}
		events := make([]account.Event, len(old))
		for j, e := range old {
			op, err := account.ParseOp(e.Op)
			if err != nil {
				return fmt.Errorf("revision %d: events[%d]: %w", x.rev, j, err)
			}
			events[j] = account.Event{Revision: uint64(x.rev), Actor: e.Actor, Op: op, Team: e.Team, User: e.User,
				Before: e.Before, After: e.After, Time: time.Unix(0, x.nanos).UTC()}
		}
		canonical, err := encodeEvents(events)
		if err != nil {
			return err
		}
		head = link(head, uint64(x.rev), x.nanos, canonical)
		if x.rev == cpRev {
			cpHead = head
		}
		h := head // the batch is sent later: it must not see head change
		batch.Queue(`UPDATE entaccess_updates SET events = $3::jsonb, hash = $4::bytea WHERE account = $1::text AND revision = $2::bigint`,
			name, x.rev, string(canonical), h[:])
	}
	switch {
	case len(all) > 0 && all[len(all)-1].rev != rev:
		return fmt.Errorf("the history ends at revision %d, the account is at %d: %w", all[len(all)-1].rev, rev, account.ErrMismatch)
	case len(all) == 0 && rev != cpRev:
		return fmt.Errorf("no history after the checkpoint at revision %d, the account is at %d: %w", cpRev, rev, account.ErrMismatch)
	case len(all) > 0 && cpRev >= all[0].rev-1 && cpRev < all[0].rev:
		cpHead = seed(name) // the checkpoint is the state before the first stored update
	case len(all) > 0 && cpRev < all[0].rev:
		return fmt.Errorf("the checkpoint at revision %d is older than the first stored update, %d: %w", cpRev, all[0].rev, account.ErrMismatch)
	}
	a, err := account.ParseJSON(cp)
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	canonical, err := json.Marshal(a)
	if err != nil {
		return err
	}
	s := seal(uint64(cpRev), cpHead, canonical)
	batch.Queue(`
UPDATE entaccess_accounts
   SET head = $2::bytea, checkpoint = $3::jsonb, checkpoint_head = $4::bytea, checkpoint_seal = $5::bytea,
       origin = $3::jsonb, origin_revision = checkpoint_revision, origin_seal = $5::bytea
 WHERE name = $1::text`, name, head[:], string(canonical), cpHead[:], s[:])
	return tx.SendBatch(ctx, batch).Close()
}
