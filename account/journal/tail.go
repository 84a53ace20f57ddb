package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// What was synced, and what may be torn
//
// Each update record carries a claim: the last revision that was on
// stable storage before the record was written. The journal writes a
// batch of records only after the batch before it is synced, so the claim
// is true when it is written. After a power loss, the records after the
// last synced one may be in any state: missing, cut short, zeros, a page
// of old bytes in the middle of a record whose last page was written, a
// new segment whose header never reached the disk. None of that is
// damage; the records are dropped. But a damaged record of revision r is
// damage (ErrCorrupt) if an intact record found after it claims r or a
// later revision synced: that record was written only after r was on
// stable storage, and synced data is not torn by a power loss.
//
// The claim travels in the records that follow the synced point, so it
// costs neither an fsync nor a file of its own, and it survives a power
// loss exactly when there is something after the synced point to judge.
// What it cannot tell is damage to the last batch synced when nothing
// written after it survived: that looks like a torn write and is dropped
// as one, as in every log that syncs each batch once (etcd's WAL, SQLite's
// WAL). A per-segment synced length kept in another file would close that
// gap at the price of a second fsync per batch.

// A segRecord is an intact record read from a segment.
type segRecord struct {
	start, end int64
	rev        uint64
	payload    []byte // valid until the next record is read
}

// A damage is the first damage found in a segment.
type damage struct {
	offset int64
	rev    uint64 // the revision expected there
	err    error
	// claim is the highest revision that an intact update record after
	// the damage claims was synced before it was written; 0 if none.
	// It is looked for only in the log's tail.
	claim uint64
}

// synced reports whether the damage hit a record known to be synced.
func (d *damage) synced() bool { return d.claim >= d.rev }

func (d *damage) corrupt(name string) *CorruptError {
	err := d.err
	if d.synced() {
		err = fmt.Errorf("%w, though a record after it says revision %d was synced", err, d.claim)
	}
	return &CorruptError{File: name, Offset: d.offset, Revision: d.rev, Err: err}
}

// errStop ends scanSegment early without an error.
var errStop = errors.New("stop")

// scanSegment reads the segment name, whose first revision is first, and
// calls each with each intact record, in order, while revisions follow
// on from first. It returns the offset after the last record read and its
// revision (first-1 if none) and payload checksum (0 if none), which the
// next record must chain to, and the first damage, or nil if the segment
// is whole to its end. A record each rejects (by returning an error other
// than errStop) is damage there, unless the error is a *CorruptError,
// which scanSegment returns. Read errors are returned as errors, never as
// damage. If tail, the rest of the segment after damage is searched for
// claims (see damage.claim).
func scanSegment(fsys fileSystem, name string, first uint64, tail bool, each func(segRecord) error) (end int64, last uint64, chain uint32, dmg *damage, err error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return 0, 0, 0, nil, err
	}
	defer f.Close()
	fr := newFrameReader(f, 0)
	last = first - 1
	n, err := fr.fill(len(segMagic))
	if err != nil {
		return 0, last, 0, nil, err
	}
	if n < len(segMagic) || string(fr.bytes(n)) != segMagic {
		dmg = &damage{offset: 0, rev: first, err: errors.New("not a log segment (bad header)")}
		if n < len(segMagic) && string(fr.bytes(n)) == segMagic[:n] {
			dmg.err = errors.New("segment header cut short")
		}
	} else {
		fr.skip(len(segMagic))
		end = fr.off
		for {
			p, start, err := fr.next()
			if err == io.EOF {
				return end, last, chain, nil, nil
			}
			if _, ok := err.(*ioError); ok {
				return end, last, chain, nil, err
			}
			if err == nil {
				rev, _, prev, ok := recordHead(p)
				switch {
				case !ok:
					err = errors.New("malformed update record")
				case rev != last+1:
					err = fmt.Errorf("record of revision %d where revision %d belongs", rev, last+1)
				case prev != chain:
					err = fmt.Errorf("record of revision %d follows a record with checksum %#x, not this one's predecessor (%#x)", rev, prev, chain)
				default:
					err = each(segRecord{start: start, end: fr.off, rev: rev, payload: p})
				}
				if err == errStop {
					return fr.off, rev, fr.sum, nil, nil
				}
				if err != nil {
					// (ce is declared here, where it is needed: taking
					// its address moves it to the heap, once per record
					// if it were declared for every record.)
					var ce *CorruptError
					if errors.As(err, &ce) {
						return end, last, chain, nil, err
					}
					fr.pos, fr.off = fr.pos-int(fr.off-start), start // back to the record's start
				}
			}
			if err != nil {
				dmg = &damage{offset: start, rev: last + 1, err: err}
				break
			}
			end, last, chain = fr.off, last+1, fr.sum
		}
	}
	if !tail {
		return end, last, chain, dmg, nil
	}
	for {
		p, _, err := fr.resync()
		if err == io.EOF {
			return end, last, chain, dmg, nil
		}
		if err != nil {
			return end, last, chain, dmg, err
		}
		if _, synced, _, ok := recordHead(p); ok && synced > dmg.claim {
			if _, err := decodeUpdate(p); err == nil {
				dmg.claim = synced
			}
		}
	}
}
