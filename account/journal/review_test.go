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
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
)

// A Create that fails leaves no journal behind: the directory can be
// created in again.
func TestReviewFailedCreateLeavesNoJournal(t *testing.T) {
	dir := t.TempDir()
	if j, err := create(renameFails{}, dir, testAccount(t), defaultOptions); err == nil {
		j.Close()
		t.Fatal("Create succeeded with a failing rename")
	} else if !errors.Is(err, syscall.EIO) {
		t.Fatalf("Create = %v, want the rename's error", err)
	}
	j, err := create(osFS{}, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatalf("Create after a failed Create: %v", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// Close while updates are in flight: every update returns, each either
// stored (and found after reopening) or failed with ErrClosed, and no
// goroutine outlives Close.
func TestReviewCloseDuringUpdates(t *testing.T) {
	before := runtime.NumGoroutine()
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 300})
	if err != nil {
		t.Fatal(err)
	}
	s := j.Store()
	var mu sync.Mutex
	var stored []string
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				user := fmt.Sprintf("u%d-%d", w, i)
				_, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) })
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Update: %v", err)
					return
				}
				mu.Lock()
				stored = append(stored, user)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("updates still blocked 10s after Close")
	}
	for i := 0; runtime.NumGoroutine() > before && i < 100; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	a := j.Store().Load()
	for _, u := range stored {
		if !a.IsMember(u) {
			t.Fatalf("%s was stored before Close and is missing after reopening", u)
		}
	}
	if len(stored) == 0 {
		t.Fatal("no update was stored before Close")
	}
}

// FuzzReviewOpenDir opens a directory of odd files: a checkpoint and
// segments at arbitrary revisions with arbitrary content. Open never
// panics; it fails with an error or recovers a state that Events and a
// further update agree with.
func FuzzReviewOpenDir(f *testing.F) {
	f.Add(uint64(0), uint64(1), uint64(0), []byte{}, []byte{}, true)
	f.Add(uint64(3), uint64(1), uint64(4), []byte{}, []byte{}, true)
	f.Add(uint64(0), uint64(0), uint64(1), []byte("x"), []byte{}, false)
	f.Add(uint64(0), uint64(0), uint64(0), []byte{}, []byte{}, true)
	f.Fuzz(func(t *testing.T, ckptRev, seg1, seg2 uint64, body1, body2 []byte, validCkpt bool) {
		dir := t.TempDir()
		a := testAccount(t).WithRevision(ckptRev)
		ckpt := appendFrame([]byte(ckptMagic), func(p []byte) []byte { return appendCheckpoint(p, a, min(ckptRev, seg1)) })
		if !validCkpt {
			ckpt = append([]byte(ckptMagic), body2...)
		}
		write := func(name string, b []byte) {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(ckptName(ckptRev), ckpt)
		write(segName(seg1), append([]byte(segMagic), body1...))
		if seg2 != seg1 {
			write(segName(seg2), append([]byte(segMagic), body2...))
		}
		j, err := open(osFS{}, dir, defaultOptions)
		if err != nil {
			return
		}
		defer j.Close()
		for _, err := range j.Events(0) {
			if err != nil {
				break
			}
		}
		rev := j.Store().Load().Revision()
		got, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "zed", 0) })
		if err != nil {
			return
		}
		if got.Revision() != rev+1 {
			t.Fatalf("update after revision %d published revision %d", rev, got.Revision())
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		j, err = open(osFS{}, dir, defaultOptions)
		if err != nil {
			t.Fatalf("reopening after an acknowledged update: %v", err)
		}
		if r := j.Store().Load().Revision(); r != got.Revision() {
			t.Fatalf("reopened at revision %d, want %d", r, got.Revision())
		}
	})
}

// Events read while updates commit and segments rotate give, each time,
// every durable update from the first, consecutive, whole, without error.
func TestReviewEventsDuringUpdates(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s := j.Store()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := fmt.Sprintf("u%d-%d", w, i)
				if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	base := testAccount(t)
	for s.Load().Revision() < 300 && !t.Failed() {
		floor := s.Load().Revision() // published, so durable before Events starts
		var events []account.Event
		for e, err := range j.Events(0) {
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			events = append(events, e)
		}
		got, err := base.Replay(events)
		if err != nil {
			t.Fatalf("Events do not replay: %v", err)
		}
		if got.Revision() < floor {
			t.Fatalf("Events end at revision %d, before the published %d", got.Revision(), floor)
		}
	}
	close(stop)
	wg.Wait()
	j.mu.Lock()
	segs := len(j.segs)
	j.mu.Unlock()
	t.Logf("%d segments", segs)
}

// Open removes only the journal's own temporary files, not another file
// whose name ends in .tmp.
func TestReviewOpenKeepsOtherTmpFiles(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	other := filepath.Join(dir, "notes.tmp")
	cut := filepath.Join(dir, ckptName(7)+tmpSuffix) // a checkpoint cut short
	for _, name := range []string{other, cut} {
		if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := os.Stat(other); err != nil {
		t.Errorf("Open removed %s: %v", other, err)
	}
	if _, err := os.Stat(cut); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open left %s: %v", cut, err)
	}
}

// An update whose write fails says which revision it was.
func TestReviewFailedWriteNamesRevision(t *testing.T) {
	fsys := &faultFS{kind: "sync"}
	j, err := create(fsys, t.TempDir(), testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	fsys.mu.Lock()
	fsys.armed = true
	fsys.mu.Unlock()
	_, err = j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "bob", 0) })
	if err == nil || !strings.Contains(err.Error(), "revision 1") || !strings.Contains(err.Error(), segName(1)) {
		t.Fatalf("Update = %v, want an error naming revision 1 and %s", err, segName(1))
	}
}

// rvBuild makes a closed journal in a new directory with n updates and
// returns the directory, the path of its last segment and the state.
func rvBuild(t *testing.T, n int) (dir, seg string, want *account.Account) {
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

// A log whose last segment ends in zeros from a record's start on (the
// file grew but the data never reached the disk) is torn there: Open drops
// the zeros and the records they replaced, and takes updates again. Zeros
// followed by anything else are damage.
func TestReviewZeroTail(t *testing.T) {
	dir, seg, want := rvBuild(t, 5)
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
		{"zeros then a byte", append(append(slices.Clone(data), zeros(100)...), 1), 0, 0},
		{"the last record zeroed but its last byte", append(append(slices.Clone(data[:lastStart]), zeros(len(data)-lastStart-1)...), 7), 0, 0},
		{"zeros then a record", append(append(slices.Clone(data[:lastStart]), zeros(headerLen)...), data[lastStart:]...), 0, 0},
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
