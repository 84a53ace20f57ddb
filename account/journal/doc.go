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
// # Crash safety and power loss
//
// Each update is one record, framed with its length and CRC-32C checksums,
// and written and synced (fsync) before Update returns. After a crash or a
// power loss at any instant, Open recovers every update whose Update
// returned; an update in flight is wholly present or wholly absent.
//
// A power loss leaves more than a record cut short: the file system may
// write a file's pages back in any order, leave zeros where a write never
// landed or old bytes where a page was not rewritten, and lose directory
// entries (files created, renamed or removed) whose directory was not
// synced. So Open judges the end of the log by what was synced, not by
// the shape of the damage. Each record carries the last revision that was
// synced before it was written, and names the checksum of the record
// before it. Whatever follows the last record known to be synced (zeros,
// holes, garbage, old records, a new segment whose header never reached
// the disk) is dropped as torn, since no Update covering it returned. A
// damaged record that an intact record after it says was synced is
// [ErrCorrupt], naming the file, the offset and the revision: synced data
// that changed was damaged, and Open never guesses. The one case it cannot
// tell apart is damage to the last batch synced when nothing written
// after it survived; that is dropped as a torn write, as in any log that
// syncs each batch once.
//
// Every directory entry the journal makes is synced: Create syncs the
// directories above the journal's, a checkpoint's rename and a new
// segment are synced before they count, and Open syncs the directory and
// the end of the log it recovered before showing the state, so that what
// a killed process left in the page cache is not lost by a later power
// loss. After a failed write or sync, the journal accepts no update until
// it is reopened: a sync retried after a failure can report success for
// data that never reached the disk.
//
// The journal's files are created readable and writable by their owner
// only (0600), its directory 0700: they say who may do what in the account.
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
// When the log since the last checkpoint grows past
// [Options.CheckpointBytes] (8 MiB by default) or the checkpoint's own
// size, the journal starts a new log segment and writes a checkpoint of
// the state in the background: to a temporary file, synced, renamed into
// place, and the directory synced. Open reads the latest checkpoint and
// the records after it, so it costs the state plus the recent changes; it
// counts the log written since that checkpoint, so a process restarted
// often still checkpoints, and starts a checkpoint that is due.
//
// The log is never truncated: [Journal.Events] reads it all and is the
// audit log, every committed step with its actor and time. Create's
// checkpoint is always kept, and by default every later one
// ([Options.KeepCheckpoints] keeps only the latest n beside Create's), so
// the state as of any revision can be rebuilt from the nearest checkpoint
// at or before it and the log after it, and a damaged checkpoint can be
// removed and rebuilt from an earlier one. Since a checkpoint is written
// only after at least its own size of log, keeping them all costs at most
// as much space as the log.
//
// # Limits and memory
//
// An update's record holds at most 64 MiB (hundreds of thousands of
// steps); a larger update fails with an error wrapping
// [account.ErrInvalid] and the journal goes on. Checkpoints are written
// and read in frames of about 1 MiB, so an account of any size within
// account's limits has a checkpoint Open reads. Open builds the account
// from the checkpoint as it reads it, with an [account.Builder], and
// replays the log on it in place; it holds the state and a few records at
// a time, whatever the length of the log or the size of a torn tail. Revisions go up to 2^64-2: Create
// refuses an account whose revision leaves no room for an update.
//
// # One process at a time
//
// A Journal holds an advisory lock (flock) on the file LOCK in its
// directory, so a second Open or Create of the directory, in this process
// or another, fails at once. The lock goes when the Journal is closed or
// the process ends. On systems without flock (Windows) the directory is
// not locked.
package journal
