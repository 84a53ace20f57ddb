package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// buildSmall makes a closed journal with n updates, a checkpoint every
// ckpt bytes of log, and returns its directory and the state after each
// revision.
func buildSmall(t *testing.T, n int, ckpt int64, fn func(i int) func(*account.Tx) error) (string, []*account.Account) {
	t.Helper()
	dir := t.TempDir()
	a := testAccount(t)
	j, err := create(osFS{}, dir, a, options{checkpointBytes: ckpt})
	if err != nil {
		t.Fatal(err)
	}
	states := []*account.Account{a}
	for i := range n {
		next, err := j.Store().Update(fn(i))
		if err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
		states = append(states, next)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, states
}

func addUser(i int) func(*account.Tx) error {
	return func(tx *account.Tx) error { return tx.AddMember("alice", fmt.Sprint("user", i), permission.Billing) }
}

// openAt opens dir and checks that it recovers want.
func openAt(t *testing.T, dir string, want *account.Account) {
	t.Helper()
	j, err := open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer j.Close()
	got := j.Store().Load()
	if got.Revision() != want.Revision() || !cmp.Equal(want.Spec(), got.Spec()) {
		t.Fatalf("recovered revision %d, want %d", got.Revision(), want.Revision())
	}
	if _, err := j.Store().Update(addUser(-1)); err != nil {
		t.Fatalf("update after recovery: %v", err)
	}
}

// lastSegment returns the path of dir's last segment.
func lastSegment(t *testing.T, dir string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, segPrefix+"*"+segSuffix))
	if err != nil || len(m) == 0 {
		t.Fatalf("no segment in %s: %v", dir, err)
	}
	return m[len(m)-1]
}

// A power loss while a rotation creates a segment may leave its header
// zeros, or zeros and more: nothing in it was synced, so Open drops it
// and goes on from the segment before.
func TestRotatedSegmentHeaderNeverWritten(t *testing.T) {
	for _, tail := range []int{0, 1, 100} {
		dir, states := buildSmall(t, 12, 200, addUser)
		seg := lastSegment(t, dir)
		first, _ := parseName(filepath.Base(seg), segPrefix, segSuffix)
		if first == 1 {
			t.Fatal("no rotation")
		}
		// The segment as a power loss may leave it: the header zeros, and
		// its records, if any, zeros too, or a page after them.
		if err := os.WriteFile(seg, make([]byte, len(segMagic)+tail), filePerm); err != nil {
			t.Fatal(err)
		}
		openAt(t, dir, states[first-1])
	}
}

// The last record, not synced, spans pages: a page in its middle never
// reached the disk (zeros, or old bytes) while its last page did. That is
// a torn write, not damage.
func TestTornMiddlePage(t *testing.T) {
	dir, states := buildSmall(t, 4, 1<<20, func(i int) func(*account.Tx) error {
		if i < 3 {
			return addUser(i)
		}
		return func(tx *account.Tx) error { // a record of about 12 KiB
			for k := range 48 {
				if err := tx.AddMember("alice", fmt.Sprintf("%03d-%s", k, strings.Repeat("x", 240)), permission.View); err != nil {
					return err
				}
			}
			return nil
		}
	})
	seg := lastSegment(t, dir)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < 3*4096 {
		t.Fatalf("the segment has %d bytes, want a last record over three pages", len(data))
	}
	for _, fill := range []byte{0, 0x5a} {
		page := data[:len(data)-len(data)%4096-4096]
		mid := append(append([]byte(nil), page...), make([]byte, 4096)...)
		for i := len(page); i < len(mid); i++ {
			mid[i] = fill
		}
		mid = append(mid, data[len(mid):]...)
		if err := os.WriteFile(seg, mid, filePerm); err != nil {
			t.Fatal(err)
		}
		openAt(t, dir, states[3])
		// Put the record back for the next round: openAt dropped it and
		// wrote one update.
		if err := os.WriteFile(seg, data, filePerm); err != nil {
			t.Fatal(err)
		}
	}
}

