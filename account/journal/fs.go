package journal

import (
	"bytes"
	"io"
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
func (osFS) MkdirAll(dir string) error    { return os.MkdirAll(dir, 0o755) }

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

// readFile reads the whole file name from fsys.
func readFile(fsys fileSystem, name string) ([]byte, error) {
	f, err := fsys.OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read into a buffer of the file's size, when it is known, rather than
	// one grown (and copied) step by step: a segment may be megabytes.
	var buf bytes.Buffer
	if st, ok := f.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := st.Stat(); err == nil && fi.Size() > 0 && fi.Size() < 1<<40 {
			buf.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeFileAtomic writes data to name through a temporary file: write,
// sync, rename, sync the directory, so that name holds either its old
// content or all of data, whenever a crash comes.
func writeFileAtomic(fsys fileSystem, name string, data []byte) error {
	tmp := name + tmpSuffix
	f, err := fsys.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = writeAll(f, data)
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
		return fsys.SyncDir(filepath.Dir(name))
	}
	fsys.Remove(tmp)
	return err
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
