package journal

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"github.com/entaccess/entaccess/account"
)

// A record whose checksums are right but whose events do not apply to
// the state before it is ErrCorrupt naming that record, its offset and
// revision, wherever it falls among the records replayed together.
func TestReplayNamesTheRecordThatDoesNotApply(t *testing.T) {
	for _, tc := range []struct{ n, bad int }{{6, 0}, {6, 3}, {6, 5}, {70, 2}} {
		n, bad := tc.n, tc.bad // records written by the journal; the place of the bad one after them
		// The record at bad, among the 6 appended, adds a member already
		// there; with 70 records before, it falls in a later batch of
		// replayed events than the first.
		dir, seg, _ := buildN(t, n)
		j, err := open(osFS{}, dir, defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		var template account.Event
		for e, err := range j.Events(context.Background(), 0) {
			if err != nil {
				t.Fatal(err)
			}
			template = e
			break
		}
		j.Close()
		data, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		last := len(segMagic)
		for off := last; off < len(data); off += headerLen + int(binary.LittleEndian.Uint32(data[off:])) {
			last = off
		}
		var badStart int
		for k := range 6 {
			e := template
			e.Revision = uint64(n + 1 + k)
			e.User = "new" + string(rune('a'+k))
			if k == bad {
				e.User = template.User // a member already
				badStart = len(data)
			}
			start := len(data)
			if data, err = appendRecord(data, []account.Event{e}, e.Revision-1, frameSum(data, last)); err != nil {
				t.Fatal(err)
			}
			last = start
		}
		if err := os.WriteFile(seg, data, filePerm); err != nil {
			t.Fatal(err)
		}
		_, err = open(osFS{}, dir, defaultOptions)
		var ce *CorruptError
		if want := uint64(n + 1 + bad); !errors.As(err, &ce) || ce.Revision != want || ce.Offset != int64(badStart) || ce.File != seg {
			t.Errorf("%d records, then bad record %d: Open = %v; want a *CorruptError naming revision %d at offset %d of %s", n, bad, err, want, badStart, seg)
		}
	}
}
