package journal

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// faultFS is the OS file system with faults injected into writes and syncs
// of log segments once armed.
type faultFS struct {
	osFS
	mu    sync.Mutex
	armed bool
	kind  string // "write", "short", "sync", "full"
}

func (f *faultFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	fl, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &faultFile{file: fl, fs: f}, nil
}

func (f *faultFS) fault(op string) (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.armed, f.kind
}

type faultFile struct {
	file
	fs *faultFS
}

func (f *faultFile) Write(b []byte) (int, error) {
	armed, kind := f.fs.fault("write")
	if armed {
		switch kind {
		case "write":
			return 0, syscall.EIO
		case "short":
			n, _ := f.file.Write(b[:len(b)/2])
			return n, nil
		case "full":
			n, _ := f.file.Write(b[:len(b)/3])
			return n, syscall.ENOSPC
		}
	}
	return f.file.Write(b)
}

func (f *faultFile) Sync() error {
	if armed, kind := f.fs.fault("sync"); armed && kind == "sync" {
		return syscall.EIO
	}
	return f.file.Sync()
}

var _ io.Writer = (*faultFile)(nil)

func testAccount(t *testing.T) *account.Account {
	t.Helper()
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// A failed write or sync fails the update, publishes nothing, refuses
// every later update until the journal is reopened, and loses nothing
// acknowledged.
func TestInjectedFaults(t *testing.T) {
	for _, kind := range []string{"write", "short", "sync", "full"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			fsys := &faultFS{kind: kind}
			j, err := create(fsys, dir, testAccount(t), defaultOptions)
			if err != nil {
				t.Fatal(err)
			}
			s := j.Store()
			for i := range 3 {
				if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", fmt.Sprint("ok", i), 0) }); err != nil {
					t.Fatal(err)
				}
			}
			acked := s.Load()
			fsys.mu.Lock()
			fsys.armed = true
			fsys.mu.Unlock()
			var seen int
			s.SetObserver(func([]account.Event) { seen++ })
			if a, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "lost", 0) }); err == nil || a != nil {
				t.Fatalf("Update with a %s fault = %v, %v; want an error", kind, a, err)
			}
			if s.Load() != acked || seen != 0 {
				t.Fatal("a failed update was published")
			}
			fsys.mu.Lock()
			fsys.armed = false
			fsys.mu.Unlock()
			if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", "later", 0) }); err == nil {
				t.Fatal("update accepted after a failed write")
			}
			if err := j.Close(); err == nil {
				t.Error("Close did not report the failed write")
			}
			j, err = open(osFS{}, dir, defaultOptions)
			if err != nil {
				// A short or failed write may leave a torn record, never damage.
				t.Fatalf("reopen: %v", err)
			}
			defer j.Close()
			got := j.Store().Load()
			if got.Revision() < acked.Revision() {
				t.Fatalf("reopened at revision %d, before the acknowledged %d", got.Revision(), acked.Revision())
			}
			if got.Revision() == acked.Revision() {
				if diff := cmp.Diff(acked.Spec(), got.Spec()); diff != "" {
					t.Fatalf("(-want +got):\n%s", diff)
				}
			}
			if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "after", 0) }); err != nil {
				t.Fatalf("update after reopening: %v", err)
			}
		})
	}
}

// A failed checkpoint costs nothing committed: the log still has it all.
func TestFailedCheckpoint(t *testing.T) {
	dir := t.TempDir()
	fsys := &renameFails{}
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	j.fsys = fsys
	for i := range 30 {
		if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", fmt.Sprint("u", i), 0) }); err != nil {
			t.Fatal(err)
		}
	}
	want := j.Store().Load()
	if err := j.Close(); !errors.Is(err, syscall.EIO) {
		t.Errorf("Close = %v, want the checkpoint's error", err)
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got := j.Store().Load(); got.Revision() != want.Revision() || !cmp.Equal(got.Spec(), want.Spec()) {
		t.Fatalf("reopened at revision %d, want %d", got.Revision(), want.Revision())
	}
}

type renameFails struct{ osFS }

func (renameFails) Rename(from, to string) error { return syscall.EIO }

// An update whose write fails says which revision it was.
func TestFailedWriteNamesRevision(t *testing.T) {
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
