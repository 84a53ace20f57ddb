// Package journal keeps an account durably in a directory, with the
// standard library only: a write-ahead log of every committed update and
// periodic checkpoints of the whole account.
//
// [Create] makes a journal, [Open] recovers one, and [Journal.Store] is an
// [account.Store] whose Update returns only once the update's record is
// written and synced to stable storage. Readers call Load as on any Store:
// it never touches the disk.
//
//	j, err := journal.Open(dir)
//	if errors.Is(err, fs.ErrNotExist) {
//		j, err = journal.Create(dir, initial) // the first start
//	}
//	if err != nil {
//		return err
//	}
//	defer j.Close()
//	store := j.Store() // checks: store.Load().Can(...); changes: store.Update(...)
//
// # Crash safety
//
// Each update is one record, framed with its length and CRC-32C checksums.
// After a crash at any instant, Open recovers every update whose Update
// returned; an update in flight is wholly present or wholly absent. Only a
// record cut short at the very end of the log is dropped (so are zeros
// from a record's start to the end of the log, which a file system may
// leave where a write never reached the disk); any other damage
// is [ErrCorrupt], naming the file and offset. After a failed write or
// sync, the journal accepts no update until it is reopened: a sync retried
// after a failure can report success for data that never reached the disk.
//
// # Group commit
//
// Updates that arrive while a sync is in flight are handed to the journal
// together, as the next batch, which it writes and syncs once, so
// concurrent updaters share syncs. Each update's callback still runs on
// the latest state, one at a time.
//
// # Checkpoints and history
//
// When the log since the last checkpoint grows past a few megabytes (or the
// checkpoint's own size), the journal starts a new log segment and writes
// a checkpoint of the state in the background: to a temporary file, synced,
// renamed into place, and the directory synced. Open reads the latest
// checkpoint and the records after it, so it costs the state plus the
// recent changes. Old segments are kept: [Journal.Events] reads them all
// and is the audit log, every committed step with its actor and time.
//
// # One process at a time
//
// A Journal holds an advisory lock (flock) on the file LOCK in its
// directory, so a second Open or Create of the directory, in this process
// or another, fails at once. The lock goes when the Journal is closed or
// the process ends. On systems without flock (Windows) the directory is
// not locked.
package journal
