package journal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/entaccess/entaccess/account"
)

var (
	// ErrCorrupt reports damage that Open cannot repair without losing or
	// inventing a committed update: a checksum mismatch in a record known
	// to be synced, a missing or truncated file before the end of the log,
	// a gap in revisions, events that do not match the state they apply
	// to, a damaged checkpoint. The error is a [*CorruptError] naming the
	// file, the offset and, where known, the revision. A file that cannot
	// be read (permissions, no file descriptors left) is another error.
	ErrCorrupt = errors.New("journal corrupt")
	// ErrClosed reports an update on the Store of a closed Journal, or a
	// read of its Events after Close.
	ErrClosed = errors.New("journal closed")
	// ErrLocked reports an Open or Create of a directory that is open in
	// another Journal, in this process or another: its LOCK file is locked.
	ErrLocked = errors.New("the directory is open in another Journal (its LOCK file is locked)")
)

// existsError is what Create wraps when the directory already holds a
// journal: it matches both [account.ErrExists] and [fs.ErrExist].
type existsError struct{}

func (existsError) Error() string { return account.ErrExists.Error() }

func (existsError) Is(target error) bool { return target == account.ErrExists || target == fs.ErrExist }

// A CorruptError reports where a journal is damaged. It matches
// [ErrCorrupt] with [errors.Is].
type CorruptError struct {
	File     string // the damaged file's path
	Offset   int64  // the byte offset of the damage in File
	Revision uint64 // the revision of the damaged record, or 0 if unknown
	Err      error  // what is wrong
}

// Error returns the damage in one line: the file, the offset, the
// revision if known, and what is wrong.
func (e *CorruptError) Error() string {
	msg := fmt.Sprintf("journal: %s: offset %d", e.File, e.Offset)
	if e.Revision != 0 {
		msg += fmt.Sprintf(" (revision %d)", e.Revision)
	}
	return msg + ": " + e.Err.Error() + ": " + ErrCorrupt.Error()
}

// Unwrap returns [ErrCorrupt] and the underlying error.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// A Journal keeps one account durably in a directory. Its [Journal.Store]
// commits each update to the write-ahead log, and syncs it to stable
// storage, before publishing it. The zero Journal is not usable: get one
// from [Create] or [Open].
type Journal struct {
	dir   string
	fsys  fileSystem
	lock  io.Closer
	store *account.Store
	opt   options

	mu        sync.Mutex
	idle      *sync.Cond // broadcast when writing ends
	seg       file       // the segment records are appended to
	segFirst  uint64     // its first revision
	chain     uint32     // the payload checksum of its last record, or 0
	segs      []uint64   // first revisions of all segments, ascending
	origin    uint64     // the revision the journal was created at
	buf       []byte     // the records of the batch being written, kept for the next
	durable   uint64     // revision of the last record synced
	writing   bool       // an Append is writing and syncing
	broken    error      // the write or sync that failed; no update is accepted after it
	closed    bool
	sinceCkpt int64 // log bytes since the segment the last checkpoint starts
	ckptSize  int64 // size of the last checkpoint
	ckptBusy  bool
	ckptDone  sync.WaitGroup
	ckptErr   error // the last failed checkpoint's error
	syncs     int64 // fsyncs of the log so far, for benchmarks
}

// Options are a journal's settings. The zero Options are the defaults,
// which [Create] and [Open] use.
type Options struct {
	// CheckpointBytes is how many bytes of log written after the last
	// checkpoint make the journal start a new segment and checkpoint the
	// whole account, or the size of the last checkpoint if that is larger,
	// so that checkpoints never take more space than the log. 0 means
	// 8 MiB.
	CheckpointBytes int64
	// KeepCheckpoints is how many of the latest checkpoints the journal
	// keeps, beside the one Create wrote, which it always keeps; 0 keeps
	// every checkpoint. The state as of any revision is rebuilt from the
	// nearest checkpoint kept at or before it and the log after it, so
	// keeping them all bounds that work by one checkpoint interval, at the
	// cost of at most as much space as the log itself.
	KeepCheckpoints int
}

// options are the settings in effect.
type options struct {
	checkpointBytes int64
	keepCheckpoints int
}

