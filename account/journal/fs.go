package journal

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// fileSystem is what a Journal does with files, so that tests can inject
// faults: short writes, failed writes and syncs, a full disk.
type fileSystem interface {
	OpenFile(name string, flag int, perm os.FileMode) (file, error)
	ReadDir(dir string) ([]string, error) // the names in dir
	Rename(from, to string) error
	Remove(name string) error
	MkdirAll(dir string) error
	SyncDir(dir string) error
	// Lock takes the advisory lock on the file name, creating it if
	// needed, and fails at once if another holder has it.
	Lock(name string) (io.Closer, error)
}

// file is an open file of a fileSystem.
type file interface {
	io.Reader
	io.Writer
	Sync() error
	Truncate(size int64) error
	Close() error
}

// osFS is the operating system's file system.
type osFS struct{}

func (osFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (osFS) ReadDir(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names, nil
}

func (osFS) Rename(from, to string) error { return os.Rename(from, to) }
func (osFS) Remove(name string) error     { return os.Remove(name) }
func (osFS) MkdirAll(dir string) error    { return os.MkdirAll(dir, dirPerm) }

// The journal's files and directories are private to their owner: they
// say who may do what in the account.
const (
	filePerm = 0o600
	dirPerm  = 0o700
)

// SyncDir makes the directory's entries (files created, renamed or
// removed in it) durable.
func (osFS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (osFS) Lock(name string) (io.Closer, error) { return lockFile(name) }

// mkdirDurable makes dir and any missing parents, and makes their
// entries durable (see syncParents).
func mkdirDurable(fsys fileSystem, dir string) error {
	if err := fsys.MkdirAll(dir); err != nil {
		return err
	}
	return syncParents(fsys, dir)
}

// syncParents syncs the directories that hold dir, from its parent up to
// the root, so that a power loss cannot take dir away with everything
// written in it. Each may have been made, or its entry changed, by a
// Create that a crash stopped before it synced them. The parent must
// sync; a directory further up that cannot be opened for syncing (one
// without read permission) is left as it is.
func syncParents(fsys fileSystem, dir string) error {
	d := filepath.Dir(filepath.Clean(dir))
	if err := fsys.SyncDir(d); err != nil {
		return err
	}
	for up := filepath.Dir(d); up != d; d, up = up, filepath.Dir(up) {
		if err := fsys.SyncDir(up); err != nil && !errors.Is(err, fs.ErrPermission) && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// writeFileAtomic writes name through a temporary file: write (by fill,
// which returns the bytes it wrote), sync, rename, sync the directory, so
// that name holds either its old content or all of the new, whenever a
// crash or power loss comes. It returns the file's size.
func writeFileAtomic(fsys fileSystem, name string, fill func(io.Writer) (int64, error)) (int64, error) {
	tmp := name + tmpSuffix
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, filePerm)
	if err != nil {
		return 0, err
	}
	size, err := fill(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = fsys.Rename(tmp, name)
	}
	if err == nil {
		return size, fsys.SyncDir(filepath.Dir(name))
	}
	fsys.Remove(tmp)
	return 0, err
}

// writeAll writes all of b to w: a short write without an error is
// io.ErrShortWrite.
func writeAll(w io.Writer, b []byte) error {
	n, err := w.Write(b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	return err
}
