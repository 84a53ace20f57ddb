// Package sqlite keeps an account in a SQLite database file, with
// modernc.org/sqlite (pure Go, no cgo). It is an [account.Backend] that
// fits in a few hundred lines: the [account.Store] orders, batches and
// retries updates, and this package only stores batches and reads them back.
//
//	db, err := sqlite.Open(ctx, "acme.db")
//	if errors.Is(err, fs.ErrNotExist) {
//		db, err = sqlite.Create(ctx, "acme.db", initial) // the first start
//	}
//	if err != nil {
//		return err
//	}
//	defer db.Close()
//	store := db.Store() // checks: store.Load().Can(...); changes: store.Update(...)
//
// # Storage
//
// The file holds one account: a row with the account as it was at [Create]
// and the revision last committed, and a row per update with its events.
// Append stores a batch of updates in one transaction that moves the
// account row on only if it still holds the revision before the batch;
// otherwise another writer got there first and Append reports
// [account.ErrStale], storing nothing. The database runs in WAL mode with
// synchronous=FULL, so an update whose Update returned survives a crash or
// a power loss.
//
// The history is tamper-evident: each update's row carries a SHA-256 hash
// over the hash before it (the first, over the account stored at Create),
// its revision and its events, and the account row holds the last hash.
// Every read checks the hashes it reads, and Open checks the last one, so
// an edit, a dropped or a renumbered update is an error wrapping
// [account.ErrMismatch] that names the revision, never a silent change.
//
// # Several writers
//
// Any number of [DB] values, in one process or several on one machine, may
// open the same file: SQLite's locks order their transactions, and each
// learns of the others' updates when its next update is stale or when
// [account.Store.CatchUp] is called. Nothing notifies a DB of another's
// updates; call CatchUp to read them. A writer waits up to 10 seconds for
// another's lock; past that, its update fails with SQLite's "database is
// locked" error and stores nothing.
//
// # Checkpoints
//
// Every [DefaultCheckpointEvery] updates (see [CheckpointEvery]), at each
// revision that is a multiple of it, Append also stores a checkpoint in the
// batch's transaction: the account as JSON, with its revision and the hash
// of its update, sealed by a SHA-256 hash over the three. [Open] starts from
// the latest checkpoint and replays only the updates after it, checking
// that they link to its hash and end at the account row's; [DB.At] starts
// from the latest checkpoint at or before the revision asked for. A
// checkpoint that does not match its seal is an error wrapping
// [account.ErrMismatch]. Checkpoints are reported to the Store's
// [account.Hooks] Checkpoint function. All updates stay stored: the
// history and [DB.Events] are whole. Files made before checkpoints open
// as they are and get checkpoints from then on.
//
// The hashes make an edit evident, not impossible: they have no key, so
// someone who can write the file can rewrite the hashes with it.
package sqlite