// Damage to a record that an intact record after it says was synced is
// ErrCorrupt, naming the file, the offset and the revision, even at the
// end of the log.
func TestDamageBeforeSyncedRecord(t *testing.T) {
	dir, _ := buildSmall(t, 6, 1<<20, addUser)
	seg := lastSegment(t, dir)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	var starts []int
	for off := len(segMagic); off < len(data); off += headerLen + int(binary.LittleEndian.Uint32(data[off:])) {
		starts = append(starts, off)
	}
	// Records 1 to 5 were each synced before the next was written; record
	// 6 claims 5. Damage in record 5 is damage; in record 6, a torn write.
	for _, tc := range []struct {
		rev     int
		corrupt bool
	}{{1, true}, {5, true}, {6, false}} {
		d := t.TempDir()
		copyFiles(t, dir, d)
		b := append([]byte(nil), data...)
		off := starts[tc.rev-1]
		b[off+headerLen+2] ^= 0x10
		if err := os.WriteFile(filepath.Join(d, filepath.Base(seg)), b, filePerm); err != nil {
			t.Fatal(err)
		}
		j, err := open(osFS{}, d, defaultOptions)
		if !tc.corrupt {
			if err != nil {
				t.Fatalf("damage in the last record: %v", err)
			}
			if r := j.Store().Load().Revision(); r != 5 {
				t.Errorf("damage in the last record: revision %d, want 5", r)
			}
			j.Close()
			continue
		}
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Offset != int64(off) || ce.Revision != uint64(tc.rev) || ce.File != filepath.Join(d, filepath.Base(seg)) {
			t.Fatalf("damage in record %d: Open = %v; want a *CorruptError at offset %d, revision %d", tc.rev, err, off, tc.rev)
		}
		if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("offset %d (revision %d)", off, tc.rev)) {
			t.Errorf("the error does not say where: %s", msg)
		}
	}
}

func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	es, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, filePerm); err != nil {
			t.Fatal(err)
		}
	}
}

// Open drops records after a torn one; if the old bytes of such a record
// come back later (a page the disk never rewrote after the journal wrote
// over the dropped records), they do not pass for the successor of the
// record written in their place: each record names its predecessor's
// checksum.
func TestDroppedRecordDoesNotComeBack(t *testing.T) {
	dir, _ := buildSmall(t, 3, 1<<20, addUser)
	seg := lastSegment(t, dir)
	update := func(user string) {
		t.Helper()
		j, err := open(osFS{}, dir, defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) }); err != nil {
			t.Fatal(err)
		}
	}
	read := func() []byte {
		t.Helper()
		b, err := os.ReadFile(seg)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	synced := read()
	// Revisions 4 and 5 written together, after revision 3 was synced.
	var chain uint32
	for off := len(segMagic); off < len(synced); off += headerLen + int(binary.LittleEndian.Uint32(synced[off:])) {
		chain = frameSum(synced, off)
	}
	old := append([]byte(nil), synced...)
	for _, u := range []struct {
		rev  uint64
		user string
	}{{4, "bob"}, {5, "eve"}} {
		n := len(old)
		var err error
		old, err = appendRecord(old, []account.Event{{Revision: u.rev, Time: time.Now().UTC(), Actor: "alice", Op: account.OpAddMember, User: u.user, After: "view"}}, 3, chain)
		if err != nil {
			t.Fatal(err)
		}
		chain = frameSum(old, n)
	}
	// Revision 4 torn, 5 intact: Open keeps revision 3 and cuts both off,
	// and a new revision 4 of the same size is written.
	torn := append([]byte(nil), old...)
	torn[len(synced)+headerLen+1] ^= 0x01
	if err := os.WriteFile(seg, torn, filePerm); err != nil {
		t.Fatal(err)
	}
	update("dan")
	now := read()
	if r4 := headerLen + int(binary.LittleEndian.Uint32(old[len(synced):])); len(now) != len(synced)+r4 || !strings.Contains(string(now), "dan") {
		t.Fatalf("the segment holds %d bytes after the new revision 4, %d before", len(now), len(old))
	}
	// The old bytes of the dropped revision 5 show again after the new 4.
	back := append(append([]byte(nil), now...), old[len(now):]...)
	if err := os.WriteFile(seg, back, filePerm); err != nil {
		t.Fatal(err)
	}
	j, err := open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := j.Store().Load(); got.Revision() != 4 || got.IsMember("eve") || !got.IsMember("dan") {
		t.Fatalf("recovered revision %d (eve %v, dan %v); want the new revision 4 alone", got.Revision(), got.IsMember("eve"), got.IsMember("dan"))
	}
}

// A long tail of zeros (a file that grew while its data never reached the
// disk) costs Open neither memory nor an error.
func TestLongZeroTail(t *testing.T) {
	dir, states := buildSmall(t, 3, 1<<20, addUser)
	seg := lastSegment(t, dir)
	fi, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, fi.Size()+64<<20); err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	j, err := open(osFS{}, dir, defaultOptions)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := j.Store().Load().Revision(); got != 3 {
		t.Fatalf("revision %d, want 3", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("Open of a 64 MiB zero tail allocated %d bytes", alloc)
	}
	if now, err := os.Stat(seg); err != nil || now.Size() != fi.Size() {
		t.Fatalf("the segment after Open: %v, %v; want %d bytes", now.Size(), err, fi.Size())
	}
	sameSpec(t, states[3], j.Store().Load())
}

func sameSpec(t *testing.T, want, got *account.Account) {
	t.Helper()
	if got.Revision() != want.Revision() {
		t.Fatalf("revision %d, want %d", got.Revision(), want.Revision())
	}
	if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
		t.Fatalf("state (-want +got):\n%s", diff)
	}
}

