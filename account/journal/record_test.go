package journal

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

// recordPayload is an update record's payload with the given head fields
// and n events whose strings are all empty (6 bytes each), then extra.
func recordPayload(rev, synced, prev uint64, count uint64, n int, extra ...byte) []byte {
	p := binary.AppendUvarint(nil, rev)
	p = binary.AppendUvarint(p, synced)
	p = binary.AppendUvarint(p, prev)
	p = binary.AppendVarint(p, time.Unix(5, 0).UnixNano())
	p = binary.AppendUvarint(p, count)
	for range n {
		p = append(p, byte(account.OpAddMember), 0, 0, 0, 0, 0)
	}
	return append(p, extra...)
}

// An update record's head is read at its edges: the chain checksum is a
// uint32, the claim precedes the revision, revision 0 is none, and the
// event count is bounded by the bytes that follow it. decodeUpdate and
// recordHead agree on what a well-formed head is.
func TestDecodeUpdateEdges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       []byte
		events  int    // decoded, if no error is wanted
		err     string // in decodeUpdate's error, if one is wanted
		headErr bool   // whether recordHead refuses it too
	}{
		{"largest checksum", recordPayload(7, 6, 1<<32-1, 1, 1), 1, "", false},
		{"checksum over 32 bits", recordPayload(7, 6, 1<<32, 1, 1), 0, "malformed previous checksum", true},
		{"claim just before", recordPayload(7, 6, 0, 1, 1), 1, "", false},
		{"claim of its own revision", recordPayload(7, 7, 0, 1, 1), 0, "claims revision 7 synced", true},
		{"claim after it", recordPayload(7, 8, 0, 1, 1), 0, "claims revision 8 synced", true},
		{"revision 0", recordPayload(0, 0, 0, 1, 1), 0, "revision 0", true},
		{"no events", recordPayload(7, 6, 0, 0, 0), 0, "no events", false},
		{"as many events as the bytes hold", recordPayload(7, 6, 0, 3, 3), 3, "", false},
		{"more events than the bytes hold", recordPayload(7, 6, 0, 4, 3), 0, "malformed event count", false},
		{"a byte left over", recordPayload(7, 6, 0, 1, 1, 0), 0, "1 bytes after the end", false},
		{"cut in the head", recordPayload(7, 6, 0, 1, 1)[:1], 0, "malformed synced revision", true},
		{"cut before the time", recordPayload(7, 6, 0, 1, 1)[:3], 0, "malformed time", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := decodeUpdate(tc.p)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Errorf("decodeUpdate = %d events, %v; want an error saying %q", len(events), err, tc.err)
				}
			} else if err != nil || len(events) != tc.events {
				t.Errorf("decodeUpdate = %d events, %v; want %d", len(events), err, tc.events)
			} else if events[0].Revision != 7 || !events[0].Time.Equal(time.Unix(5, 0)) {
				t.Errorf("decodeUpdate = %+v; want revision 7 at %v", events[0], time.Unix(5, 0))
			}
			rev, synced, prev, ok := recordHead(tc.p)
			if ok == tc.headErr {
				t.Errorf("recordHead = %d, %d, %#x, %t; want ok %t", rev, synced, prev, ok, !tc.headErr)
			}
			if ok && (rev != 7 || synced != 6 || uint64(prev) != binaryUvarint(tc.p[2:])) {
				t.Errorf("recordHead = %d, %d, %#x; want 7, 6, %#x", rev, synced, prev, binaryUvarint(tc.p[2:]))
			}
		})
	}
}

func binaryUvarint(b []byte) uint64 {
	v, _ := binary.Uvarint(b)
	return v
}

// The record size limit counts the record's own payload, whatever the
// buffer holds before it: after other records, a payload of exactly
// maxPayload bytes is written and one byte more is refused, leaving the
// buffer as it was.
func TestAppendRecordLimitAfterOthers(t *testing.T) {
	ev := func(n int) []account.Event {
		return []account.Event{{Revision: 3, Actor: "alice", Op: account.OpAddMember, User: strings.Repeat("x", n), After: "view"}}
	}
	n := maxPayload - 100
	for size := len(appendUpdate(nil, ev(n), 2, 0)); size != maxPayload; size = len(appendUpdate(nil, ev(n), 2, 0)) {
		n -= size - maxPayload
	}
	before, err := appendRecord([]byte(segMagic), ev(1), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	prefix := len(before)
	buf, err := appendRecord(before, ev(n+1), 2, 7)
	if !errors.Is(err, account.ErrInvalid) || len(buf) != prefix {
		t.Errorf("a payload of %d bytes after %d bytes: %d bytes, %v; want ErrInvalid and the buffer as it was", maxPayload+1, prefix, len(buf), err)
	}
	buf, err = appendRecord(buf, ev(n), 2, 7)
	if err != nil || len(buf) != prefix+headerLen+maxPayload {
		t.Errorf("a payload of %d bytes after %d bytes: %d bytes, %v; want %d", maxPayload, prefix, len(buf), err, prefix+headerLen+maxPayload)
	}
}

// Fields whose varints take one byte or more, at the edge between the
// two, decode to what was encoded.
func TestDecodeUpdateVarintEdges(t *testing.T) {
	for _, tc := range []struct {
		rev, synced uint64
		prev        uint32
		at          time.Time
	}{
		{0x7f, 0x7e, 0x7f, time.Unix(0, 63)},
		{0x80, 0x7f, 0x80, time.Unix(0, 64)},
		{0x81, 0x80, 0xff, time.Unix(0, -65)},
		{1 << 40, 1<<40 - 1, 1<<32 - 1, time.Unix(1700000000, 5)},
	} {
		es := []account.Event{{Revision: tc.rev, Time: tc.at.UTC(), Actor: "alice", Op: account.OpAddMember, User: strings.Repeat("u", 0x80), After: "view"}}
		got, err := decodeUpdate(appendUpdate(nil, es, tc.synced, tc.prev))
		if err != nil || len(got) != 1 || got[0] != es[0] {
			t.Errorf("revision %d: decoded %+v, %v; want %+v", tc.rev, got, err, es[0])
		}
		rev, synced, prev, ok := recordHead(appendUpdate(nil, es, tc.synced, tc.prev))
		if !ok || rev != tc.rev || synced != tc.synced || prev != tc.prev {
			t.Errorf("recordHead = %d, %d, %#x, %t; want %d, %d, %#x", rev, synced, prev, ok, tc.rev, tc.synced, tc.prev)
		}
	}
}
