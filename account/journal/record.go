package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"

	"github.com/entaccess/entaccess/account"
)

// On disk, a journal directory holds:
//
//   - wal-<first revision>.log: segments of the write-ahead log, each the
//     segMagic line followed by framed update records, one per committed
//     update, revisions consecutive across segments;
//   - checkpoint-<revision>.ckpt: the ckptMagic line followed by the whole
//     account at that revision, as a stream of frames of at most
//     ckptChunk bytes each, ended by a frame with no payload (see
//     checkpoint.go);
//   - LOCK: the file locked while a Journal has the directory open;
//   - checkpoint-<revision>.ckpt.tmp: a checkpoint being written;
//   - wal-<first revision>.log.tmp: the first segment while Create writes
//     the first checkpoint. The checkpoint makes the journal: without one,
//     the directory holds none; with Create's checkpoint and this file,
//     Create was stopped before renaming it into place, and Open does.
//
// A frame is a 12-byte header, then the payload:
//
//	length    uint32, little-endian: the payload's length
//	sum       uint32: CRC-32C (Castagnoli) of the payload
//	headerSum uint32: CRC-32C of the 8 bytes before it
//
// The header has its own checksum so that a length is trusted, and a
// buffer grown to it, only once it is known intact, and so that the frames
// after damage can be found by their headers (see tail.go, which says what
// damage is torn and what is ErrCorrupt).
//
// An update record's payload is its revision, the revision synced before
// it was written (its claim, see tail.go), the payload checksum of the
// record before it in its segment (0 for the first: a chain, so that old
// bytes of a record dropped at Open cannot pass for the record written
// after it in its place), its commit time and its events.
const (
	headerLen = 12
	// maxPayload is the largest payload a frame may carry: Append refuses
	// an update whose record would be larger, and Open calls a larger
	// length damage, so that no record is written that Open would refuse
	// and no buffer grows past it.
	maxPayload = 64 << 20
	// ckptChunk is the payload size past which a checkpoint starts a new
	// frame. An item (a member, a team's header, a team member) is never
	// split, so a frame holds at most ckptChunk+maxItem bytes.
	ckptChunk     = 1 << 20
	segMagic      = "entaccess wal 2\n"
	ckptMagic     = "entaccess ckpt2\n"
	segPrefix     = "wal-"
	segSuffix     = ".log"
	ckptPrefix    = "checkpoint-"
	ckptSuffix    = ".ckpt"
	tmpSuffix     = ".tmp"
	lockName      = "LOCK"
	revisionWidth = 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func crc32Sum(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// appendFrame appends a frame holding the payload that fill appends.
func appendFrame(b []byte, fill func([]byte) []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, headerLen)...)
	b = fill(b)
	payload := b[start+headerLen:]
	h := b[start : start+headerLen]
	binary.LittleEndian.PutUint32(h[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(payload, castagnoli))
	binary.LittleEndian.PutUint32(h[8:], crc32.Checksum(h[:8], castagnoli))
	return b
}

// maxRevision is the last revision a journal holds, so that the revision
// after it, which names the segment a rotation would start, is one too.
const maxRevision = 1<<64 - 2

// appendRecord appends the frame of one update's record to buf, claiming
// synced as the last revision on stable storage before it is written, and
// chained to the record before it, whose payload checksum is prev (see
// frameSum). It
// refuses, leaving buf as it was, an update whose revision the journal
// cannot hold or whose record would be larger than Open reads.
func appendRecord(buf []byte, events []account.Event, synced uint64, prev uint32) ([]byte, error) {
	rev := events[0].Revision
	if rev == 0 || rev > maxRevision {
		return buf, fmt.Errorf("revision %d: a journal holds revisions 1 to %d: %w", rev, uint64(maxRevision), account.ErrInvalid)
	}
	n := len(buf)
	buf = appendFrame(buf, func(p []byte) []byte { return appendUpdate(p, events, synced, prev) })
	if size := len(buf) - n - headerLen; size > maxPayload {
		clear(buf[n:])
		return buf[:n], fmt.Errorf("revision %d: the update's record is %d bytes (%d steps), more than the journal's limit of %d: %w", rev, size, len(events), maxPayload, account.ErrInvalid)
	}
	return buf, nil
}

// appendBatch appends to buf the records of batch, whose first update
// follows the durable revision, each claiming the durable revision synced
// and chained to the record before it, and returns buf and the last
// record's payload checksum. It refuses the batch, whole, if an update's
// revision does not follow on or its record is over the limit. It is
// called with j.mu held.
func (j *Journal) appendBatch(buf []byte, batch []account.Update) ([]byte, uint32, error) {
	chain, want := j.chain, j.durable+1
	for _, u := range batch {
		if u.Revision() != want || len(u.Events) == 0 || u.Events[0].Revision != want {
			return buf, 0, fmt.Errorf("revision %d after %d: %w", u.Revision(), want-1, account.ErrInvalid)
		}
		n := len(buf)
		var err error
		if buf, err = appendRecord(buf, u.Events, j.durable, chain); err != nil {
			return buf, 0, err
		}
		chain = frameSum(buf, n)
		want++
	}
	return buf, chain, nil
}

// writeSynced appends buf to the segment seg and syncs it.
func writeSynced(seg file, buf []byte) error {
	if err := writeAll(seg, buf); err != nil {
		return err
	}
	return seg.Sync()
}

// frameSum returns the payload checksum of the frame that ends buf.
func frameSum(buf []byte, start int) uint32 {
	return binary.LittleEndian.Uint32(buf[start+4:])
}

// errTorn reports a frame cut short by the end of the data.
var errTorn = errors.New("record cut short")

// appendUpdate appends the payload of one update's record: its revision,
// synced (the last revision on stable storage before the record is
// written), prev (the payload checksum of the record before it in its
// segment), its commit time and its events. All events have the same
// revision and time.
func appendUpdate(b []byte, events []account.Event, synced uint64, prev uint32) []byte {
	e0 := events[0]
	b = binary.AppendUvarint(b, e0.Revision)
	b = binary.AppendUvarint(b, synced)
	b = binary.AppendUvarint(b, uint64(prev))
	b = binary.AppendVarint(b, e0.Time.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(events)))
	for _, e := range events {
		b = append(b, byte(e.Op))
		b = appendString(b, e.Actor)
		b = appendString(b, e.Team)
		b = appendString(b, e.User)
		b = appendString(b, e.Before)
		b = appendString(b, e.After)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// A decoder reads the fields of a payload; its first error sticks.
type decoder struct {
	b     []byte
	err   error
	names *interner // for intern; nil copies every string
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = errors.New("malformed " + what)
	}
	d.b = nil
}

func (d *decoder) uvarint(what string) uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 { // one byte: most lengths and counts
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	ux := d.uvarint(what) // zig-zag, as binary.Varint
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) byte(what string) byte {
	if len(d.b) == 0 {
		d.fail(what)
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// bytes reads a string's bytes, in place.
func (d *decoder) bytes(what string) []byte {
	n := d.uvarint(what)
	if n > uint64(len(d.b)) {
		d.fail(what)
		return nil
	}
	b := d.b[:n:n]
	d.b = d.b[n:]
	return b
}

// intern returns b, read by bytes, as a string shared through d.names,
// or copied if d has none.
func (d *decoder) intern(b []byte) string {
	if d.names == nil {
		return string(b)
	}
	return d.names.get(b)
}

// count reads a count of items each at least min bytes long, refusing
// counts the rest of the payload cannot hold.
func (d *decoder) count(what string, min int) int {
	n := d.uvarint(what)
	if n > uint64(len(d.b)/min) {
		d.fail(what)
		return 0
	}
	return int(n)
}

func (d *decoder) end() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the end of the record", len(d.b))
	}
	return d.err
}

// decodeUpdate decodes an update record's payload.
func decodeUpdate(p []byte) ([]account.Event, error) {
	return decodeUpdateTo(nil, p, nil)
}

// decodeUpdateTo decodes an update record's payload and appends its events
// to dst. Strings found in names are shared rather than copied (nil names
// copies every string).
func decodeUpdateTo(dst []account.Event, p []byte, names *interner) ([]account.Event, error) {
	return decodeEvents(dst, p, names, "", false)
}

// decodeUserEventsTo is decodeUpdateTo for the events whose User is user
// alone. It reads and checks the whole record as decodeUpdateTo does, but
// makes strings only for the events it keeps: an update record of other
// users costs a pass over its bytes.
func decodeUserEventsTo(dst []account.Event, p []byte, names *interner, user string) ([]account.Event, error) {
	return decodeEvents(dst, p, names, user, true)
}

// decodeEvents is decodeUpdateTo, keeping only the events of user if
// filter is set.
func decodeEvents(dst []account.Event, p []byte, names *interner, user string, filter bool) ([]account.Event, error) {
	d := decoder{b: p, names: names}
	rev := d.uvarint("revision")
	synced := d.uvarint("synced revision")
	if prev := d.uvarint("previous checksum"); prev > 1<<32-1 {
		d.fail("previous checksum")
	}
	t := time.Unix(0, d.varint("time")).UTC()
	n := d.count("event count", 6)
	if d.err == nil && n == 0 {
		return dst, errors.New("update record with no events")
	}
	start := len(dst)
	if !filter {
		dst = slices.Grow(dst, n)
	}
	for range n {
		op := d.byte("op")
		actor, team, u := d.bytes("actor"), d.bytes("team"), d.bytes("user")
		before, after := d.bytes("before"), d.bytes("after")
		if filter && string(u) != user {
			continue
		}
		// In place: an Event is large, and a composite literal would be
		// built aside and copied. Every field is set.
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, 1)
		}
		dst = dst[:len(dst)+1]
		e := &dst[len(dst)-1]
		e.Revision, e.Time, e.Op = rev, t, account.Op(op)
		e.Actor = d.intern(actor)
		e.Team = d.intern(team)
		e.User = string(u)
		e.Before = d.intern(before)
		e.After = d.intern(after)
	}
	if err := d.end(); err != nil {
		clear(dst[start:])
		return dst[:start], err
	}
	if rev == 0 {
		clear(dst[start:])
		return dst[:start], errors.New("update record with revision 0")
	}
	if synced >= rev {
		clear(dst[start:])
		return dst[:start], fmt.Errorf("update record of revision %d claims revision %d synced before it", rev, synced)
	}
	return dst, nil
}