// buildN makes a closed journal in a new directory with n updates and
// returns the directory, the path of its last segment and the state.
func buildN(t *testing.T, n int) (dir, seg string, want *account.Account) {
	t.Helper()
	dir = t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if want, err = j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", fmt.Sprint("u", i), 0) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, filepath.Join(dir, segName(1)), want
}

// A log whose last segment ends in zeros, or in zeros and bytes after
// them, where records were written but not synced is torn there: Open
// drops them and the records they replaced, and takes updates again.
// Damage to a record that a later intact record says was synced is
// ErrCorrupt.
func TestZeroTail(t *testing.T) {
	dir, seg, want := buildN(t, 5)
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	lastStart := len(segMagic)
	for off := lastStart; off < len(data); off += headerLen + int(binary.LittleEndian.Uint32(data[off:])) {
		lastStart = off
	}
	zeros := func(n int) []byte { return make([]byte, n) }
	for _, tc := range []struct {
		name    string
		data    []byte
		rev     uint64 // the revision recovered; 0 for ErrCorrupt
		keepLen int    // the segment's size after Open
	}{
		{"1 zero appended", append(slices.Clone(data), zeros(1)...), 5, len(data)},
		{"a header of zeros appended", append(slices.Clone(data), zeros(headerLen)...), 5, len(data)},
		{"a block of zeros appended", append(slices.Clone(data), zeros(4096)...), 5, len(data)},
		{"the last record zeroed", append(slices.Clone(data[:lastStart]), zeros(len(data)-lastStart)...), 4, lastStart},
		{"the last record and more zeroed", append(slices.Clone(data[:lastStart]), zeros(len(data)-lastStart+100)...), 4, lastStart},
		{"zeros then a byte", append(append(slices.Clone(data), zeros(100)...), 1), 5, len(data)},
		{"the last record zeroed but its last byte", append(append(slices.Clone(data[:lastStart]), zeros(len(data)-lastStart-1)...), 7), 4, lastStart},
		{"zeros then the last record again", append(append(slices.Clone(data[:lastStart]), zeros(headerLen)...), data[lastStart:]...), 4, lastStart},
		{"zeros then a record claiming them synced", append(append(slices.Clone(data), zeros(headerLen)...), appendFrame(nil, func(p []byte) []byte {
			return appendUpdate(p, []account.Event{{Revision: 7, Actor: "alice", Op: account.OpAddMember, User: "zed", After: "view"}}, 6, 0)
		})...), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			for _, name := range []string{ckptName(0), segName(1)} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if name == segName(1) {
					b = tc.data
				}
				if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			j, err := open(osFS{}, d, defaultOptions)
			if tc.rev == 0 {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("Open = %v, want ErrCorrupt", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer j.Close()
			got := j.Store().Load()
			if got.Revision() != tc.rev || (tc.rev == want.Revision() && !cmp.Equal(got.Spec(), want.Spec())) {
				t.Fatalf("recovered revision %d: %v; want revision %d", got.Revision(), got.Spec(), tc.rev)
			}
			if fi, err := os.Stat(filepath.Join(d, segName(1))); err != nil || fi.Size() != int64(tc.keepLen) {
				t.Fatalf("segment after Open: %v, %v; want %d bytes", fi.Size(), err, tc.keepLen)
			}
			if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "late", 0) }); err != nil {
				t.Fatal(err)
			}
			j.Close()
			j, err = open(osFS{}, d, defaultOptions)
			if err != nil {
				t.Fatalf("reopen after an update: %v", err)
			}
			defer j.Close()
			if r := j.Store().Load().Revision(); r != tc.rev+1 {
				t.Fatalf("reopened at revision %d, want %d", r, tc.rev+1)
			}
		})
	}
}

// A record whose frame is intact but whose payload is not an update
// record, before a record that says it was synced, is ErrCorrupt naming
// its offset and revision.
func TestMalformedRecordIsCorrupt(t *testing.T) {
	dir, _, _ := buildN(t, 1)
	seg := filepath.Join(dir, segName(1))
	data, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	chain := frameSum(data, len(segMagic))
	bad := len(data)
	// Revision 2 with its claim and chain, then a truncated event list.
	data = appendFrame(data, func(p []byte) []byte {
		p = binary.AppendUvarint(p, 2)
		p = binary.AppendUvarint(p, 1)
		p = binary.AppendUvarint(p, uint64(chain))
		return append(p, 0x80)
	})
	data, err = appendRecord(data, []account.Event{{Revision: 3, Actor: "alice", Op: account.OpAddMember, User: "zed", After: "view"}}, 2, frameSum(data, bad))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(seg, data, filePerm); err != nil {
		t.Fatal(err)
	}
	_, err = open(osFS{}, dir, defaultOptions)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Offset != int64(bad) || ce.Revision != 2 {
		t.Fatalf("Open = %v; want a *CorruptError at offset %d, revision 2", err, bad)
	}
}
