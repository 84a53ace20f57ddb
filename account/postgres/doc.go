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
// A replica commits its updates in groups: while one transaction is under
// way, the updates made meanwhile wait, and the next transaction commits
// all of them, so that they share one round trip and one flush of the
// database's log. A transaction advances the account's revision from the
// one its group built on to its last update's, only if the revision is
// still the one the group built on, and inserts the updates' rows. The
// account's row lock serialises writers on all replicas: a group built on
// a revision another replica has committed past changes nothing, and its
// updates, with those built on them, catch up and run their callbacks
// again on the newer state. So an update's callback may run more than
// once and must have no effect outside its [account.Tx]. Revisions are
// consecutive, and no update is lost or applied twice.
//
// Update returns once the transaction has committed. If the connection
// fails while the commit is under way, Update returns an error although
// the update may have committed; the replicas then learn the outcome from
// the table like any other update. The updates that built on it run again
// once the replica has caught up.
//
// # Readers
//
// Load never touches the database. A commit notifies the other replicas
// (NOTIFY on the channel entaccess_updates, once per transaction, sent
// when it commits, with the updates' events if they fit, so that a replica
// that is not behind applies them without a query); each replica listens on a connection of its own, and after
// every reconnect listens again and catches up from its revision, since
// notifications sent while it was away are lost. Each replica also reads
// the table every second, so a lost notification delays a change but
// never loses it. Updates are applied in revision order, each once.
//
// [account.Store.WaitFor] with the revision that an update returned on one
// replica gives read-your-writes on another: it returns once that replica
// has the update.
//
// # Tables
//
// entaccess_accounts has one row per account: its name, its current
// revision and its latest checkpoint (the account's JSON and the revision
// it is at), written every 1000 updates in the committing transaction, so
// that Open reads the checkpoint and the updates after it. entaccess_updates
// keeps every committed update (account, revision, commit time, actor, and
// the update's events as JSON) and is never trimmed: it is the audit log.
// The commit time is kept to the nanosecond (time_ns, nanoseconds since
// 1970 UTC) beside a timestamptz rounded down to the microsecond (time),
// so every replica publishes the same events, commit times included, as
// the one that committed them. Every value reaches the database as a
// bound parameter.
package postgres
