package account

import "time"

// Hooks are optional functions a [Store] calls at the steps of its updates,
// for metrics, tracing and logs, in the spirit of [net/http/httptrace]. Set
// them with [Store.SetHooks]; a nil field is skipped, and a Store without
// Hooks pays nothing for them. The functions run on the goroutine doing the
// work, sometimes while the Store holds its update lock, so they must be
// quick and must not call Update on the same Store.
type Hooks struct {
	// LockAcquired is called when an update holds the update lock, with how
	// long it waited for it. A callback runs only while the lock is held.
	LockAcquired func(waited time.Duration)
	// CallbackDone is called after each run of an update's callback.
	CallbackDone func(CallbackInfo)
	// AppendStart is called before the Store hands a batch to its
	// [Backend], AppendDone after the Backend answered.
	AppendStart func(BatchInfo)
	AppendDone  func(BatchInfo, AppendResult)
	// Retry is called when an update's callback will run again: its
	// snapshot was stale, or the update it built on did not commit.
	Retry func(RetryInfo)
	// CatchUpDone is called after the Store read the updates that other
	// writers committed from its Backend and published them.
	CatchUpDone func(CatchUpInfo)
	// Checkpoint is called by Backends that checkpoint the whole account
	// (packages journal and sqlite do), after each checkpoint written or failed.
	Checkpoint func(CheckpointInfo)
}

// CallbackInfo describes one run of an update's callback.
type CallbackInfo struct {
	Revision uint64        // the revision the update would commit as
	Steps    int           // the events its steps recorded
	Duration time.Duration // how long the callback ran
	Err      error         // the callback's error or the failed step's; nil if it succeeded
}

// BatchInfo describes a batch of updates handed to a [Backend].
type BatchInfo struct {
	First, Last uint64 // the revisions of its first and last updates
	Updates     int    // Last-First+1
	Events      int    // the events of all its updates
}

// AppendResult is what a [Backend]'s Append answered for a batch.
type AppendResult struct {
	Duration time.Duration
	Err      error // nil: the batch is stored
}

// RetryInfo describes an update whose callback runs again.
type RetryInfo struct {
	Revision uint64 // the revision it had been built as
	Err      error  // why: wraps [ErrStale], or the failure of the update it built on
}

// CatchUpInfo describes a catch-up: the Store read what its [Backend]
// holds past its snapshot and published it.
type CatchUpInfo struct {
	From, To uint64 // the revisions before and after; equal if nothing was new
	// Latest is the commit time (the events' Time) of the last update
	// published, zero if none was: time.Since(Latest) in the hook is how
	// long ago the newest update the Store now holds was committed.
	Latest   time.Time
	Duration time.Duration
	Err      error
}

// CheckpointInfo describes a checkpoint of a whole account written by a
// [Backend].
type CheckpointInfo struct {
	Revision uint64 // the revision of the account checkpointed
	Bytes    int64  // its size
	Duration time.Duration
	Err      error
}