var defaultOptions = options{checkpointBytes: 8 << 20}

func (o Options) options() (options, error) {
	opt := defaultOptions
	switch {
	case o.CheckpointBytes < 0:
		return opt, fmt.Errorf("journal: Options.CheckpointBytes %d is negative: %w", o.CheckpointBytes, account.ErrInvalid)
	case o.KeepCheckpoints < 0:
		return opt, fmt.Errorf("journal: Options.KeepCheckpoints %d is negative: %w", o.KeepCheckpoints, account.ErrInvalid)
	case o.CheckpointBytes > 0:
		opt.checkpointBytes = o.CheckpointBytes
	}
	opt.keepCheckpoints = o.KeepCheckpoints
	return opt, nil
}

// Create is [Create] with these options.
func (o Options) Create(dir string, a *account.Account) (*Journal, error) {
	opt, err := o.options()
	if err != nil {
		return nil, err
	}
	return create(osFS{}, dir, a, opt)
}

// Open is [Open] with these options. The options are not stored: each Open
// says what they are.
func (o Options) Open(dir string) (*Journal, error) {
	opt, err := o.options()
	if err != nil {
		return nil, err
	}
	return open(osFS{}, dir, opt)
}

// Create makes a new journal in dir, made if missing, whose state is a,
// at a's revision: the first update commits as a.Revision()+1. If dir already holds a journal, the error matches
// both [account.ErrExists] and [fs.ErrExist]; if it is open in another
// Journal, [ErrLocked]. A nil a is an error wrapping [account.ErrInvalid].
//
// A Create that fails, or that a crash or power loss cuts short, leaves
// either no journal (Open returns an error wrapping [fs.ErrNotExist], and
// Create may be tried again) or, if it got as far as its last step, a
// whole journal whose state is a. Once Create returns, the journal is
// durable: the directories above dir are synced too. Directories Create
// makes are private to their owner (0700), and so are its files (0600).
// An a whose revision leaves no room for an update (2^64-2 or more) is an
// error wrapping [account.ErrInvalid].
func Create(dir string, a *account.Account) (*Journal, error) {
	return create(osFS{}, dir, a, defaultOptions)
}

// Open opens the journal in dir, recovered to its last durable revision:
// the state after every update whose Update returned, and perhaps updates
// that were in flight when the journal was last closed, crashed or lost
// power, each wholly present or wholly absent. Whatever follows the last
// record known to be synced is dropped, since its update never returned
// (see the package doc); damage before it is an error wrapping
// [ErrCorrupt] (a [*CorruptError]). Open makes what it recovered durable
// before it returns. A directory
// without a journal, or missing, is an error wrapping [fs.ErrNotExist],
// and Open leaves it as it found it. A directory open in another Journal
// is an error wrapping [ErrLocked].
//
// Open reads the latest checkpoint and the records after it, not the whole
// history.
func Open(dir string) (*Journal, error) {
	return open(osFS{}, dir, defaultOptions)
}

