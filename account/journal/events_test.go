package journal

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// readFails fails every open of a log segment for reading, once armed, as
// a process out of file descriptors does.
type readFails struct {
	osFS
	mu    sync.Mutex
	armed bool
}

func (f *readFails) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	f.mu.Lock()
	armed := f.armed
	f.mu.Unlock()
	if armed && flag == os.O_RDONLY && strings.HasSuffix(name, segSuffix) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.EMFILE}
	}
	return f.osFS.OpenFile(name, flag, perm)
}

// A segment that cannot be read is an error, not damage: Events says
// what failed, and does not call the journal corrupt.
func TestEventsReadErrorIsNotCorruption(t *testing.T) {
	fsys := &readFails{}
	j, err := create(fsys, t.TempDir(), testAccount(t), defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Store().Update(addUser(1)); err != nil {
		t.Fatal(err)
	}
	fsys.mu.Lock()
	fsys.armed = true
	fsys.mu.Unlock()
	var got error
	for _, err := range j.Events(context.Background(), 0) {
		if err != nil {
			got = err
		}
	}
	if !errors.Is(got, syscall.EMFILE) || errors.Is(got, ErrCorrupt) {
		t.Errorf("Events with no file descriptors left = %v; want EMFILE, not ErrCorrupt", got)
	}
}
