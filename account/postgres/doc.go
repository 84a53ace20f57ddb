// Package postgres keeps an account in PostgreSQL and lets any number of
// replicas, in any number of processes, share it. Each replica answers
// checks from memory, as an in-memory [account.Store] does, and commits
// updates to the database.
//
//	pool, _ := pgxpool.New(ctx, dsn)
//	_ = postgres.Setup(ctx, pool)                      // once, or at every start
//	r, _ := postgres.Open(ctx, pool, "acme")           // or Create with a new account
//	defer r.Close()
//	r.Store().Load().Can("alice", permission.ManageUsers)
//
// # Writers
//
// A replica's Store runs update callbacks and gathers the updates made
// while a batch is being stored into the next batch (see
// [account.Backend]). The replica stores a batch in one statement, and so
// in one transaction: it advances the account's row from the revision and
// history head the batch built on to its last update's, only if the row
// still holds them, and inserts the updates' rows. The row lock serialises
// writers on all replicas: a batch built on a revision another replica has
// committed past changes nothing, and the Store catches up and runs its
// callbacks again on the newer state. So an update's callback may run more
// than once and must have no effect outside its [account.Tx]. Revisions
// are consecutive, and no update is lost or applied twice.
//
// Update returns once the transaction has committed. An update whose
// context ends while its batch is with the database makes the replica ask
// the server to cancel the statement, so that a commit waiting for the
// account's row gives up there; a context's deadline also becomes the
// statement's timeout. If the connection fails while the commit may be
// under way, Update returns an error wrapping [account.ErrOutcomeUnknown]:
// the update may have committed, and the replica reads the outcome from
// the table before its next update.
//
// A refusal ([account.ErrForbidden] and the like) or a callback that
// changes nothing is returned only once the Store has confirmed, with one
// query, that the snapshot it ran on was current; otherwise it catches up
// and runs the callback again. [Replica.UpdateTx] runs an update inside
// the application's own transaction.
//
// # Readers
//
// Load never touches the database. After each batch it stores, a replica
// notifies the account's other replicas: NOTIFY on a channel of the
// account's own, in a statement of its own after the commit, so that a
// notification queue that cannot take it never fails a commit. A
// notification is only a wake-up. Any database login can send one, with
// any payload, without any privilege on the tables, so a replica never
// applies what a notification says: it reads every update from the table,
// in revision order, checking it (below), and a notification that may be
// news costs it one query. Each replica listens on a connection of its
// own; after every reconnect it listens again and catches up, since
// notifications sent meanwhile are lost, and it also reads the table
// every second, so that a lost notification delays a change but never
// loses it. [Replica.Health] and a log line say at once when catching up
// fails; the replica then serves its last snapshot.
//
// [account.Store.WaitFor] with the revision that an update returned on one
// replica gives read-your-writes on another: it returns once that replica
// has the update. [Replica.Token] and [Replica.Fresh] do the same with a
// token that names the account, for clients.
//
// # Tamper-evident history
//
// Every stored update carries a SHA-256 digest chained over the one before
// it: its revision, its commit time to the nanosecond and its events. The
// account's row holds the digest of its last update, the head; its
// checkpoint and its origin (the account as Create stored it) are sealed
// with the digest of the revision they stand for. Open checks the
// checkpoint and every update after it; every catch-up checks that the
// updates it reads continue the history the replica read before and end
// at the account row's revision and head. A failed check is an error
// wrapping [account.ErrMismatch] that names the revision, and the replica
// then refuses updates until it is reopened. [Verify], and the command
// cmd/verify, audit a whole stored history, replaying it from the origin.
//
// The digests are not keyed: they reveal edits made by hand or by other
// software, and any rewrite of history a replica has already read, but not
// a writer who recomputes every digest. Keep the head that [Verify]
// reports outside the database to detect that too.
//
// # Tables
//
// entaccess_accounts has one row per account: its name, its current
// revision and head, its latest checkpoint (the account's JSON at a
// revision, with its digest and seal), written every 1000 updates in the
// committing transaction so that Open reads the checkpoint and the updates
// after it, and its origin. entaccess_updates keeps every committed update
// (account, revision, commit time, actor, its events in [account.Event]'s
// JSON form, and its digest) and is never trimmed: it is the audit log,
// which [Replica.Events] reads. The commit time is kept to the nanosecond
// (time_ns) beside a timestamptz rounded down to the microsecond (time),
// so every replica publishes the same events, commit times included, as
// the one that committed them. entaccess_schema holds the tables' version:
// [Setup] upgrades tables of an earlier version in place. Every value
// reaches the database as a bound parameter.
//
// A replica's login needs SELECT, INSERT and UPDATE on entaccess_accounts
// (INSERT only to Create) and SELECT and INSERT on entaccess_updates; it
// never updates or deletes an update row.
package postgres
