package journal

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// memFS is a file system in memory that models what a power loss leaves.
// Each file keeps its content as written and as of its last sync; each
// directory keeps its entries as changed and as of its last sync. At the
// sync numbered lossAt (from 1), before it takes effect, the power goes:
// the state the disk would hold is drawn (see lose), kept in after, and
// every later call fails with EIO, as in a machine that stopped.
type memFS struct {
	mu     sync.Mutex
	root   *memDir
	rng    *rand.Rand
	page   int  // the unit the disk writes back, or loses
	syncs  int  // syncs so far
	lossAt int  // the sync at which the power goes; 0 never
	kill   bool // at lossAt, the process dies but the machine stays up
	dead   bool
	after  *memFS
	locks  map[string]bool
}

type memDir struct {
	cur, durable map[string]*memNode
	ops          []dirOp // the changes since the last sync, in order
}

// A dirOp is a change to a directory's entries: name set to node (nil
// removes it), and with a rename, from removed in the same step.
type dirOp struct {
	name, from string
	node       *memNode
}

// apply applies op to the entries m; a rename whose source is not there
// (it was created since the last sync, and that was lost) does nothing.
func (op dirOp) apply(m map[string]*memNode) {
	if op.from != "" {
		if m[op.from] != op.node {
			return
		}
		delete(m, op.from)
	}
	if op.node == nil {
		delete(m, op.name)
	} else {
		m[op.name] = op.node
	}
}

// A memNode is a directory or a file.
type memNode struct {
	dir  *memDir
	file *memInode
}

type memInode struct {
	data    []byte // the content as written
	durable []byte // the content as of the last sync
	old     []byte // the longest content the file had before a truncation: what a lost page may show
	perm    os.FileMode
}

func newMemDir() *memDir {
	return &memDir{cur: map[string]*memNode{}, durable: map[string]*memNode{}}
}

// newMemFS returns a memFS whose durable state holds the directory parent.
func newMemFS(rng *rand.Rand, page int, parent string) *memFS {
	f := &memFS{root: newMemDir(), rng: rng, page: page, locks: map[string]bool{}}
	d := f.root
	for _, part := range strings.Split(strings.Trim(parent, "/"), "/") {
		n := &memNode{dir: newMemDir()}
		d.cur[part], d.durable[part] = n, n
		d = n.dir
	}
	return f
}

var errDead = fmt.Errorf("the power is off: %w", syscall.EIO)

// lookup returns the directory dir (as changed, not as synced).
func (f *memFS) lookup(dir string) (*memDir, error) {
	d := f.root
	for _, part := range strings.Split(strings.Trim(filepath.Clean(dir), "/"), "/") {
		if part == "" {
			continue
		}
		n, ok := d.cur[part]
		if !ok || n.dir == nil {
			return nil, &fs.PathError{Op: "open", Path: dir, Err: fs.ErrNotExist}
		}
		d = n.dir
	}
	return d, nil
}

func (f *memFS) parent(name string) (*memDir, string, error) {
	d, err := f.lookup(filepath.Dir(name))
	return d, filepath.Base(name), err
}

func (f *memFS) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, errDead
	}
	d, base, err := f.parent(name)
	if err != nil {
		return nil, err
	}
	n, ok := d.cur[base]
	if !ok {
		if flag&os.O_CREATE == 0 {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		n = &memNode{file: &memInode{perm: perm}}
		d.cur[base] = n
		d.ops = append(d.ops, dirOp{name: base, node: n})
	}
	if n.file == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	}
	if flag&os.O_TRUNC != 0 {
		n.file.truncate(0)
	}
	return &memFile{fs: f, in: n.file, append: flag&os.O_APPEND != 0, write: flag&(os.O_WRONLY|os.O_RDWR) != 0}, nil
}

func (in *memInode) truncate(size int) {
	if size < len(in.data) && len(in.data) > len(in.old) {
		in.old = slices.Clone(in.data)
	}
	if size <= len(in.data) {
		in.data = in.data[:size:size]
	} else {
		in.data = append(in.data, make([]byte, size-len(in.data))...)
	}
}

