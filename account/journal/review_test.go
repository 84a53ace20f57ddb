package journal

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
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
		var cb bytes.Buffer
		writeAccount(&cb, a, min(ckptRev, seg1))
		ckpt := cb.Bytes()
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
		for _, err := range j.Events(context.Background(), 0) {
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
		for e, err := range j.Events(context.Background(), 0) {
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

// A log whose last segment ends in zeros, or in zeros and bytes after
// them, where records were written but not synced is torn there: Open
// drops them and the records they replaced, and takes updates again.
// Damage to a record that a later intact record says was synced is
// ErrCorrupt.
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

// stepFS is the OS file system in which one step, the call numbered
// failAt (from 0) to it or to one of its files, fails, and so does the
// step numbered alsoAt if it is later; with crash, every step after failAt
// fails, as if the process had died there. Files and locks are closed all
// the same, as a dying process's are.
type stepFS struct {
	osFS
	mu     sync.Mutex
	steps  []string
	failAt int
	alsoAt int
	crash  bool
}

func (f *stepFS) step(op, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := len(f.steps)
	f.steps = append(f.steps, op+" "+filepath.Base(name))
	if k == f.failAt || k == f.alsoAt && k > f.failAt || f.crash && k > f.failAt {
		return fmt.Errorf("%s %s: %w", op, name, syscall.EIO)
	}
	return nil
}

func (f *stepFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	if err := f.step("open", name); err != nil {
		return nil, err
	}
	fl, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &stepFile{file: fl, fs: f, name: name}, nil
}

func (f *stepFS) ReadDir(dir string) ([]string, error) {
	if err := f.step("readdir", dir); err != nil {
		return nil, err
	}
	return f.osFS.ReadDir(dir)
}

func (f *stepFS) Rename(from, to string) error {
	if err := f.step("rename", to); err != nil {
		return err
	}
	return f.osFS.Rename(from, to)
}

func (f *stepFS) Remove(name string) error {
	if err := f.step("remove", name); err != nil {
		return err
	}
	return f.osFS.Remove(name)
}

func (f *stepFS) MkdirAll(dir string) error {
	if err := f.step("mkdir", dir); err != nil {
		return err
	}
	return f.osFS.MkdirAll(dir)
}

func (f *stepFS) SyncDir(dir string) error {
	if err := f.step("syncdir", dir); err != nil {
		return err
	}
	return f.osFS.SyncDir(dir)
}

func (f *stepFS) Lock(name string) (io.Closer, error) {
	if err := f.step("lock", name); err != nil {
		return nil, err
	}
	l, err := f.osFS.Lock(name)
	if err != nil {
		return nil, err
	}
	return stepCloser{l, f, name}, nil
}

type stepCloser struct {
	io.Closer
	fs   *stepFS
	name string
}

func (c stepCloser) Close() error {
	err := c.fs.step("unlock", c.name)
	if cerr := c.Closer.Close(); err == nil {
		err = cerr
	}
	return err
}

type stepFile struct {
	file
	fs   *stepFS
	name string
}

func (f *stepFile) Write(b []byte) (int, error) {
	if err := f.fs.step("write", f.name); err != nil {
		return 0, err
	}
	return f.file.Write(b)
}

func (f *stepFile) Sync() error {
	if err := f.fs.step("sync", f.name); err != nil {
		return err
	}
	return f.file.Sync()
}

func (f *stepFile) Truncate(size int64) error {
	if err := f.fs.step("truncate", f.name); err != nil {
		return err
	}
	return f.file.Truncate(size)
}

func (f *stepFile) Close() error {
	err := f.fs.step("close", f.name)
	if cerr := f.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// A Create that fails at any step (and perhaps again while it cleans up),
// or that a crash stops there, leaves no journal (Open says so, and Create
// then succeeds) or a whole one holding the account it was given, never a
// damaged one. A crash may also leave the segment's header unwritten:
// empty, or zeros.
func TestReviewCreateFaults(t *testing.T) {
	a := testAccount(t).WithRevision(7)
	run := func(fsys *stepFS) (steps []string, err error) {
		j, err := create(fsys, filepath.Join(t.TempDir(), "j"), a, defaultOptions)
		if err == nil {
			j.Close()
		}
		fsys.mu.Lock()
		defer fsys.mu.Unlock()
		return slices.Clone(fsys.steps), err
	}
	steps, err := run(&stepFS{failAt: -1, alsoAt: -1})
	if err != nil {
		t.Fatalf("Create without a fault: %v", err)
	}
	t.Logf("Create and Close take %d steps: %v", len(steps), steps)
	runs := 0
	for _, crash := range []bool{false, true} {
		for k := range steps {
			// With one fault at step k, then with a second at each step
			// after it (its clean-up), unless the first is a crash.
			afterK := []int{-1}
			if !crash {
				all, _ := run(&stepFS{failAt: k, alsoAt: -1})
				for m := k + 1; m < len(all); m++ {
					afterK = append(afterK, m)
				}
			}
			for _, m := range afterK {
				runs++
				parent := t.TempDir()
				dir := filepath.Join(parent, "j")
				fsys := &stepFS{failAt: k, alsoAt: m, crash: crash}
				j, err := create(fsys, dir, a, defaultOptions)
				if err == nil {
					j.Close()
				}
				fsys.mu.Lock()
				steps := slices.Clone(fsys.steps)
				fsys.mu.Unlock()
				what := fmt.Sprintf("crash %v, fault at step %d (%s)", crash, k, steps[k])
				if m >= 0 && m < len(steps) {
					what += fmt.Sprintf(" and %d (%s)", m, steps[m])
				}
				rvCheckVariants(t, what, parent, dir, a)
			}
		}
	}
	t.Logf("%d faulty Creates checked", runs)
}

// rvCheckVariants checks what a Create of a in dir left, as it is and, if
// it wrote its segment but not its checkpoint, with the segment empty or
// zeroed, as a crash may leave it.
func rvCheckVariants(t *testing.T, what, parent, dir string, a *account.Account) {
	t.Helper()
	var seg string // the segment written before the checkpoint, if any
	variants := []string{"as left"}
	if _, err := os.Stat(filepath.Join(dir, ckptName(a.Revision()))); errors.Is(err, fs.ErrNotExist) {
		for _, name := range []string{segName(a.Revision() + 1), segName(a.Revision()+1) + tmpSuffix} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				seg = name
				variants = append(variants, "segment empty", "segment zeroed")
			}
		}
	}
	for _, v := range variants {
		d := filepath.Join(parent, "copy-"+strings.ReplaceAll(v, " ", "-"))
		if err := os.CopyFS(d, os.DirFS(dir)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		var err error
		switch v {
		case "segment empty":
			err = os.WriteFile(filepath.Join(d, seg), nil, 0o644)
		case "segment zeroed":
			err = os.WriteFile(filepath.Join(d, seg), make([]byte, len(segMagic)), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
		rvCheckCreated(t, what+", "+v, d, a)
	}
}

// rvCheckCreated checks that dir holds either no journal, and then that
// Create works there, or a whole journal whose state is a.
func rvCheckCreated(t *testing.T, what, dir string, a *account.Account) {
	t.Helper()
	j, err := open(osFS{}, dir, defaultOptions)
	if errors.Is(err, fs.ErrNotExist) {
		if j, err = create(osFS{}, dir, a, defaultOptions); err != nil {
			t.Fatalf("%s: Create after Open found no journal: %v", what, err)
		}
	} else if err != nil {
		t.Fatalf("%s: Open = %v, want a journal or fs.ErrNotExist", what, err)
	}
	if got := j.Store().Load(); got.Revision() != a.Revision() || !cmp.Equal(got.Spec(), a.Spec()) {
		t.Fatalf("%s: journal at revision %d: %v", what, got.Revision(), got.Spec())
	}
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "bob", 0) }); err != nil {
		t.Fatalf("%s: update: %v", what, err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatalf("%s: reopen after an update: %v", what, err)
	}
	if r := j.Store().Load().Revision(); r != a.Revision()+1 {
		t.Fatalf("%s: reopened at revision %d, want %d", what, r, a.Revision()+1)
	}
	j.Close()
}

// Open of a directory that holds no journal, or of a missing one, says so
// with fs.ErrNotExist and leaves the directory as it was: no LOCK file.
func TestReviewOpenNoJournalLeavesNoLock(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := open(osFS{}, missing, defaultOptions); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open of a missing directory = %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Open made the missing directory: %v", err)
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"empty", nil},
		{"other files", map[string]string{"notes.txt": "hello"}},
		{"a segment being created", map[string]string{segName(1) + tmpSuffix: segMagic}},
		{"a segment and a checkpoint being created", map[string]string{segName(4) + tmpSuffix: "", ckptName(3) + tmpSuffix: ckptMagic}},
		{"a LOCK file", map[string]string{lockName: ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if j, err := open(osFS{}, dir, defaultOptions); !errors.Is(err, fs.ErrNotExist) {
				if err == nil {
					j.Close()
				}
				t.Fatalf("Open = %v, want fs.ErrNotExist", err)
			}
			es, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			want := slices.Sorted(maps.Keys(tc.files))
			if !slices.Equal(names, want) {
				t.Fatalf("the directory holds %q after Open, want %q", names, want)
			}
		})
	}
	// A journal that lost its checkpoint is damaged, with updates or not.
	for _, n := range []int{0, 3} {
		dir, _, _ := rvBuild(t, n)
		if err := os.Remove(filepath.Join(dir, ckptName(0))); err != nil {
			t.Fatal(err)
		}
		if _, err := open(osFS{}, dir, defaultOptions); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open of segments without a checkpoint = %v, want ErrCorrupt", err)
		}
		if _, err := create(osFS{}, dir, testAccount(t), defaultOptions); !errors.Is(err, account.ErrExists) {
			t.Fatalf("Create over segments without a checkpoint = %v, want ErrExists", err)
		}
	}
}

// Apply on a journal's Store would publish updates the journal never
// stored: it is refused, and the journal goes on.
func TestReviewApplyOnJournal(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	src := account.NewStore(testAccount(t))
	var events []account.Event
	src.SetObserver(func(es []account.Event) { events = append(events, es...) })
	if _, err := src.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "ghost", 0) }); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Store().Apply(events); !errors.Is(err, account.ErrInvalid) {
		t.Fatalf("Apply on a journal's Store = %v, want ErrInvalid", err)
	}
	if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "bob", 0) }); err != nil {
		t.Fatalf("update after Apply: %v", err)
	}
	j.Close()
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	if a := j.Store().Load(); a.Revision() != 1 || a.IsMember("ghost") || !a.IsMember("bob") {
		t.Fatalf("reopened at revision %d: %v", a.Revision(), a.Spec())
	}
}
