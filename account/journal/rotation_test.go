package journal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A new segment and checkpoint fall due once the log written since the
// last checkpoint reaches CheckpointBytes, or the last checkpoint's size
// if that is larger: not a byte later, nor one earlier.
func TestCheckpointDueAtThreshold(t *testing.T) {
	for _, larger := range []string{"CheckpointBytes", "the checkpoint"} {
		probe, err := create(osFS{}, t.TempDir(), testAccount(t), defaultOptions)
		if err != nil {
			t.Fatal(err)
		}
		ckpt := probe.ckptSize
		probe.Close()
		bytes, threshold := ckpt+100, ckpt+100
		if larger == "the checkpoint" {
			bytes, threshold = ckpt/2, ckpt
		}
		j, err := create(osFS{}, t.TempDir(), testAccount(t), options{checkpointBytes: bytes})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Store().Update(addUser(0)); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			since int64
			segs  int
		}{{threshold - 1, 1}, {threshold, 2}} {
			j.mu.Lock()
			if j.ckptSize != ckpt || len(j.segs) != 1 {
				t.Fatalf("a checkpoint of %d bytes and %d segments; want %d and 1", j.ckptSize, len(j.segs), ckpt)
			}
			j.sinceCkpt = tc.since
			j.checkpointIfDue(j.store.Load())
			segs := len(j.segs)
			j.mu.Unlock()
			j.ckptDone.Wait()
			if segs != tc.segs {
				t.Errorf("CheckpointBytes %d, a checkpoint of %d bytes, %d bytes of log since: %d segments, want %d", bytes, ckpt, tc.since, segs, tc.segs)
			}
		}
		j.Close()
	}
}

// newSegmentFails fails the creation of log segments once armed.
type newSegmentFails struct {
	osFS
	armed bool
}

func (f *newSegmentFails) OpenFile(name string, flag int, perm os.FileMode) (file, error) {
	if f.armed && flag&os.O_CREATE != 0 && strings.HasPrefix(filepath.Base(name), segPrefix) {
		return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
	}
	return f.osFS.OpenFile(name, flag, perm)
}

// A rotation that cannot start its segment leaves the update that fell
// due committed, and refuses later updates, naming the segment it could
// not start, until the journal is reopened.
func TestRotationFails(t *testing.T) {
	fsys := &newSegmentFails{}
	dir := t.TempDir()
	j, err := create(fsys, dir, testAccount(t), options{checkpointBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	fsys.armed = true
	var last uint64
	for i := 0; ; i++ {
		a, err := j.Store().Update(addUser(i))
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "start segment "+segName(last+1)) {
				t.Errorf("the update after a failed rotation = %v; want ENOSPC naming %s", err, segName(last+1))
			}
			break
		}
		if i == 10 {
			t.Fatal("no rotation after 10 updates past the threshold")
		}
		last = a.Revision()
	}
	if err := j.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Close = %v, want the failed rotation's ENOSPC", err)
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if r := j.Store().Load().Revision(); r != last {
		t.Errorf("reopened at revision %d, want %d", r, last)
	}
}
