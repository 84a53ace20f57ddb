package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Open refuses a journal whose files do not make a whole log after its
// latest checkpoint, saying which file and revision: a segment at
// revision 0, no segment holding the revision after the checkpoint, a
// segment missing between two others, a record cut short in a segment
// before the last, a log that ends before the checkpoint's revision.
func TestOpenRefusesBrokenLog(t *testing.T) {
	for _, tc := range []struct {
		name string
		brk  func(t *testing.T, dir string, segs []uint64)
		file func(segs []uint64) string
		rev  func(segs []uint64) uint64
		want string
	}{
		{
			name: "a segment at revision 0",
			brk: func(t *testing.T, dir string, segs []uint64) {
				copyFile(t, filepath.Join(dir, segName(segs[0])), filepath.Join(dir, segName(0)))
			},
			file: func([]uint64) string { return segName(0) },
			rev:  func([]uint64) uint64 { return 0 },
			want: "revisions start at 1",
		},
		{
			name: "no segment after the checkpoint",
			brk: func(t *testing.T, dir string, segs []uint64) {
				for _, s := range segs {
					remove(t, filepath.Join(dir, segName(s)))
				}
			},
			// The latest checkpoint is the last rotation's, whose
			// segment starts after it.
			file: func(segs []uint64) string { return segName(segs[len(segs)-1]) },
			rev:  func(segs []uint64) uint64 { return segs[len(segs)-1] },
			want: "no log segment holds the revision after the checkpoint",
		},
		{
			name: "a segment missing",
			brk: func(t *testing.T, dir string, segs []uint64) {
				for _, c := range ckptFiles(t, dir) {
					if c > 0 {
						remove(t, filepath.Join(dir, ckptName(c)))
					}
				}
				remove(t, filepath.Join(dir, segName(segs[2])))
			},
			file: func(segs []uint64) string { return segName(segs[1]) },
			rev:  func(segs []uint64) uint64 { return segs[2] },
			want: "but the next one starts at",
		},
		{
			name: "a record cut short before the last segment",
			brk: func(t *testing.T, dir string, segs []uint64) {
				for _, c := range ckptFiles(t, dir) {
					if c > 0 {
						remove(t, filepath.Join(dir, ckptName(c)))
					}
				}
				name := filepath.Join(dir, segName(segs[1]))
				data, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, data[:len(data)-3], filePerm); err != nil {
					t.Fatal(err)
				}
			},
			file: func(segs []uint64) string { return segName(segs[1]) },
			rev:  func(segs []uint64) uint64 { return segs[2] - 1 },
			want: "record cut short before the end of the log",
		},
		{
			name: "the log ends before the checkpoint",
			brk: func(t *testing.T, dir string, segs []uint64) {
				for _, s := range segs[2:] {
					remove(t, filepath.Join(dir, segName(s)))
				}
				name := filepath.Join(dir, segName(segs[1]))
				data, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, data[:len(data)-3], filePerm); err != nil {
					t.Fatal(err)
				}
			},
			file: func(segs []uint64) string { return segName(segs[1]) },
			rev:  func(segs []uint64) uint64 { return segs[2] - 1 },
			want: "before the checkpoint's revision",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := buildSmall(t, 12, 100, addUser)
			j, err := open(osFS{}, dir, defaultOptions)
			if err != nil {
				t.Fatal(err)
			}
			segs := j.segs
			j.Close()
			if len(segs) < 4 {
				t.Fatalf("segments %v; the test needs 4", segs)
			}
			tc.brk(t, dir, segs)
			_, err = open(osFS{}, dir, defaultOptions)
			var ce *CorruptError
			if !errors.As(err, &ce) || filepath.Base(ce.File) != tc.file(segs) || ce.Revision != tc.rev(segs) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v; want ErrCorrupt in %s at revision %d saying %q", err, tc.file(segs), tc.rev(segs), tc.want)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, filePerm); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, name string) {
	t.Helper()
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
}

// ckptReadFails fails every open of a checkpoint for reading, as a
// process out of file descriptors does.
type ckptReadFails struct{ osFS }

func (f ckptReadFails) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	if flag == os.O_RDONLY && strings.HasSuffix(name, ckptSuffix) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
	}
	return f.osFS.OpenFile(name, flag, perm)
}

// A checkpoint Open cannot read is that error, said by the journal, not
// damage; a damaged one is a *CorruptError as it is, whose message names
// the journal once.
func TestOpenCheckpointErrors(t *testing.T) {
	dir, _, _ := buildN(t, 2)
	_, err := open(ckptReadFails{}, dir, defaultOptions)
	if !errors.Is(err, syscall.EMFILE) || errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), "journal: open: ") {
		t.Errorf("Open with a checkpoint that cannot be read = %v; want EMFILE said by the journal (\"journal: open: \"), not ErrCorrupt", err)
	}
	name := filepath.Join(dir, ckptName(0))
	if err := os.WriteFile(name, []byte(ckptMagic+"damage"), filePerm); err != nil {
		t.Fatal(err)
	}
	_, err = open(osFS{}, dir, defaultOptions)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.File != name || strings.Count(err.Error(), "journal: ") != 1 {
		t.Errorf("Open with a damaged checkpoint = %v; want a *CorruptError naming %s, the journal once", err, name)
	}
}

// truncateFails is the OS file system whose files cannot be truncated.
type truncateFails struct{ osFS }

type truncateFailsFile struct{ file }

func (truncateFailsFile) Truncate(int64) error { return syscall.EIO }

func (f truncateFails) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	fl, err := f.osFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return truncateFailsFile{fl}, nil
}

// An Open that cannot cut the torn tail off the log fails with that
// error, and opens nothing on top of the tail.
func TestOpenCutFails(t *testing.T) {
	dir, seg, _ := buildN(t, 2)
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("a record cut short")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	j, err := open(truncateFails{}, dir, defaultOptions)
	if err == nil {
		j.Close()
	}
	if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), "torn end") {
		t.Fatalf("Open that cannot cut the torn tail = %v; want EIO, saying it could not drop the torn end", err)
	}
}
