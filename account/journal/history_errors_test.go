package journal

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
)

// openSegmented builds a journal of 30 updates with a checkpoint every
// 100 bytes of log, keeping every checkpoint, opens it and returns it with
// the state after each revision and its segments' first revisions.
func openSegmented(t *testing.T) (*Journal, []*account.Account, []uint64) {
	t.Helper()
	dir, states := buildSmall(t, 30, 100, addUser)
	j, err := open(osFS{}, dir, options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	j.ckptDone.Wait()
	segs := slices.Clone(j.segs)
	if len(segs) < 4 {
		t.Fatalf("segments %v; the test needs at least 4", segs)
	}
	return j, states, segs
}

// At fails, and says why, on a closed journal, on a ctx done before the
// log is replayed, and for the revisions on either side of what it holds;
// a nil ctx is context.Background.
func TestAtRefuses(t *testing.T) {
	j, states, segs := openSegmented(t)
	//lint:ignore SA1012 a nil ctx is documented to mean context.Background
	if a, err := j.At(nil, segs[2]); err != nil || a.Revision() != segs[2] {
		t.Fatalf("At(nil, %d) = %v, %v", segs[2], a, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The revision after a checkpoint needs the log; the checkpoint's own
	// does not.
	if _, err := j.At(ctx, segs[2]); !errors.Is(err, context.Canceled) {
		t.Errorf("At with a done ctx = %v, want context.Canceled", err)
	}
	last := states[len(states)-1].Revision()
	for _, tc := range []struct {
		rev uint64
		err error
	}{{0, nil}, {last, nil}, {last + 1, account.ErrNotCommitted}} {
		a, err := j.At(context.Background(), tc.rev)
		if !errors.Is(err, tc.err) || (err == nil && a.Revision() != tc.rev) {
			t.Errorf("At(%d) = %v, %v; want %v", tc.rev, a, err, tc.err)
		}
	}
	j.Close()
	if _, err := j.At(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Errorf("At after Close = %v, want ErrClosed", err)
	}
}

// At on a journal whose files went missing while it was open is
// ErrCorrupt naming what is missing, never a state rebuilt from less.
func TestAtMissingFiles(t *testing.T) {
	t.Run("a segment", func(t *testing.T) {
		j, _, segs := openSegmented(t)
		gone := filepath.Join(j.dir, segName(segs[1]))
		if err := os.Remove(gone); err != nil {
			t.Fatal(err)
		}
		// Create's checkpoint is kept, so the state after segs[1] is
		// rebuilt from the log from revision 1, through the missing
		// segment, or from a later checkpoint; remove those.
		for _, c := range ckptFiles(t, j.dir) {
			if c > 0 {
				os.Remove(filepath.Join(j.dir, ckptName(c)))
			}
		}
		var ce *CorruptError
		_, err := j.At(context.Background(), segs[2])
		if !errors.As(err, &ce) || ce.File != gone || ce.Revision != segs[1] {
			t.Fatalf("At(%d) = %v; want ErrCorrupt naming %s, revision %d", segs[2], err, gone, segs[1])
		}
		if a, err := j.At(context.Background(), segs[1]-1); err != nil || a.Revision() != segs[1]-1 {
			t.Errorf("At(%d), before the missing segment = %v, %v", segs[1]-1, a, err)
		}
	})
	t.Run("every checkpoint", func(t *testing.T) {
		j, _, _ := openSegmented(t)
		for _, c := range ckptFiles(t, j.dir) {
			if err := os.Remove(filepath.Join(j.dir, ckptName(c))); err != nil {
				t.Fatal(err)
			}
		}
		_, err := j.At(context.Background(), 5)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "no checkpoint") {
			t.Fatalf("At without checkpoints = %v; want ErrCorrupt saying no checkpoint is left", err)
		}
	})
	t.Run("the log's end", func(t *testing.T) {
		j, _, _ := openSegmented(t)
		next, err := j.Store().Update(addUser(100))
		if err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
		end := next.Revision()
		j.mu.Lock()
		last := j.segs[len(j.segs)-1]
		j.mu.Unlock()
		if last > end {
			t.Fatalf("the last segment starts at %d, after the last revision %d", last, end)
		}
		for _, c := range ckptFiles(t, j.dir) {
			if c >= last-1 {
				os.Remove(filepath.Join(j.dir, ckptName(c)))
			}
		}
		if err := os.Truncate(filepath.Join(j.dir, segName(last)), int64(len(segMagic))); err != nil {
			t.Fatal(err)
		}
		_, err = j.At(context.Background(), end)
		var ce *CorruptError
		if !errors.As(err, &ce) || ce.Revision != last || !strings.Contains(err.Error(), "the log ends before") {
			t.Fatalf("At(%d) with the last segment emptied = %v; want ErrCorrupt saying the log ends before revision %d", end, err, last)
		}
	})
}

// At reads the log from its checkpoint on, and Events from the segment
// holding the first revision asked for: damage in an earlier segment does
// not reach either.
func TestReadsStartAtTheirSegment(t *testing.T) {
	j, states, segs := openSegmented(t)
	early := filepath.Join(j.dir, segName(segs[1]))
	data, err := os.ReadFile(early)
	if err != nil {
		t.Fatal(err)
	}
	data[len(segMagic)+headerLen+1] ^= 0xff // the first record's payload
	if err := os.WriteFile(early, data, filePerm); err != nil {
		t.Fatal(err)
	}
	if _, err := j.At(context.Background(), segs[1]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("At(%d), in the damaged segment = %v; want ErrCorrupt", segs[1], err)
	}
	for _, rev := range []uint64{segs[2] - 1, segs[2], segs[2] + 1} {
		a, err := j.At(context.Background(), rev)
		if err != nil {
			t.Fatalf("At(%d), after the damaged segment = %v", rev, err)
		}
		sameSpec(t, states[rev], a)
	}
	n := 0
	for e, err := range j.Events(context.Background(), segs[2]-1) {
		if err != nil {
			t.Fatalf("Events(%d), after the damaged segment: %v", segs[2]-1, err)
		}
		if n++; e.Revision < segs[2] {
			t.Fatalf("Events(%d) yields revision %d", segs[2]-1, e.Revision)
		}
	}
	if want := len(states) - int(segs[2]); n != want {
		t.Errorf("Events(%d) = %d events, want %d", segs[2]-1, n, want)
	}
}
