package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// ckptFiles returns the revisions of dir's checkpoints.
func ckptFiles(t *testing.T, dir string) []uint64 {
	t.Helper()
	names, err := osFS{}.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return checkpoints(names)
}

// Open restores how much log was written since the last checkpoint, so
// that a process restarted more often than it writes a checkpoint's worth
// of log still checkpoints; and it starts a checkpoint that is due.
func TestOpenRestoresCheckpointProgress(t *testing.T) {
	dir := t.TempDir()
	opt := options{checkpointBytes: 2000}
	j, err := create(osFS{}, dir, testAccount(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; j.sinceCkpt < 1500; i++ {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	since := j.sinceCkpt
	j.Close()
	j, err = open(osFS{}, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	if j.sinceCkpt != since {
		t.Errorf("after reopening, %d bytes since the checkpoint; %d before", j.sinceCkpt, since)
	}
	for i := 100; len(ckptFiles(t, dir)) < 2 && i < 130; i++ {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
	}
	if n := len(ckptFiles(t, dir)); n < 2 {
		t.Errorf("%d checkpoints after 3000 bytes of log across a restart", n)
	}
	j.Close()

	// A checkpoint due when Open runs (a smaller setting) is started.
	j, err = open(osFS{}, dir, options{checkpointBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for i := 200; j.sinceCkpt < 2*max(j.ckptSize, 100); i++ {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	before := len(ckptFiles(t, dir))
	j, err = open(osFS{}, dir, options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	j.ckptDone.Wait()
	if after := len(ckptFiles(t, dir)); after != before+1 {
		t.Errorf("%d checkpoints after Open, %d before; want one more", after, before)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// failFirstRename fails the first rename of a checkpoint into place.
type failFirstRename struct {
	osFS
	mu     sync.Mutex
	failed bool
}

func (f *failFirstRename) Rename(from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.failed && strings.HasSuffix(to, ckptSuffix) {
		f.failed = true
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EIO}
	}
	return f.osFS.Rename(from, to)
}

// The first failed checkpoint's error reaches Close, though later ones
// succeed.
func TestCloseReportsFirstCheckpointError(t *testing.T) {
	fsys := &failFirstRename{}
	j, err := create(osFS{}, t.TempDir(), testAccount(t), options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	j.fsys = fsys
	for i := range 40 {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
	}
	if revs := ckptFiles(t, j.dir); revs[len(revs)-1] < 30 {
		t.Fatalf("checkpoints %v: want later ones to succeed", revs)
	}
	if err := j.Close(); !errors.Is(err, syscall.EIO) {
		t.Errorf("Close = %v, want the failed checkpoint's error", err)
	}
}

// Every checkpoint is kept by default, Create's always; with
// KeepCheckpoints n, Create's and the latest n.
func TestCheckpointRetention(t *testing.T) {
	for _, keep := range []int{0, 1, 3} {
		dir := t.TempDir()
		j, err := create(osFS{}, dir, testAccount(t).WithRevision(5), options{checkpointBytes: 100, keepCheckpoints: keep})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 40 {
			if _, err := j.Store().Update(addUser(i)); err != nil {
				t.Fatal(err)
			}
			j.ckptDone.Wait()
		}
		segs := len(j.segs)
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		got := ckptFiles(t, dir)
		want := segs // one per rotation, and Create's
		if keep > 0 {
			want = keep + 1
		}
		if len(got) != want || got[0] != 5 {
			t.Errorf("keep %d: checkpoints %v for %d segments; want %d, the first at revision 5", keep, got, segs, want)
		}
	}
	if _, err := (Options{KeepCheckpoints: -1}).Open(t.TempDir()); err == nil {
		t.Error("Options with a negative KeepCheckpoints accepted")
	}
}

// A damaged latest checkpoint is ErrCorrupt, and the error says how to
// recover; without it, Open rebuilds the state from the checkpoint before
// it (at worst Create's) and the log, which are kept.
func TestDamagedCheckpointRebuiltFromLog(t *testing.T) {
	for _, keep := range []int{0, 1} {
		dir := t.TempDir()
		opt := options{checkpointBytes: 150, keepCheckpoints: keep}
		j, err := create(osFS{}, dir, testAccount(t), opt)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 30 {
			if _, err := j.Store().Update(addUser(i)); err != nil {
				t.Fatal(err)
			}
			j.ckptDone.Wait()
		}
		want := j.Store().Load()
		j.Close()
		revs := ckptFiles(t, dir)
		latest := filepath.Join(dir, ckptName(revs[len(revs)-1]))
		b, err := os.ReadFile(latest)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x20
		if err := os.WriteFile(latest, b, filePerm); err != nil {
			t.Fatal(err)
		}
		_, err = open(osFS{}, dir, opt)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), filepath.Base(latest)) || !strings.Contains(err.Error(), "removed") {
			t.Fatalf("Open with a damaged checkpoint = %v; want ErrCorrupt naming it and saying it can be removed", err)
		}
		if err := os.Remove(latest); err != nil {
			t.Fatal(err)
		}
		j, err = open(osFS{}, dir, opt)
		if err != nil {
			t.Fatalf("keep %d: Open without the damaged checkpoint: %v", keep, err)
		}
		sameSpec(t, want, j.Store().Load())
		if a, err := j.stateAt(context.Background(), 0); err != nil || a.NumMembers() != 1 {
			t.Errorf("the state at Create: %v", err)
		}
		j.Close()
	}
}

// Each checkpoint, written or failed, reaches the Store's Checkpoint hook.
func TestCheckpointHook(t *testing.T) {
	fsys := &failFirstRename{}
	j, err := create(osFS{}, t.TempDir(), testAccount(t), options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	j.fsys = fsys
	var mu sync.Mutex
	var got []account.CheckpointInfo
	j.Store().SetHooks(&account.Hooks{Checkpoint: func(c account.CheckpointInfo) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, c)
	}})
	for i := range 20 {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 3 || !errors.Is(got[0].Err, syscall.EIO) || got[1].Err != nil || got[1].Bytes == 0 || got[1].Revision <= got[0].Revision {
		t.Fatalf("checkpoints reported: %+v; want a failure, then successes with their sizes", got)
	}
	last := got[len(got)-1]
	if revs := ckptFiles(t, j.dir); last.Revision != revs[len(revs)-1] {
		t.Errorf("the last reported checkpoint is at revision %d, the last file at %d", last.Revision, revs[len(revs)-1])
	}
	if fi, err := os.Stat(filepath.Join(j.dir, ckptName(last.Revision))); err != nil || fi.Size() != last.Bytes {
		t.Errorf("the last checkpoint reported %d bytes; the file: %v, %v", last.Bytes, fi.Size(), err)
	}
	if j.ckptSize != last.Bytes {
		t.Errorf("the journal counts %d bytes for its last checkpoint, %d reported", j.ckptSize, last.Bytes)
	}
}

// A single record past the checkpoint threshold starts a new segment and a
// checkpoint at once.
func TestOneLargeRecordCheckpoints(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Store().Update(func(tx *account.Tx) error {
		return tx.AddMember("alice", strings.Repeat("b", 250), permission.View)
	}); err != nil {
		t.Fatal(err)
	}
	j.ckptDone.Wait()
	if got := ckptFiles(t, dir); !slices.Equal(got, []uint64{0, 1}) {
		t.Errorf("checkpoints %v after one large record, want [0 1]", got)
	}
}

// The only checkpoint damaged is ErrCorrupt, without the advice to remove
// it: there is no other to rebuild from.
func TestOnlyCheckpointDamaged(t *testing.T) {
	dir, _, _ := buildN(t, 2)
	name := filepath.Join(dir, ckptName(0))
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x04
	if err := os.WriteFile(name, b, filePerm); err != nil {
		t.Fatal(err)
	}
	_, err = open(osFS{}, dir, defaultOptions)
	if !errors.Is(err, ErrCorrupt) || strings.Contains(err.Error(), "removed") {
		t.Fatalf("Open with its only checkpoint damaged = %v; want ErrCorrupt without advice to remove it", err)
	}
}
