package journal

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/entaccess/entaccess/account"
)

// Open removes only the journal's own temporary files, not another file
// whose name ends in .tmp.
func TestOpenKeepsOtherTmpFiles(t *testing.T) {
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

// Open of a directory that holds no journal, or of a missing one, says so
// with fs.ErrNotExist and leaves the directory as it was: no LOCK file.
func TestOpenNoJournalLeavesNoLock(t *testing.T) {
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
		dir, _, _ := buildN(t, n)
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

// A segment Open cannot read is that error, not damage.
func TestOpenReadErrorIsNotCorruption(t *testing.T) {
	dir, _, _ := buildN(t, 3)
	_, err := open(&readFails{armed: true}, dir, defaultOptions)
	if !errors.Is(err, syscall.EMFILE) || errors.Is(err, ErrCorrupt) {
		t.Errorf("Open with no file descriptors left = %v; want EMFILE, not ErrCorrupt", err)
	}
}
