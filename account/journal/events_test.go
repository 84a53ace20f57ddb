package journal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/google/go-cmp/cmp"
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

// Events read while updates commit and segments rotate give, each time,
// every durable update from the first, consecutive, whole, without error.
func TestEventsDuringUpdates(t *testing.T) {
	dir := t.TempDir()
	j, err := create(osFS{}, dir, testAccount(t), options{checkpointBytes: 256})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	s := j.Store()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := fmt.Sprintf("u%d-%d", w, i)
				if _, err := s.Update(func(tx *account.Tx) error { return tx.AddMember("alice", user, 0) }); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	base := testAccount(t)
	for s.Load().Revision() < 300 && !t.Failed() {
		floor := s.Load().Revision() // published, so durable before Events starts
		var events []account.Event
		for e, err := range j.Events(context.Background(), 0) {
			if err != nil {
				t.Fatalf("Events: %v", err)
			}
			events = append(events, e)
		}
		got, err := base.Replay(events)
		if err != nil {
			t.Fatalf("Events do not replay: %v", err)
		}
		if got.Revision() < floor {
			t.Fatalf("Events end at revision %d, before the published %d", got.Revision(), floor)
		}
	}
	close(stop)
	wg.Wait()
	j.mu.Lock()
	segs := len(j.segs)
	j.mu.Unlock()
	t.Logf("%d segments", segs)
}

// Events after any revision, across segments, is the rest of Events
// after 0; with the first segments gone, reading from a revision they
// held is ErrCorrupt, and from one after them works.
func TestEventsAfterEveryRevision(t *testing.T) {
	dir, states := buildSmall(t, 20, 150, addUser)
	j, err := open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	read := func(j *Journal, after uint64) ([]account.Event, error) {
		var es []account.Event
		for e, err := range j.Events(context.Background(), after) {
			if err != nil {
				return es, err
			}
			es = append(es, e)
		}
		return es, nil
	}
	all, err := read(j, 0)
	if err != nil || len(all) != 20 {
		t.Fatalf("Events(0): %d events, %v", len(all), err)
	}
	for after := range uint64(22) {
		got, err := read(j, after)
		if err != nil {
			t.Fatalf("Events(%d): %v", after, err)
		}
		want := all[min(after, 20):]
		if len(want) == 0 {
			want = nil
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Events(%d) (-want +got):\n%s", after, diff)
		}
	}
	segs := slices.Clone(j.segs)
	j.Close()
	if len(segs) < 3 {
		t.Fatalf("%d segments", len(segs))
	}
	if err := os.Remove(filepath.Join(dir, segName(segs[0]))); err != nil {
		t.Fatal(err)
	}
	j, err = open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	sameSpec(t, states[20], j.Store().Load())
	for after := range uint64(21) {
		got, err := read(j, after)
		if after+1 < segs[1] {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("Events(%d) without the segment holding %d = %v, want ErrCorrupt", after, after+1, err)
			}
			continue
		}
		if err != nil || len(got) != 20-int(after) {
			t.Errorf("Events(%d) = %d events, %v; want %d", after, len(got), err, 20-after)
		}
	}
}

// A segment cut short after Open (records acknowledged, then lost) is
// ErrCorrupt in Events, naming the first revision missing.
func TestEventsSegmentCutShort(t *testing.T) {
	j := openCutLast(t)
	defer j.Close()
	seg := filepath.Join(j.dir, segName(1))
	var got error
	for _, err := range j.Events(context.Background(), 0) {
		got = err
	}
	var ce *CorruptError
	if !errors.As(got, &ce) || ce.Revision != 4 || ce.File != seg {
		t.Errorf("Events over a segment cut short = %v; want a *CorruptError for revision 4 in %s", got, seg)
	}
}

// openCutLast builds a journal of 4 updates, opens it, and then cuts its
// last record off the segment: records acknowledged, then lost.
func openCutLast(t *testing.T) *Journal {
	t.Helper()
	dir, _, _ := buildN(t, 4)
	j, err := open(osFS{}, dir, defaultOptions)
	if err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, segName(1))
	data, err := os.ReadFile(seg)
	if err != nil {
		j.Close()
		t.Fatal(err)
	}
	last := len(segMagic)
	for off := last; off < len(data); off += headerLen + int(binary.LittleEndian.Uint32(data[off:])) {
		last = off
	}
	if err := os.Truncate(seg, int64(last)); err != nil {
		j.Close()
		t.Fatal(err)
	}
	return j
}
