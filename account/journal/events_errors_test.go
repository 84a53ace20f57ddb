package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Events ends, saying why, on a closed journal, on a ctx done while it is
// read, and at a segment gone missing; it stops when its reader does; a
// nil ctx is context.Background.
func TestEventsStops(t *testing.T) {
	j, states, segs := openSegmented(t)
	end := states[len(states)-1].Revision()
	n := 0
	//lint:ignore SA1012 a nil ctx is documented to mean context.Background
	for e, err := range j.Events(nil, 0) {
		if err != nil || e.Revision != uint64(n+1) {
			t.Fatalf("Events(nil, 0): event %d is %+v, %v", n, e, err)
		}
		n++
	}
	if n != int(end) {
		t.Fatalf("Events(nil, 0): %d events, want %d", n, end)
	}

	n = 0
	for range j.Events(context.Background(), 0) {
		if n++; n == 3 {
			break
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got error
	n = 0
	for _, err := range j.Events(ctx, 0) {
		if err != nil {
			got = err
			break
		}
		if n++; n == int(segs[2]) {
			cancel() // in a later segment than the first
		}
	}
	if !errors.Is(got, context.Canceled) || n != int(segs[2]) {
		t.Errorf("Events with ctx cancelled after %d events: %d events, then %v; want context.Canceled", segs[2], n, got)
	}

	gone := filepath.Join(j.dir, segName(segs[2]))
	if err := os.Remove(gone); err != nil {
		t.Fatal(err)
	}
	got, n = nil, 0
	for _, err := range j.Events(context.Background(), 0) {
		if err != nil {
			got = err
			break
		}
		n++
	}
	var ce *CorruptError
	if !errors.As(got, &ce) || ce.File != gone || ce.Revision != segs[2] || n != int(segs[2]-1) {
		t.Errorf("Events over a missing segment: %d events, then %v; want %d, then ErrCorrupt naming %s at revision %d", n, got, segs[2]-1, gone, segs[2])
	}

	j.Close()
	got, n = nil, 0
	for _, err := range j.Events(context.Background(), 0) {
		got = err
		n++
	}
	if !errors.Is(got, ErrClosed) || n != 1 {
		t.Errorf("Events after Close: %d results, the last %v; want ErrClosed alone", n, got)
	}
}

// A journal created at a later revision yields its events from the first
// after its creation, whatever revision before it is asked for.
func TestEventsFromBeforeCreation(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t).WithRevision(10), options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for i := range 8 {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
	}
	for _, after := range []uint64{0, 5, 9, 10, 11, 17, 18} {
		var revs []uint64
		for e, err := range j.Events(context.Background(), after) {
			if err != nil {
				t.Fatalf("Events(%d): %v", after, err)
			}
			revs = append(revs, e.Revision)
		}
		first := max(after, 10) + 1
		if want := 18 - int(first) + 1; len(revs) != want || (want > 0 && (revs[0] != first || revs[len(revs)-1] != 18)) {
			t.Errorf("Events(%d) = revisions %v; want %d to 18", after, revs, first)
		}
	}
}

// Events over a log whose first segments are gone is ErrCorrupt naming
// the first revision asked for that is lost (never one before the
// journal's creation) and the segment the log now starts with.
func TestEventsFirstSegmentsMissing(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t).WithRevision(10), options{checkpointBytes: 100})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := j.Store().Update(addUser(i)); err != nil {
			t.Fatal(err)
		}
		j.ckptDone.Wait()
	}
	segs := slices.Clone(j.segs)
	j.Close()
	if len(segs) < 3 || segs[0] != 11 || segs[1] < 13 {
		t.Fatalf("segments %v; the test needs the first at 11, the second after 12", segs)
	}
	if err := os.Remove(filepath.Join(dir, segName(segs[0]))); err != nil {
		t.Fatal(err)
	}
	if j, err = open(osFS{}, dir, defaultOptions); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, tc := range []struct{ after, rev uint64 }{{0, 11}, {9, 11}, {10, 11}, {11, 12}} {
		var got error
		for _, err := range j.Events(context.Background(), tc.after) {
			got = err
			break
		}
		var ce *CorruptError
		if !errors.As(got, &ce) || ce.Revision != tc.rev || ce.File != filepath.Join(dir, segName(segs[1])) ||
			!strings.Contains(got.Error(), fmt.Sprintf("before revision %d are missing", segs[1])) {
			t.Errorf("Events(%d) = %v; want ErrCorrupt at revision %d naming %s", tc.after, got, tc.rev, segName(segs[1]))
		}
	}
}

// Events over a segment cut short says which revision the segment ends
// before.
func TestEventsSegmentCutShortSays(t *testing.T) {
	j := openCutLast(t)
	defer j.Close()
	var got error
	for _, err := range j.Events(context.Background(), 0) {
		got = err
	}
	if got == nil || !strings.Contains(got.Error(), "the segment ends before revision 4") {
		t.Errorf("Events over a segment cut short = %v; want it to say the segment ends before revision 4", got)
	}
}