// recordHead returns the revision of the update record whose payload is
// p, the revision it claims was synced before it was written, and the
// checksum of the record before it.
func recordHead(p []byte) (rev, synced uint64, prev uint32, ok bool) {
	d := decoder{b: p}
	rev = d.uvarint("revision")
	synced = d.uvarint("synced revision")
	pv := d.uvarint("previous checksum")
	return rev, synced, uint32(pv), d.err == nil && synced < rev && pv <= 1<<32-1
}

// An interner keeps one copy of the strings that recur in a log (actors,
// teams, permission sets, roles), so that reading many records allocates
// each of them once. It keeps at most maxInterned strings of at most
// maxInternLen bytes. A few recent ones sit in front of the map, looked up
// without hashing.
type interner struct {
	m      map[string]string
	recent [16]string // by recentSlot
}

const (
	maxInterned  = 4096
	maxInternLen = 64
)

// recentSlot returns the slot of b, not empty, in an interner's recent.
func recentSlot(b []byte) int { return (len(b)*7 + int(b[0]) + int(b[len(b)-1])*3) & 15 }

// get returns b as a string, shared with earlier calls when it can.
func (in *interner) get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternLen {
		return string(b)
	}
	slot := &in.recent[recentSlot(b)]
	if *slot == string(b) {
		return *slot
	}
	s, ok := in.m[string(b)]
	if !ok {
		s = string(b)
		if in.m == nil {
			in.m = make(map[string]string)
		}
		if len(in.m) < maxInterned {
			in.m[s] = s
		}
	}
	*slot = s
	return s
}

func segName(first uint64) string {
	return fmt.Sprintf("%s%0*d%s", segPrefix, revisionWidth, first, segSuffix)
}
func ckptName(rev uint64) string {
	return fmt.Sprintf("%s%0*d%s", ckptPrefix, revisionWidth, rev, ckptSuffix)
}

// parseName returns the revision in a segment or checkpoint file name
// with the given prefix and suffix, and whether name is one.
func parseName(name, prefix, suffix string) (uint64, bool) {
	if len(name) != len(prefix)+revisionWidth+len(suffix) || name[:len(prefix)] != prefix || name[len(name)-len(suffix):] != suffix {
		return 0, false
	}
	var v uint64
	for _, c := range name[len(prefix) : len(prefix)+revisionWidth] {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}
