package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A Create that fails at any one step, and whose clean-up does not fail
// too, takes away every file it wrote: the directory holds no checkpoint
// and no segment, under its name or a temporary one, and the lock is
// released.
func TestFailedCreateRemovesItsFiles(t *testing.T) {
	a := testAccount(t).WithRevision(7)
	fsys := &stepFS{failAt: -1, alsoAt: -1}
	j, err := create(fsys, filepath.Join(t.TempDir(), "j"), a, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	fsys.mu.Lock()
	createSteps := len(fsys.steps)
	fsys.mu.Unlock()
	j.Close()
	for k := range createSteps {
		fsys := &stepFS{failAt: k, alsoAt: -1}
		dir := filepath.Join(t.TempDir(), "j")
		j, err := create(fsys, dir, a, defaultOptions)
		if err == nil {
			j.Close()
			t.Fatalf("Create with step %d failing succeeded", k)
		}
		fsys.mu.Lock()
		what := fsys.steps[k]
		fsys.mu.Unlock()
		if !errors.Is(err, syscall.EIO) {
			t.Errorf("Create failing at step %d (%s) = %v, want EIO", k, what, err)
		}
		names, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, e := range names {
			if n := e.Name(); strings.HasPrefix(n, segPrefix) || strings.HasPrefix(n, ckptPrefix) {
				t.Errorf("Create failing at step %d (%s) left %s", k, what, n)
			}
		}
		if j, err = create(osFS{}, dir, a, defaultOptions); err != nil {
			t.Fatalf("Create after a Create failing at step %d (%s): %v", k, what, err)
		}
		j.Close()
	}
}
