package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// On disk, a journal directory holds:
//
//   - wal-<first revision>.log: segments of the write-ahead log, each the
//     segMagic line followed by framed update records, one per committed
//     update, revisions consecutive across segments;
//   - checkpoint-<revision>.ckpt: the checkpointMagic line followed by one
//     framed record holding the whole account at that revision, its
//     identity provider, if any, last;
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
// The header has its own checksum so that a damaged length is told apart
// from a record cut short by a crash: a frame whose header is intact but
// whose payload runs past the end of the file was torn while it was being
// written; a frame whose header or payload does not match its checksum was
// damaged afterwards.
const (
	headerLen     = 12
	maxPayload    = 1 << 30
	segMagic      = "entaccess wal 1\n"
	ckptMagic     = "entaccess ckpt1\n"
	segPrefix     = "wal-"
	segSuffix     = ".log"
	ckptPrefix    = "checkpoint-"
	ckptSuffix    = ".ckpt"
	tmpSuffix     = ".tmp"
	lockName      = "LOCK"
	revisionWidth = 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

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

// errTorn reports a frame cut short by the end of the data.
var errTorn = errors.New("record cut short")

// nextFrame returns the payload of the frame at the start of b and the
// frame's size. It returns errTorn if b ends inside the frame (fewer than
// headerLen bytes, or an intact header whose payload runs past b's end),
// and another error if the frame is damaged.
func nextFrame(b []byte) (payload []byte, size int, err error) {
	if len(b) < headerLen {
		return nil, 0, errTorn
	}
	h := b[:headerLen]
	if crc32.Checksum(h[:8], castagnoli) != binary.LittleEndian.Uint32(h[8:]) {
		return nil, 0, errors.New("record header checksum mismatch")
	}
	n := binary.LittleEndian.Uint32(h[0:])
	if n > maxPayload {
		return nil, 0, fmt.Errorf("record length %d over the limit", n)
	}
	if uint64(len(b)-headerLen) < uint64(n) {
		return nil, 0, errTorn
	}
	payload = b[headerLen : headerLen+int(n)]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, 0, errors.New("record checksum mismatch")
	}
	return payload, headerLen + int(n), nil
}

// appendUpdate appends the payload of one update's record: its revision,
// its commit time and its events. All events have the same revision and time.
func appendUpdate(b []byte, events []account.Event) []byte {
	e0 := events[0]
	b = binary.AppendUvarint(b, e0.Revision)
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
	names *interner // for name; nil copies every string
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = errors.New("malformed " + what)
	}
	d.b = nil
}

func (d *decoder) uvarint(what string) uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
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

func (d *decoder) string(what string) string {
	n := d.uvarint(what)
	if n > uint64(len(d.b)) {
		d.fail(what)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// name is string for values that recur from record to record.
func (d *decoder) name(what string) string {
	if d.names == nil {
		return d.string(what)
	}
	n := d.uvarint(what)
	if n > uint64(len(d.b)) {
		d.fail(what)
		return ""
	}
	s := d.names.get(d.b[:n])
	d.b = d.b[n:]
	return s
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
	d := decoder{b: p, names: names}
	rev := d.uvarint("revision")
	t := time.Unix(0, d.varint("time")).UTC()
	n := d.count("event count", 6)
	if d.err == nil && n == 0 {
		return dst, errors.New("update record with no events")
	}
	start := len(dst)
	dst = slices.Grow(dst, n)
	for range n {
		dst = append(dst, account.Event{
			Revision: rev,
			Time:     t,
			Op:       account.Op(d.byte("op")),
			Actor:    d.name("actor"),
			Team:     d.name("team"),
			User:     d.string("user"),
			Before:   d.name("before"),
			After:    d.name("after"),
		})
	}
	if err := d.end(); err != nil {
		return dst[:start], err
	}
	if rev == 0 {
		return dst[:start], errors.New("update record with revision 0")
	}
	return dst, nil
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

// appendCheckpoint appends the payload of a checkpoint of a, in a journal
// created at revision origin.
func appendCheckpoint(b []byte, a *account.Account, origin uint64) []byte {
	s := a.Spec()
	b = binary.AppendUvarint(b, a.Revision())
	b = binary.AppendUvarint(b, origin)
	b = appendString(b, s.Name)
	b = binary.AppendUvarint(b, uint64(len(s.Members)))
	for _, m := range s.Members {
		b = appendString(b, m.User)
		b = append(b, byte(m.Permissions))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Teams)))
	for _, t := range s.Teams {
		b = appendString(b, t.Name)
		if t.Licensed {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
		b = binary.AppendUvarint(b, uint64(len(t.Members)))
		for _, m := range t.Members {
			b = appendString(b, m.User)
			b = append(b, byte(m.Role))
		}
	}
	// The identity provider, when there is one, follows the teams: a
	// checkpoint of an account without one is what it was before
	// accounts could have one.
	if p := s.IdentityProvider; p != nil {
		b = append(b, idpMark)
		b = appendString(b, p.EntityID)
		b = appendString(b, p.SSOTargetURL)
		b = appendString(b, p.SLOTargetURL)
		b = appendString(b, p.Certificate)
		if p.Enforced {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	return b
}

// idpMark starts the identity provider of a checkpoint.
const idpMark = 'I'

// decodeCheckpoint decodes a checkpoint's payload and validates the
// account it holds as [account.New] does. It also returns the revision the
// journal was created at.
func decodeCheckpoint(p []byte) (*account.Account, uint64, error) {
	d := decoder{b: p}
	rev := d.uvarint("revision")
	origin := d.uvarint("origin")
	s := account.Spec{Name: d.string("name")}
	s.Members = make([]account.Member, d.count("member count", 2))
	for i := range s.Members {
		s.Members[i] = account.Member{User: d.string("user"), Permissions: permission.Set(d.byte("permissions"))}
	}
	s.Teams = make([]account.Team, d.count("team count", 3))
	for i := range s.Teams {
		t := &s.Teams[i]
		t.Name = d.string("team name")
		switch d.byte("licensed") {
		case 0:
		case 1:
			t.Licensed = true
		default:
			d.fail("licensed flag")
		}
		t.Members = make([]account.TeamMember, d.count("team member count", 2))
		for k := range t.Members {
			t.Members[k] = account.TeamMember{User: d.string("user"), Role: account.Role(d.byte("role"))}
		}
	}
	if d.err == nil && len(d.b) > 0 && d.b[0] == idpMark {
		d.b = d.b[1:]
		p := &account.IdentityProvider{EntityID: d.string("entity ID"), SSOTargetURL: d.string("SSO target URL"),
			SLOTargetURL: d.string("SLO target URL"), Certificate: d.string("certificate")}
		switch d.byte("enforced") {
		case 0:
		case 1:
			p.Enforced = true
		default:
			d.fail("enforced flag")
		}
		s.IdentityProvider = p
	}
	if err := d.end(); err != nil {
		return nil, 0, err
	}
	if origin > rev {
		return nil, 0, fmt.Errorf("created at revision %d, after its revision %d", origin, rev)
	}
	a, err := account.New(s)
	if err != nil {
		return nil, 0, err
	}
	return a.WithRevision(rev), origin, nil
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