func create(fsys fileSystem, dir string, a *account.Account, opt options) (*Journal, error) {
	if a == nil {
		return nil, fmt.Errorf("journal: create %s: nil account: %w", dir, account.ErrInvalid)
	}
	if a.Revision() > maxRevision-1 {
		return nil, fmt.Errorf("journal: create %s: revision %d leaves no revision for an update (a journal holds revisions up to %d): %w", dir, a.Revision(), uint64(maxRevision), account.ErrInvalid)
	}
	if err := mkdirDurable(fsys, dir); err != nil {
		return nil, fmt.Errorf("journal: create: %w", err)
	}
	j := &Journal{dir: dir, fsys: fsys, opt: opt}
	if err := j.takeLock(); err != nil {
		return nil, err
	}
	names, err := fsys.ReadDir(dir)
	if err != nil {
		j.lock.Close()
		return nil, fmt.Errorf("journal: create: %w", err)
	}
	for _, name := range names {
		_, ckpt := parseName(name, ckptPrefix, ckptSuffix)
		_, seg := parseName(name, segPrefix, segSuffix)
		if ckpt || seg {
			j.lock.Close()
			return nil, fmt.Errorf("journal: create %s: the directory holds a journal (%s): %w", dir, name, existsError{})
		}
	}
	for _, name := range names {
		if _, ok := parseName(strings.TrimSuffix(name, tmpSuffix), segPrefix, segSuffix); ok && strings.HasSuffix(name, tmpSuffix) {
			fsys.Remove(filepath.Join(dir, name)) // the segment of a Create cut short
		}
	}
	// The checkpoint makes the journal: the segment is written under a
	// temporary name before it, and renamed into place after it. Until the
	// checkpoint is in place, the directory holds no journal; once it is,
	// Open finishes the rename if need be (see recover).
	rev := a.Revision()
	seg, tmp := filepath.Join(dir, segName(rev+1)), filepath.Join(dir, segName(rev+1)+tmpSuffix)
	j.origin = rev
	err = j.newSegment(rev+1, tmp)
	if err == nil {
		err = j.writeCheckpoint(a)
	}
	if err == nil {
		err = fsys.Rename(tmp, seg)
	}
	if err == nil {
		err = fsys.SyncDir(dir)
	}
	if err != nil {
		if j.seg != nil {
			j.seg.Close()
		}
		j.abandon(rev)
		j.lock.Close()
		return nil, fmt.Errorf("journal: create %s: %w", dir, err)
	}
	j.start(a)
	return j, nil
}

// abandon removes what a failed Create wrote for a journal at revision
// rev, so that Create can be tried again in j.dir. It undoes Create's
// steps in reverse, each made durable before the next, so that a crash
// leaves either a whole journal or none: the segment goes back to its
// temporary name, then the checkpoint goes, then the segment. If a step
// fails, it stops there.
func (j *Journal) abandon(rev uint64) {
	seg, tmp := filepath.Join(j.dir, segName(rev+1)), filepath.Join(j.dir, segName(rev+1)+tmpSuffix)
	for _, undo := range []func() error{
		func() error { return j.fsys.Rename(seg, tmp) },
		func() error { return j.fsys.Remove(filepath.Join(j.dir, ckptName(rev))) },
		func() error { return j.fsys.Remove(tmp) },
	} {
		if err := undo(); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
		if j.fsys.SyncDir(j.dir) != nil {
			return
		}
	}
}

// takeLock locks dir for this Journal.
func (j *Journal) takeLock() error {
	l, err := j.fsys.Lock(filepath.Join(j.dir, lockName))
	if err != nil {
		return fmt.Errorf("journal: %s: %w", j.dir, err)
	}
	j.lock = l
	return nil
}

// start makes j's Store, whose state is a, the last durable state.
func (j *Journal) start(a *account.Account) {
	j.idle = sync.NewCond(&j.mu)
	j.durable = a.Revision()
	j.store = account.NewStoreWith(a, (*backend)(j))
}

// Store returns the Journal's Store, the same one for the Journal's life.
// Its updates return once they are on stable storage; after Close they
// fail with [ErrClosed].
func (j *Journal) Store() *account.Store { return j.store }

// Close waits for the batch being stored to be synced, stops accepting
// updates and releases the directory. The Store keeps its last snapshot
// for readers. Close returns the first error of a failed write, sync or
// checkpoint, if any; closing a closed Journal returns nil.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	for j.writing {
		j.idle.Wait()
	}
	err := j.broken
	j.mu.Unlock()
	j.ckptDone.Wait()
	j.mu.Lock()
	defer j.mu.Unlock()
	if err == nil {
		err = j.ckptErr
	}
	if cerr := j.seg.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if cerr := j.lock.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("journal: close %s: %w", j.dir, err)
	}
	return nil
}

// backend is the Journal as the Store sees it.
type backend Journal

