package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/google/go-cmp/cmp"
)

// A Create that fails leaves no journal behind: the directory can be
// created in again.
func TestFailedCreateLeavesNoJournal(t *testing.T) {
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
func TestCreateFaults(t *testing.T) {
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
				checkCreateVariants(t, what, parent, dir, a)
			}
		}
	}
	t.Logf("%d faulty Creates checked", runs)
}

// checkCreateVariants checks what a Create of a in dir left, as it is and, if
// it wrote its segment but not its checkpoint, with the segment empty or
// zeroed, as a crash may leave it.
func checkCreateVariants(t *testing.T, what, parent, dir string, a *account.Account) {
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
		checkCreated(t, what+", "+v, d, a)
	}
}

// checkCreated checks that dir holds either no journal, and then that
// Create works there, or a whole journal whose state is a.
func checkCreated(t *testing.T, what, dir string, a *account.Account) {
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
