package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/entaccess/entaccess/account"
)

func open(fsys fileSystem, dir string, opt options) (*Journal, error) {
	j := &Journal{dir: dir, fsys: fsys, opt: opt}
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	// Find the journal before taking the lock, whose LOCK file would stay
	// in a directory that holds none.
	if err := j.findJournal(names); err != nil {
		return nil, err
	}
	if err := j.takeLock(); err != nil {
		return nil, err
	}
	a, err := j.recover()
	if err != nil {
		j.lock.Close()
		return nil, err
	}
	j.start(a)
	// The log written since the last checkpoint counts as before the
	// restart: a checkpoint that fell due is started now.
	j.mu.Lock()
	j.checkpointIfDue(a)
	j.mu.Unlock()
	return j, nil
}

// recover reads the latest checkpoint and the records after it, drops
// what a crash or power loss left after the last synced record, makes
// what it read durable, and opens the last segment for appending. It
// returns the last durable state.
func (j *Journal) recover() (*account.Account, error) {
	names, err := j.fsys.ReadDir(j.dir)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	ckpts := checkpoints(names)
	if len(ckpts) == 0 {
		return nil, j.findJournal(names)
	}
	// The entries seen may be in the page cache only (a process killed
	// before it synced the directory): make them durable before changing
	// any, so that no change here reaches the disk without them.
	if err := j.fsys.SyncDir(j.dir); err != nil {
		return nil, fmt.Errorf("journal: open: sync %s: %w", j.dir, err)
	}
	for _, name := range names {
		if first, ok := parseName(name, segPrefix, segSuffix); ok {
			j.segs = append(j.segs, first)
		} else if _, ok := parseName(strings.TrimSuffix(name, tmpSuffix), ckptPrefix, ckptSuffix); ok && strings.HasSuffix(name, tmpSuffix) {
			j.fsys.Remove(filepath.Join(j.dir, name)) // a checkpoint cut short
		}
	}
	slices.Sort(j.segs)
	if len(j.segs) > 0 && j.segs[0] == 0 {
		return nil, &CorruptError{File: filepath.Join(j.dir, segName(0)), Err: errors.New("a log segment starting at revision 0 (revisions start at 1)")}
	}

	// The latest checkpoint.
	rev := ckpts[len(ckpts)-1]
	name := filepath.Join(j.dir, ckptName(rev))
	b, origin, size, err := readCheckpoint(j.fsys, name, rev)
	if err != nil {
		var ce *CorruptError
		if errors.As(err, &ce) && len(ckpts) > 1 {
			ce.Err = fmt.Errorf("%w (the log and the checkpoint of revision %d hold this state too: with this file removed, Open rebuilds it from them)", ce.Err, ckpts[len(ckpts)-2])
			return nil, ce
		}
		if ce != nil {
			return nil, err
		}
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	j.ckptSize = size
	j.origin = origin
	if tmp := segName(rev+1) + tmpSuffix; len(j.segs) == 0 && origin == rev && slices.Contains(names, tmp) {
		// A Create stopped after writing its checkpoint, before renaming
		// its segment into place: finish it.
		err := j.fsys.Rename(filepath.Join(j.dir, tmp), filepath.Join(j.dir, segName(rev+1)))
		if err == nil {
			err = j.fsys.SyncDir(j.dir)
		}
		if err != nil {
			return nil, fmt.Errorf("journal: open: %w", err)
		}
		j.segs = []uint64{rev + 1}
	}

	// The segment holding revision rev+1, and those after it.
	start := -1
	for i, first := range j.segs {
		if first <= rev+1 {
			start = i
		}
	}
	if start < 0 {
		return nil, &CorruptError{File: filepath.Join(j.dir, segName(rev+1)), Revision: rev + 1, Err: errors.New("no log segment holds the revision after the checkpoint")}
	}
	r := replayer{b: b}
	var tailRev uint64 // the revision of the last record in the log
	var tailEnd int64  // the offset after it in the last segment
	for i := start; i < len(j.segs); i++ {
		first := j.segs[i]
		name := filepath.Join(j.dir, segName(first))
		lastSeg := i == len(j.segs)-1
		end, last, chain, dmg, err := scanSegment(j.fsys, name, first, lastSeg, func(rec segRecord) error {
			if rec.rev <= rev {
				return nil
			}
			return r.add(name, rec)
		})
		var ce *CorruptError
		if errors.As(err, &ce) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("journal: open: read %s: %w", name, err)
		}
		if dmg != nil && (!lastSeg || dmg.synced()) {
			if !lastSeg && errors.Is(dmg.err, errTorn) {
				dmg.err = errors.New("record cut short before the end of the log")
			}
			return nil, dmg.corrupt(name)
		}
		if !lastSeg && last+1 != j.segs[i+1] {
			return nil, &CorruptError{File: name, Offset: end, Revision: last + 1,
				Err: fmt.Errorf("the segment ends before revision %d, but the next one starts at %d", last+1, j.segs[i+1])}
		}
		if err := r.flush(); err != nil {
			return nil, err
		}
		tailRev = last
		j.sinceCkpt += max(end-int64(len(segMagic)), 0)
		if lastSeg {
			j.segFirst, tailEnd, j.chain = first, end, chain
			if dmg != nil {
				// Drop what was not synced, or rewrite a header that
				// never reached the disk.
				if err := j.truncateTail(name, end); err != nil {
					return nil, err
				}
			}
		}
	}
	if tailRev < rev {
		return nil, &CorruptError{File: filepath.Join(j.dir, segName(j.segFirst)), Offset: tailEnd, Revision: tailRev + 1,
			Err: fmt.Errorf("the log ends at revision %d, before the checkpoint's revision %d", tailRev, rev)}
	}
	a, err := r.account()
	var ce *CorruptError
	if errors.As(err, &ce) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	seg, err := j.fsys.OpenFile(filepath.Join(j.dir, segName(j.segFirst)), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	// What Open read may be in the page cache only (a process killed
	// before its sync): make it durable before anything is built on it.
	// (The directory's entries were synced at the start.)
	if err = seg.Sync(); err != nil {
		seg.Close()
		return nil, fmt.Errorf("journal: open: sync: %w", err)
	}
	j.seg = seg
	return a, nil
}

// A replayer applies the records after a checkpoint to the account a
// Builder holds, in place, a few records at a time (so that the Builder
// can look ahead, see [account.Builder.Replay]): recovery holds the state
// and a few records, whatever the log's length, and copies nothing of the
// state.
type replayer struct {
	b      *account.Builder
	events []account.Event // of the records gathered; reused
	recs   []replayedRecord
	names  interner
}

// A replayedRecord is where a record of the pending events came from.
type replayedRecord struct {
	name  string
	start int64
	rev   uint64
	first int // the index of its first event in events
}

// replayBatch is how many events a replayer gathers before it applies
// them: a few, enough for the Builder's look-ahead.
const replayBatch = 64

// add decodes the record and gathers its events, and applies those
// gathered once there are enough. A record that does not decode is damage
// (the caller decides whether torn or corrupt); one whose events do not
// fit the state is a *CorruptError naming it.
func (r *replayer) add(name string, rec segRecord) error {
	n := len(r.events)
	var err error
	if r.events, err = decodeUpdateTo(r.events, rec.payload, &r.names); err != nil {
		return err
	}
	r.recs = append(r.recs, replayedRecord{name: name, start: rec.start, rev: rec.rev, first: n})
	if len(r.events) >= replayBatch {
		return r.flush()
	}
	return nil
}

// flush applies the events gathered. If they do not apply, it returns a
// *CorruptError naming the record that holds the first event that does
// not.
func (r *replayer) flush() error {
	if len(r.events) == 0 {
		return nil
	}
	if n, err := r.b.Replay(r.events); err != nil {
		i := len(r.recs) - 1
		for i > 0 && r.recs[i].first > n {
			i--
		}
		rec := r.recs[i]
		return &CorruptError{File: rec.name, Offset: rec.start, Revision: rec.rev, Err: err}
	}
	clear(r.events) // drop the strings they hold
	r.events, r.recs = r.events[:0], r.recs[:0]
	return nil
}

// account applies the events gathered and returns the account the records
// led to.
func (r *replayer) account() (*account.Account, error) {
	if err := r.flush(); err != nil {
		return nil, err
	}
	return r.b.Account()
}

// findJournal returns nil if names, the files in j.dir, include a
// checkpoint: a journal is there. Otherwise it returns an error wrapping
// [fs.ErrNotExist] if there is no log segment either (what a Create cut
// short leaves), and a *CorruptError if there are log segments without a
// checkpoint.
func (j *Journal) findJournal(names []string) error {
	var segs []uint64
	for _, name := range names {
		if _, ok := parseName(name, ckptPrefix, ckptSuffix); ok {
			return nil
		}
		if first, ok := parseName(name, segPrefix, segSuffix); ok {
			segs = append(segs, first)
		}
	}
	if len(segs) > 0 {
		return &CorruptError{File: filepath.Join(j.dir, segName(slices.Min(segs))), Err: errors.New("log segments without a checkpoint")}
	}
	return fmt.Errorf("journal: open %s: no journal here: %w", j.dir, fs.ErrNotExist)
}

// truncateTail cuts the last segment to size, dropping what was not
// synced, and syncs the cut before Open goes on. A segment whose header
// never reached the disk (size 0) is made again, as a new file, so that
// no old bytes of its records can show behind the new ones: the first
// record of a segment has no predecessor to chain to.
func (j *Journal) truncateTail(name string, size int64) error {
	var err error
	if size == 0 {
		// A new file in the old one's place, renamed over it: a crash
		// leaves one or the other.
		_, err = writeFileAtomic(j.fsys, name, func(w io.Writer) (int64, error) {
			return int64(len(segMagic)), writeAll(w, []byte(segMagic))
		})
	} else {
		var f file
		if f, err = j.fsys.OpenFile(name, os.O_WRONLY, 0); err == nil {
			err = f.Truncate(size)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		return fmt.Errorf("journal: open: drop the torn end of %s: %w", name, err)
	}
	return nil
}