// Append writes the batch's records to the log and syncs it once for them
// all. A write or sync that fails may still have put some of the records
// on the disk, so its error wraps [account.ErrOutcomeUnknown], and the
// journal accepts no update until it is reopened, when recovery decides.
func (b *backend) Append(ctx context.Context, batch []account.Update) error {
	j := (*Journal)(b)
	j.mu.Lock()
	defer j.mu.Unlock()
	switch {
	case j.closed:
		return fmt.Errorf("journal: update %s: %w", j.dir, ErrClosed)
	case j.broken != nil:
		return fmt.Errorf("journal: update %s: an earlier write failed, so no update is accepted until the journal is reopened: %w", j.dir, j.broken)
	case len(batch) == 0:
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("journal: update %s: %w", j.dir, err)
	}
	buf, chain, err := j.appendBatch(j.buf[:0], batch)
	if err != nil {
		return fmt.Errorf("journal: update %s: %w", j.dir, err)
	}
	last := batch[len(batch)-1]
	seg := j.seg
	j.writing = true
	j.mu.Unlock()
	err = writeSynced(seg, buf)
	j.mu.Lock()
	j.writing = false
	j.syncs++
	j.idle.Broadcast()
	if err != nil {
		j.broken = fmt.Errorf("write %s: %w", filepath.Join(j.dir, segName(j.segFirst)), err)
		return fmt.Errorf("journal: update %s (%s): %w", j.dir, revisions(batch[0].Revision(), last.Revision()), errors.Join(account.ErrOutcomeUnknown, j.broken))
	}
	j.durable, j.chain = last.Revision(), chain
	j.sinceCkpt += int64(len(buf))
	j.buf = buf
	j.checkpointIfDue(last.Account)
	return nil
}

// checkpointIfDue starts a new segment and checkpoints acct, the durable
// state, if enough log was written since the last checkpoint. It is
// called with j.mu held, when no record is being written.
func (j *Journal) checkpointIfDue(acct *account.Account) {
	if j.sinceCkpt >= max(j.opt.checkpointBytes, j.ckptSize) && !j.ckptBusy && !j.closed && j.segFirst <= j.durable {
		j.rotate(acct)
	}
}

// revisions names the revisions first to last.
func revisions(first, last uint64) string {
	if first == last {
		return fmt.Sprintf("revision %d", first)
	}
	return fmt.Sprintf("revisions %d to %d", first, last)
}

// Events implements [account.Backend]: the Store reads the log after its
// snapshot when it catches up, which with a journal, the only writer, finds
// nothing unless an Append's outcome was unknown; but after a failed write
// the journal reports that instead, since only recovery knows what the disk
// holds.
func (b *backend) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	j := (*Journal)(b)
	j.mu.Lock()
	broken := j.broken
	j.mu.Unlock()
	if broken != nil {
		return func(yield func(account.Event, error) bool) {
			yield(account.Event{}, fmt.Errorf("journal: catch up %s: a write failed, so what the log holds is known only once the journal is reopened: %w", j.dir, broken))
		}
	}
	return j.Events(ctx, after)
}

// rotate starts a new segment after the durable revision j.durable and
// checkpoints acct, the state at that revision, in the background. It is
// called with j.mu held, when no record is being written.
func (j *Journal) rotate(acct *account.Account) {
	old := j.seg
	if err := j.newSegment(j.durable+1, filepath.Join(j.dir, segName(j.durable+1))); err != nil {
		j.broken = fmt.Errorf("start segment %s: %w", segName(j.durable+1), err)
		return
	}
	old.Close()
	j.sinceCkpt = 0
	j.ckptBusy = true
	j.ckptDone.Add(1)
	go func() {
		defer j.ckptDone.Done()
		err := j.writeCheckpoint(acct)
		j.mu.Lock()
		defer j.mu.Unlock()
		j.ckptBusy = false
		if j.ckptErr == nil {
			j.ckptErr = err // the first error; a later success does not undo it
		}
	}()
}

// newSegment creates the segment whose first revision is first, in the
// file name, and makes it the one records are appended to. It is durable
// when newSegment returns.
func (j *Journal) newSegment(first uint64, name string) error {
	f, err := j.fsys.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, filePerm)
	if err != nil {
		return err
	}
	err = writeAll(f, []byte(segMagic))
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = j.fsys.SyncDir(j.dir)
	}
	if err != nil {
		f.Close()
		return err
	}
	j.seg, j.segFirst, j.chain = f, first, 0
	j.segs = append(j.segs, first)
	return nil
}