func (f *memFS) ReadDir(dir string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return nil, errDead
	}
	d, err := f.lookup(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(d.cur))
	for name := range d.cur {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

func (f *memFS) Rename(from, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return errDead
	}
	fd, fb, err := f.parent(from)
	if err != nil {
		return err
	}
	td, tb, err := f.parent(to)
	if err != nil {
		return err
	}
	n, ok := fd.cur[fb]
	if !ok {
		return &fs.PathError{Op: "rename", Path: from, Err: fs.ErrNotExist}
	}
	if fd != td {
		return errors.New("memFS renames within a directory only")
	}
	delete(fd.cur, fb)
	td.cur[tb] = n
	td.ops = append(td.ops, dirOp{name: tb, from: fb, node: n})
	return nil
}

func (f *memFS) Remove(name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return errDead
	}
	d, base, err := f.parent(name)
	if err != nil {
		return err
	}
	if _, ok := d.cur[base]; !ok {
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	delete(d.cur, base)
	d.ops = append(d.ops, dirOp{name: base})
	return nil
}

func (f *memFS) MkdirAll(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.dead {
		return errDead
	}
	d := f.root
	for _, part := range strings.Split(strings.Trim(filepath.Clean(dir), "/"), "/") {
		n, ok := d.cur[part]
		if !ok {
			n = &memNode{dir: newMemDir()}
			d.cur[part] = n
			d.ops = append(d.ops, dirOp{name: part, node: n})
		}
		if n.dir == nil {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		d = n.dir
	}
	return nil
}

// sync counts a sync and loses the power if it is the one; it is called
// with f.mu held.
func (f *memFS) sync() error {
	if f.dead {
		return errDead
	}
	f.syncs++
	if f.syncs == f.lossAt {
		if f.kill {
			f.after = f.cloneLocked()
			f.dead = true
		} else {
			f.loseLocked()
		}
		return errDead
	}
	return nil
}

func (f *memFS) SyncDir(dir string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.sync(); err != nil {
		return err
	}
	d, err := f.lookup(dir)
	if err != nil {
		return err
	}
	d.durable, d.ops = cloneEntries(d.cur), nil
	return nil
}

func cloneEntries(m map[string]*memNode) map[string]*memNode {
	c := make(map[string]*memNode, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (f *memFS) Lock(name string) (io.Closer, error) {
	fl, err := f.OpenFile(name, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, err
	}
	fl.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.locks[name] {
		return nil, ErrLocked
	}
	f.locks[name] = true
	return memLock{f, name}, nil
}

type memLock struct {
	f    *memFS
	name string
}

func (l memLock) Close() error {
	l.f.mu.Lock()
	defer l.f.mu.Unlock()
	delete(l.f.locks, l.name)
	return nil
}

// lose draws the state a power loss leaves now, keeps it in f.after, and
// stops f, unless f stopped already; it returns f.after.
func (f *memFS) lose() *memFS {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.dead {
		f.loseLocked()
	}
	return f.after
}

// loseLocked draws what the disk holds after a power loss: each change to
// a directory's entries since its last sync (a file or directory made, a
// rename, a removal) is, independently, kept or lost, a rename whole; each file is its synced content, with each page written since its
// last sync, independently, as written, as zeros, or as the old bytes that
// were there before (those of a truncated tail, or garbage); a file that
// grew keeps its synced size or its new one.
func (f *memFS) loseLocked() {
	f.dead = true
	g := &memFS{rng: f.rng, page: f.page, locks: map[string]bool{}}
	inodes := map[*memInode]*memInode{}
	dirs := map[*memDir]*memDir{}
	var dir func(d *memDir) *memDir
	dir = func(d *memDir) *memDir {
		if c, ok := dirs[d]; ok {
			return c
		}
		c := newMemDir()
		dirs[d] = c
		entries := cloneEntries(d.durable)
		for _, op := range d.ops {
			if f.rng.IntN(2) == 0 {
				op.apply(entries)
			}
		}
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range entries {
				if !yield(k) {
					return
				}
			}
		}) {
			n := entries[name]
			var m *memNode
			if n.dir != nil {
				m = &memNode{dir: dir(n.dir)}
			} else {
				in, ok := inodes[n.file]
				if !ok {
					in = f.loseFile(n.file)
					inodes[n.file] = in
				}
				m = &memNode{file: in}
			}
			c.cur[name], c.durable[name] = m, m
		}
		return c
	}
	g.root = dir(f.root)
	f.after = g
}

func (f *memFS) loseFile(in *memInode) *memInode {
	size := len(in.durable)
	if len(in.data) != size && f.rng.IntN(2) == 0 {
		size = len(in.data)
	}
	out := make([]byte, size)
	for p := 0; p < size; p += f.page {
		end := min(p+f.page, size)
		choice := f.rng.IntN(3) // 0 as written, 1 zeros, 2 old bytes
		for i := p; i < end; i++ {
			var written, synced byte
			switch {
			case i < len(in.data):
				written = in.data[i]
			case i < len(in.durable):
				written = in.durable[i]
			}
			unsynced := i >= len(in.durable) || i >= len(in.data) || in.data[i] != in.durable[i]
			switch {
			case i < len(in.durable):
				synced = in.durable[i]
			case i < len(in.old):
				synced = in.old[i]
			default:
				synced = byte(f.rng.Uint32())
			}
			switch {
			case !unsynced:
				out[i] = synced
			case choice == 0:
				out[i] = written
			case choice == 1:
				out[i] = 0
			default:
				out[i] = synced
			}
		}
	}
	return &memInode{data: out, durable: slices.Clone(out), perm: in.perm}
}

// clone returns a copy of f's state as it is (a process killed, the
// machine still up: what was written stays written, and unsynced).
func (f *memFS) clone() *memFS {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cloneLocked()
}

func (f *memFS) cloneLocked() *memFS {
	g := &memFS{rng: f.rng, page: f.page, locks: map[string]bool{}}
	inodes := map[*memInode]*memInode{}
	dirs := map[*memDir]*memDir{}
	node := func(n *memNode, dir func(*memDir) *memDir) *memNode {
		if n.dir != nil {
			return &memNode{dir: dir(n.dir)}
		}
		in, ok := inodes[n.file]
		if !ok {
			in = &memInode{data: slices.Clone(n.file.data), durable: slices.Clone(n.file.durable), old: slices.Clone(n.file.old), perm: n.file.perm}
			inodes[n.file] = in
		}
		return &memNode{file: in}
	}
	var dir func(d *memDir) *memDir
	dir = func(d *memDir) *memDir {
		if c, ok := dirs[d]; ok {
			return c
		}
		c := newMemDir()
		dirs[d] = c
		cloned := map[*memNode]*memNode{}
		for _, m := range []struct{ from, to map[string]*memNode }{{d.cur, c.cur}, {d.durable, c.durable}} {
			for k, n := range m.from {
				cn, ok := cloned[n]
				if !ok {
					cn = node(n, dir)
					cloned[n] = cn
				}
				m.to[k] = cn
			}
		}
		for _, op := range d.ops {
			if op.node != nil {
				cn, ok := cloned[op.node]
				if !ok {
					cn = node(op.node, dir)
					cloned[op.node] = cn
				}
				op.node = cn
			}
			c.ops = append(c.ops, op)
		}
		return c
	}
	g.root = dir(f.root)
	return g
}

type memFile struct {
	fs     *memFS
	in     *memInode
	pos    int
	append bool
	write  bool
}

func (m *memFile) Read(b []byte) (int, error) {
	m.fs.mu.Lock()
	defer m.fs.mu.Unlock()
	if m.fs.dead {
		return 0, errDead
	}
	if m.pos >= len(m.in.data) {
		return 0, io.EOF
	}
	n := copy(b, m.in.data[m.pos:])
	m.pos += n
	return n, nil
}

func (m *memFile) Write(b []byte) (int, error) {
	m.fs.mu.Lock()
	defer m.fs.mu.Unlock()
	if m.fs.dead {
		return 0, errDead
	}
	if !m.write {
		return 0, errors.New("write on a file opened read-only")
	}
	if m.append {
		m.pos = len(m.in.data)
	}
	if end := m.pos + len(b); end > len(m.in.data) {
		m.in.truncate(end)
	}
	copy(m.in.data[m.pos:], b)
	m.pos += len(b)
	return len(b), nil
}

func (m *memFile) Sync() error {
	m.fs.mu.Lock()
	defer m.fs.mu.Unlock()
	if err := m.fs.sync(); err != nil {
		return err
	}
	m.in.durable = slices.Clone(m.in.data)
	return nil
}

func (m *memFile) Truncate(size int64) error {
	m.fs.mu.Lock()
	defer m.fs.mu.Unlock()
	if m.fs.dead {
		return errDead
	}
	m.in.truncate(int(size))
	return nil
}

func (m *memFile) Close() error { return nil }
