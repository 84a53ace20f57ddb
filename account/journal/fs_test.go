package journal

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// syncDirFS is an osFS whose SyncDir records the directories it is asked
// to sync and fails for some of them.
type syncDirFS struct {
	osFS
	synced []string
	fail   map[string]error
}

func (f *syncDirFS) SyncDir(dir string) error {
	f.synced = append(f.synced, dir)
	return f.fail[dir]
}

// syncParents syncs every directory from dir's parent up to the root. The
// parent must sync; further up, a directory that cannot be opened for want
// of permission, or that is gone, is passed over, and any other failure
// is returned.
func TestSyncParents(t *testing.T) {
	dir := filepath.FromSlash("/a/b/c/journal")
	all := []string{"/a/b/c", "/a/b", "/a", "/"}
	for i := range all {
		all[i] = filepath.FromSlash(all[i])
	}
	for _, tc := range []struct {
		name   string
		fail   map[string]error
		synced int   // how many of all are synced
		err    error // wanted, with errors.Is
	}{
		{"all sync", nil, 4, nil},
		{"trailing slash", nil, 4, nil},
		{"parent not permitted", map[string]error{all[0]: fs.ErrPermission}, 1, fs.ErrPermission},
		{"parent fails", map[string]error{all[0]: syscall.EIO}, 1, syscall.EIO},
		{"grandparent not permitted", map[string]error{all[1]: fs.ErrPermission}, 4, nil},
		{"root gone", map[string]error{all[3]: fs.ErrNotExist}, 4, nil},
		{"grandparent fails", map[string]error{all[1]: syscall.EIO}, 2, syscall.EIO},
		{"root fails", map[string]error{all[3]: syscall.EIO}, 4, syscall.EIO},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &syncDirFS{fail: tc.fail}
			d := dir
			if tc.name == "trailing slash" {
				d += string(filepath.Separator)
			}
			err := syncParents(f, d)
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Errorf("syncParents = %v, want %v", err, tc.err)
			}
			if !slices.Equal(f.synced, all[:tc.synced]) {
				t.Errorf("synced %q, want %q", f.synced, all[:tc.synced])
			}
		})
	}
}

// shortWriter accepts at most n bytes of a write, without an error.
type shortWriter struct {
	bytes.Buffer
	n int
}

func (w *shortWriter) Write(b []byte) (int, error) {
	return w.Buffer.Write(b[:min(len(b), w.n)])
}

// writeAll turns a short write without an error into io.ErrShortWrite.
func TestWriteAll(t *testing.T) {
	for _, tc := range []struct {
		n   int
		err error
	}{{5, nil}, {6, nil}, {4, io.ErrShortWrite}, {0, io.ErrShortWrite}} {
		w := &shortWriter{n: tc.n}
		if err := writeAll(w, []byte("hello")); err != tc.err {
			t.Errorf("writeAll to a writer taking %d bytes = %v, want %v", tc.n, err, tc.err)
		}
	}
	if err := writeAll(&shortWriter{}, nil); err != nil {
		t.Errorf("writeAll of nothing = %v", err)
	}
}

// writeFileAtomic leaves the file's old content and no temporary file
// when writing, syncing or renaming fails, and the new content, all of it,
// when it succeeds.
func TestWriteFileAtomic(t *testing.T) {
	fill := func(s string, err error) func(io.Writer) (int64, error) {
		return func(w io.Writer) (int64, error) {
			if werr := writeAll(w, []byte(s)); werr != nil {
				return 0, werr
			}
			return int64(len(s)), err
		}
	}
	dir := t.TempDir()
	name := filepath.Join(dir, "f")
	if err := os.WriteFile(name, []byte("old"), filePerm); err != nil {
		t.Fatal(err)
	}
	check := func(what, want string) {
		t.Helper()
		if got, err := os.ReadFile(name); err != nil || string(got) != want {
			t.Errorf("%s: the file holds %q, %v; want %q", what, got, err, want)
		}
		if _, err := os.Stat(name + tmpSuffix); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: the temporary file: %v; want it gone", what, err)
		}
	}
	if n, err := writeFileAtomic(osFS{}, name, fill("new!", syscall.ENOSPC)); !errors.Is(err, syscall.ENOSPC) || n != 0 {
		t.Errorf("a failing fill: %d, %v; want 0, ENOSPC", n, err)
	}
	check("a failing fill", "old")
	if n, err := writeFileAtomic(renameFails{}, name, fill("new!", nil)); !errors.Is(err, syscall.EIO) || n != 0 {
		t.Errorf("a failing rename: %d, %v; want 0, EIO", n, err)
	}
	check("a failing rename", "old")
	f := &syncDirFS{fail: map[string]error{dir: syscall.EIO}}
	if _, err := writeFileAtomic(f, name, fill("newer", nil)); !errors.Is(err, syscall.EIO) {
		t.Errorf("a failing directory sync: %v; want EIO", err)
	}
	check("a failing directory sync", "newer") // renamed, but not known durable
	f = &syncDirFS{}
	if n, err := writeFileAtomic(f, name, fill("newest", nil)); err != nil || n != 6 {
		t.Errorf("writeFileAtomic = %d, %v; want 6", n, err)
	}
	check("writeFileAtomic", "newest")
	if !slices.Equal(f.synced, []string{dir}) {
		t.Errorf("synced %q, want the directory", f.synced)
	}
}

// The operating system's file system reports a missing directory or file
// as fs.ErrNotExist, and lists and syncs one that is there.
func TestOSFSMissing(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	if err := (osFS{}).SyncDir(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("SyncDir of a missing directory = %v", err)
	}
	if names, err := (osFS{}).ReadDir(missing); !errors.Is(err, fs.ErrNotExist) || names != nil {
		t.Errorf("ReadDir of a missing directory = %q, %v", names, err)
	}
	if f, err := (osFS{}).OpenFile(missing, os.O_RDONLY, 0); !errors.Is(err, fs.ErrNotExist) || f != nil {
		t.Errorf("OpenFile of a missing file = %v, %v; want a nil file and fs.ErrNotExist", f, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, filePerm); err != nil {
		t.Fatal(err)
	}
	if err := (osFS{}).SyncDir(dir); err != nil {
		t.Errorf("SyncDir = %v", err)
	}
	if names, err := (osFS{}).ReadDir(dir); err != nil || !slices.Equal(names, []string{"f"}) {
		t.Errorf("ReadDir = %q, %v", names, err)
	}
}