// Events returns the audit log: every committed step with a revision
// greater than after, in commit order, each with its actor and commit
// time. It reads the whole history from disk, from the first segment that
// holds a revision after after. A damaged record yields an error wrapping
// [ErrCorrupt] and ends the sequence; so does a Journal closed before the
// sequence is read ([ErrClosed]), and a file that cannot be read (an
// error that is not ErrCorrupt: the damage, if any, is not known).
//
// The sequence holds the updates durable when it starts; it may be read
// while updates go on. A ctx done while it is read ends it with ctx's
// error; a nil ctx is [context.Background].
func (j *Journal) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return j.events(ctx, after, maxRevision, "", false)
}

// The journal reads one user's events cheaply: an [account.UserHistory].
var _ account.UserHistory = (*Journal)(nil)

// UserEvents returns the events of Events(ctx, after) whose User is user
// and whose revision is at most through, as [account.UserHistory] asks. It
// reads and checks every record after after, as Events does, but compares
// the user's name in each record's bytes before it decodes the rest, so
// that the records of other users cost a pass over their bytes. A through
// past the journal's last durable revision yields an
// [*account.RevisionError] wrapping [account.ErrNotCommitted], and no
// event.
func (j *Journal) UserEvents(ctx context.Context, user string, after, through uint64) iter.Seq2[account.Event, error] {
	return j.events(ctx, after, through, user, true)
}

// events is Events, up to revision through, and with filter set, for the
// events of user alone.
func (j *Journal) events(ctx context.Context, after, through uint64, user string, filter bool) iter.Seq2[account.Event, error] {
	if ctx == nil {
		ctx = context.Background()
	}
	return func(yield func(account.Event, error) bool) {
		j.mu.Lock()
		closed := j.closed
		durable := j.durable
		var segs []uint64
		if durable > after {
			segs = slices.Clone(j.segs)
		}
		j.mu.Unlock()
		switch {
		case closed:
			yield(account.Event{}, fmt.Errorf("journal: events %s: %w", j.dir, ErrClosed))
			return
		case filter && through > durable:
			yield(account.Event{}, fmt.Errorf("journal: events in %s: %w", j.dir, &account.RevisionError{Revision: through, Latest: durable, Err: account.ErrNotCommitted}))
			return
		}
		durable = min(durable, through)
		if durable <= after {
			return
		}
		start := 0
		for i, first := range segs {
			if first <= after+1 {
				start = i
			}
		}
		if first := segs[start]; first > after+1 && first != j.origin+1 {
			yield(account.Event{}, &CorruptError{File: filepath.Join(j.dir, segName(first)), Revision: max(after+1, j.origin+1),
				Err: fmt.Errorf("the log segments before revision %d are missing", first)})
			return
		}
		var events []account.Event // of one record
		var names interner
		for i := start; i < len(segs) && segs[i] <= durable; i++ {
			name := filepath.Join(j.dir, segName(segs[i]))
			stopped := false
			_, last, _, dmg, err := scanSegment(j.fsys, name, segs[i], false, func(rec segRecord) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if rec.rev > durable {
					return errStop
				}
				if rec.rev <= after {
					return nil
				}
				var err error
				if filter {
					events, err = decodeUserEventsTo(events[:0], rec.payload, &names, user)
				} else {
					events, err = decodeUpdateTo(events[:0], rec.payload, &names)
				}
				if err != nil {
					return err
				}
				for _, e := range events {
					if !yield(e, nil) {
						stopped = true
						return errStop
					}
				}
				return nil
			})
			switch {
			case stopped:
				return
			case errors.Is(err, fs.ErrNotExist):
				yield(account.Event{}, &CorruptError{File: name, Revision: segs[i], Err: errors.New("the log segment is missing")})
				return
			case err != nil:
				yield(account.Event{}, fmt.Errorf("journal: events %s: %w", name, err))
				return
			case ctx.Err() != nil:
				yield(account.Event{}, fmt.Errorf("journal: events %s: %w", j.dir, ctx.Err()))
				return
			case dmg != nil && dmg.rev <= durable:
				yield(account.Event{}, dmg.corrupt(name))
				return
			}
			want := durable
			if i+1 < len(segs) {
				want = min(want, segs[i+1]-1)
			}
			if last < want {
				yield(account.Event{}, &CorruptError{File: name, Revision: last + 1, Err: fmt.Errorf("the segment ends before revision %d", last+1)})
				return
			}
		}
	}
}
