package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"iter"
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
	return j, nil
}

// recover reads the latest checkpoint and the records after it, drops a
// torn record at the end of the log, and opens the last segment for
// appending. It returns the last durable state.
func (j *Journal) recover() (*account.Account, error) {
	names, err := j.fsys.ReadDir(j.dir)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	var ckpts []uint64
	for _, name := range names {
		if rev, ok := parseName(name, ckptPrefix, ckptSuffix); ok {
			ckpts = append(ckpts, rev)
		} else if first, ok := parseName(name, segPrefix, segSuffix); ok {
			j.segs = append(j.segs, first)
		} else if _, ok := parseName(strings.TrimSuffix(name, tmpSuffix), ckptPrefix, ckptSuffix); ok && strings.HasSuffix(name, tmpSuffix) {
			j.fsys.Remove(filepath.Join(j.dir, name)) // a checkpoint cut short
		}
	}
	slices.Sort(ckpts)
	slices.Sort(j.segs)
	if len(j.segs) > 0 && j.segs[0] == 0 {
		return nil, &CorruptError{File: filepath.Join(j.dir, segName(0)), Err: errors.New("a log segment starting at revision 0 (revisions start at 1)")}
	}
	if len(ckpts) == 0 {
		return nil, j.findJournal(names)
	}

	// The latest checkpoint.
	rev := ckpts[len(ckpts)-1]
	name := filepath.Join(j.dir, ckptName(rev))
	data, err := readFile(j.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	a, origin, err := readCheckpoint(name, data, rev)
	if err != nil {
		return nil, err
	}
	j.ckptSize = int64(len(data))
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
	var events []account.Event
	var interned interner
	// decode appends the events of one record after the checkpoint to
	// events, straight from its payload, and returns its revision.
	decode := func(p []byte) (uint64, error) {
		n := len(events)
		var err error
		if events, err = decodeUpdateTo(events, p, &interned); err != nil {
			return 0, err
		}
		r := events[n].Revision
		if r <= rev {
			events = events[:n]
		}
		return r, nil
	}
	var tailRev uint64 // the revision of the last record in the log
	for i := start; i < len(j.segs); i++ {
		first := j.segs[i]
		name := filepath.Join(j.dir, segName(first))
		data, err := readFile(j.fsys, name)
		if err != nil {
			return nil, fmt.Errorf("journal: open: %w", err)
		}
		events = slices.Grow(events, countFrames(data))
		lastSeg := i == len(j.segs)-1
		next := uint64(0) // for the last segment, any count of records
		if !lastSeg {
			next = j.segs[i+1]
		}
		size := int64(len(segMagic))
		tailRev = first - 1
		for r, err := range readRecords(name, data, first, next, lastSeg, decode) {
			if err != nil {
				var torn *tornError
				if errors.As(err, &torn) {
					size = torn.offset
					break
				}
				return nil, err
			}
			size, tailRev = r.end, r.rev
		}
		if lastSeg {
			j.segFirst, j.segSize = first, size
			if size != int64(len(data)) || size < int64(len(segMagic)) {
				// Drop the torn record, or rewrite a header cut short.
				if err := j.truncateTail(name, size); err != nil {
					return nil, err
				}
			}
		}
	}
	if tailRev < rev {
		return nil, &CorruptError{File: filepath.Join(j.dir, segName(j.segFirst)), Offset: j.segSize, Revision: tailRev + 1,
			Err: fmt.Errorf("the log ends at revision %d, before the checkpoint's revision %d", tailRev, rev)}
	}
	if len(events) > 0 {
		next, err := a.Replay(events)
		if err != nil {
			return nil, j.locateMismatch(a, start, err)
		}
		a = next
	}
	seg, err := j.fsys.OpenFile(filepath.Join(j.dir, segName(j.segFirst)), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: open: %w", err)
	}
	j.seg = seg
	return a, nil
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

// truncateTail cuts the last segment to size, dropping a torn record, and
// rewrites its header if even that was cut short.
func (j *Journal) truncateTail(name string, size int64) error {
	if size < int64(len(segMagic)) {
		// The segment's header was cut short: no record was ever in it.
		f, err := j.fsys.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0)
		if err == nil {
			err = writeAll(f, []byte(segMagic))
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("journal: open: repair %s: %w", name, err)
		}
		j.segSize = int64(len(segMagic))
		return nil
	}
	f, err := j.fsys.OpenFile(name, os.O_WRONLY, 0)
	if err == nil {
		err = f.Truncate(size)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("journal: open: drop the torn record at the end of %s: %w", name, err)
	}
	return nil
}

// locateMismatch finds the record whose events do not match the state, by
// replaying record by record from a, and returns a *CorruptError naming it.
func (j *Journal) locateMismatch(a *account.Account, start int, cause error) error {
	for i := start; i < len(j.segs); i++ {
		name := filepath.Join(j.dir, segName(j.segs[i]))
		data, err := readFile(j.fsys, name)
		if err != nil {
			break
		}
		var update []account.Event
		var at int64
		for e, err := range readSegment(name, data, j.segs[i], 0, true) {
			if err != nil {
				break
			}
			if e.Revision <= a.Revision() {
				continue
			}
			if len(update) > 0 && e.Revision != update[0].Revision {
				next, err := a.Replay(update)
				if err != nil {
					return &CorruptError{File: name, Offset: at, Revision: update[0].Revision, Err: err}
				}
				a, update = next, update[:0]
			}
			if len(update) == 0 {
				at = e.start
			}
			update = append(update, e.Event)
		}
		if len(update) > 0 {
			next, err := a.Replay(update)
			if err != nil {
				return &CorruptError{File: name, Offset: at, Revision: update[0].Revision, Err: err}
			}
			a = next
		}
	}
	return &CorruptError{File: j.dir, Err: cause}
}

// readCheckpoint decodes the checkpoint file name holding revision rev.
func readCheckpoint(name string, data []byte, rev uint64) (*account.Account, uint64, error) {
	if len(data) < len(ckptMagic) || string(data[:len(ckptMagic)]) != ckptMagic {
		return nil, 0, &CorruptError{File: name, Revision: rev, Err: errors.New("not a checkpoint (bad header)")}
	}
	off := int64(len(ckptMagic))
	p, size, err := nextFrame(data[off:])
	if err != nil {
		return nil, 0, &CorruptError{File: name, Offset: off, Revision: rev, Err: err}
	}
	if off+int64(size) != int64(len(data)) {
		return nil, 0, &CorruptError{File: name, Offset: off + int64(size), Revision: rev, Err: errors.New("bytes after the checkpoint")}
	}
	a, origin, err := decodeCheckpoint(p)
	if err != nil {
		return nil, 0, &CorruptError{File: name, Offset: off, Revision: rev, Err: err}
	}
	if a.Revision() != rev {
		return nil, 0, &CorruptError{File: name, Offset: off, Revision: rev, Err: fmt.Errorf("holds revision %d", a.Revision())}
	}
	return a, origin, nil
}

// A placedEvent is an event with the offsets of its record in its segment.
type placedEvent struct {
	account.Event
	start, end int64
}

// A tornError reports a record cut short at the end of the last segment.
type tornError struct{ offset int64 }

func (e *tornError) Error() string { return fmt.Sprintf("record cut short at offset %d", e.offset) }

// readSegment yields the events of the segment file name, whose content is
// data and whose first revision is first, as [readRecords] reads them.
func readSegment(name string, data []byte, first, next uint64, tail bool) iter.Seq2[placedEvent, error] {
	return func(yield func(placedEvent, error) bool) {
		var events []account.Event // reused for each record
		var names interner
		decode := func(p []byte) (uint64, error) {
			var err error
			if events, err = decodeUpdateTo(events[:0], p, &names); err != nil {
				return 0, err
			}
			return events[0].Revision, nil
		}
		for r, err := range readRecords(name, data, first, next, tail, decode) {
			if err != nil {
				yield(placedEvent{}, err)
				return
			}
			for _, e := range events {
				if !yield(placedEvent{Event: e, start: r.start, end: r.end}, nil) {
					return
				}
			}
		}
	}
}

// A segRecord is where one record is in its segment, and its revision.
type segRecord struct {
	start, end int64
	rev        uint64
}

// readRecords yields the records of the segment file name, whose content
// is data and whose first revision is first, after decode has decoded each
// record's payload and returned its revision. Revisions must be
// consecutive from first; if next is not 0, the segment must end just
// before revision next. In the last segment (tail), a record cut short at
// the end, or one whose bytes from its start to the end of the segment are
// all zero (the file grew but the data never reached the disk), yields a
// *tornError; anywhere else it is damage. Damage, and an
// error from decode, yield a *CorruptError.
func readRecords(name string, data []byte, first, next uint64, tail bool, decode func(payload []byte) (uint64, error)) iter.Seq2[segRecord, error] {
	return func(yield func(segRecord, error) bool) {
		corrupt := func(off int64, rev uint64, err error) {
			yield(segRecord{}, &CorruptError{File: name, Offset: off, Revision: rev, Err: err})
		}
		if len(data) < len(segMagic) {
			if tail && string(data) == segMagic[:len(data)] {
				yield(segRecord{}, &tornError{offset: 0})
				return
			}
			corrupt(0, first, errors.New("not a log segment (bad header)"))
			return
		}
		if string(data[:len(segMagic)]) != segMagic {
			corrupt(0, first, errors.New("not a log segment (bad header)"))
			return
		}
		off := int64(len(segMagic))
		want := first
		for off < int64(len(data)) {
			p, size, err := nextFrame(data[off:])
			if err != nil && tail && allZero(data[off:]) {
				// The file grew but the record's bytes never reached
				// the disk: a record torn by a crash, as one cut short.
				err = errTorn
			}
			if err == errTorn {
				if tail {
					yield(segRecord{}, &tornError{offset: off})
				} else {
					corrupt(off, want, errors.New("record cut short before the end of the log"))
				}
				return
			}
			if err != nil {
				corrupt(off, want, err)
				return
			}
			rev, err := decode(p)
			if err != nil {
				corrupt(off, want, err)
				return
			}
			if rev != want {
				corrupt(off, want, fmt.Errorf("record of revision %d where revision %d belongs", rev, want))
				return
			}
			end := off + int64(size)
			if !yield(segRecord{start: off, end: end, rev: rev}, nil) {
				return
			}
			off = end
			want++
		}
		if next != 0 && want != next {
			corrupt(off, want, fmt.Errorf("the segment ends before revision %d, but the next one starts at %d", want, next))
		}
	}
}

// allZero reports whether every byte of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// countFrames returns how many whole records the segment data holds,
// reading only their lengths, not their checksums, to size the events of a
// recovery: each record holds at least one event.
func countFrames(data []byte) int {
	n := 0
	for off := len(segMagic); off+headerLen <= len(data); n++ {
		size := int(binary.LittleEndian.Uint32(data[off:]))
		if size > len(data)-off-headerLen {
			break
		}
		off += headerLen + size
	}
	return n
}
