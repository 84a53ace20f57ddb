package journal_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

// buildJournal makes a closed journal in a new directory with n updates,
// checkpointing every ckpt bytes, and returns it and the snapshot of each
// revision (index = revision).
func buildJournal(t *testing.T, n int, ckpt int64) (string, []*account.Account) {
	t.Helper()
	dir := t.TempDir()
	a := newAccount(t)
	j, err := journal.CreateSmall(dir, a, ckpt)
	if err != nil {
		t.Fatal(err)
	}
	snaps := []*account.Account{a}
	for i := range n {
		u := "user-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		next, err := j.Store().Update(func(tx *account.Tx) error {
			if err := tx.AddMember("alice", u, permission.Billing); err != nil {
				return err
			}
			return tx.SetTeamRole("alice", "web", u, account.RoleViewer)
		})
		if err != nil {
			t.Fatal(err)
		}
		// A segment ends only while no checkpoint is being written: wait,
		// so that the journal's files do not depend on the disk's speed.
		journal.WaitCheckpoint(j)
		snaps = append(snaps, next)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, snaps
}

func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	es, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

func files(t *testing.T, dir, prefix string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, prefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

// openState opens dir and returns its state and events, or Open's error.
func openState(t *testing.T, dir string) (*account.Account, []account.Event, error) {
	t.Helper()
	j, err := journal.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	defer j.Close()
	var es []account.Event
	for e, err := range j.Events(context.Background(), 0) {
		if err != nil {
			return j.Store().Load(), nil, err
		}
		es = append(es, e)
	}
	return j.Store().Load(), es, nil
}

func sameState(t *testing.T, want, got *account.Account) {
	t.Helper()
	if got.Revision() != want.Revision() {
		t.Fatalf("revision %d, want %d", got.Revision(), want.Revision())
	}
	if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
		t.Fatalf("state (-want +got):\n%s", diff)
	}
}

// Cutting the log anywhere inside its last record drops that record and
// nothing else; the journal then takes updates again.
func TestTornTailAtEveryOffset(t *testing.T) {
	dir, snaps := buildJournal(t, 5, 1<<20)
	segs := files(t, dir, "wal-")
	last := segs[len(segs)-1]
	data, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	// Find the last record by its frame lengths.
	start := 16
	for off := start; off < len(data); off += 12 + int(binary.LittleEndian.Uint32(data[off:])) {
		start = off
	}
	for cut := start; cut < len(data); cut++ {
		d := copyDir(t, dir)
		if err := os.Truncate(filepath.Join(d, filepath.Base(last)), int64(cut)); err != nil {
			t.Fatal(err)
		}
		got, _, err := openState(t, d)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		sameState(t, snaps[4], got)
		j := mustOpen(t, d)
		if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", "late", 0) }); err != nil {
			t.Fatalf("cut at %d: update after recovery: %v", cut, err)
		}
		j.Close()
		got, es, err := openState(t, d)
		if err != nil || got.Revision() != 5 || len(es) != 9 {
			t.Fatalf("cut at %d: after one more update: revision %d, %d events, %v", cut, got.Revision(), len(es), err)
		}
	}
}

// A flipped bit anywhere gives ErrCorrupt or the exact committed state,
// never another state; Events gives every committed event or ErrCorrupt.
func TestFlippedBits(t *testing.T) {
	dir, snaps := buildJournal(t, 40, 600)
	want := snaps[len(snaps)-1]
	_, wantEvents, err := openState(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := os.ReadDir(dir)
	checked := 0
	for _, e := range names {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, off := range offsets(len(data)) {
			for _, bit := range []byte{0x01, 0x80} {
				d := copyDir(t, dir)
				b := slices.Clone(data)
				b[off] ^= bit
				os.WriteFile(filepath.Join(d, e.Name()), b, 0o644)
				got, es, err := openState(t, d)
				checked++
				if err != nil {
					if !errors.Is(err, journal.ErrCorrupt) {
						t.Fatalf("%s offset %d: %v, want ErrCorrupt", e.Name(), off, err)
					}
					if !strings.Contains(err.Error(), e.Name()) {
						t.Errorf("%s offset %d: error does not name the file: %v", e.Name(), off, err)
					}
					continue
				}
				sameState(t, want, got)
				if diff := cmp.Diff(wantEvents, es); diff != "" {
					t.Fatalf("%s offset %d: events (-want +got):\n%s", e.Name(), off, diff)
				}
			}
		}
	}
	t.Logf("%d damaged journals checked", checked)
}

// offsets returns some offsets in a file of n bytes: the first bytes, a
// spread through the middle, and the last bytes.
func offsets(n int) []int {
	var o []int
	for _, k := range []int{0, 1, 15, 16, 17, 20, 25, 28, 29, 30, n / 3, n / 2, 2 * n / 3, n - 20, n - 2, n - 1} {
		if k >= 0 && k < n && !slices.Contains(o, k) {
			o = append(o, k)
		}
	}
	return o
}

// Checkpoints bound what Open reads; the history stays whole.
func TestCheckpointsKeepHistory(t *testing.T) {
	dir, snaps := buildJournal(t, 60, 500)
	if n := len(files(t, dir, "wal-")); n < 5 {
		t.Fatalf("%d segments, want several", n)
	}
	// By default every checkpoint is kept, the first one (Create's) too.
	if ckpts, segs := files(t, dir, "checkpoint-"), files(t, dir, "wal-"); len(ckpts) != len(segs) || filepath.Base(ckpts[0]) != "checkpoint-00000000000000000000.ckpt" {
		t.Errorf("checkpoints %q for %d segments, want one per segment, Create's first", ckpts, len(segs))
	}
	// Removing every segment but the last leaves Open working: it reads
	// only the checkpoint and what follows.
	d := copyDir(t, dir)
	segs := files(t, d, "wal-")
	for _, s := range segs[:len(segs)-2] {
		os.Remove(s)
	}
	got, _, err := openState(t, d)
	if got == nil {
		t.Fatalf("Open without old segments: %v", err)
	}
	sameState(t, snaps[60], got)
	if !errors.Is(err, journal.ErrCorrupt) {
		t.Errorf("Events without old segments: %v, want ErrCorrupt", err)
	}
	got, es, err := openState(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, snaps[60], got)
	if len(es) != 120 {
		t.Errorf("%d events, want 120", len(es))
	}
}

// A crash while a new segment is being created leaves it empty or with
// part of its header: Open repairs it, and the journal goes on.
func TestNewSegmentCutShort(t *testing.T) {
	for _, size := range []int{0, 1, 15} {
		dir, snaps := buildJournal(t, 3, 1<<20)
		name := filepath.Join(dir, "wal-00000000000000000004.log")
		if err := os.WriteFile(name, []byte("entaccess wal 1\n")[:size], 0o644); err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			got, es, err := openState(t, dir)
			if err != nil {
				t.Fatalf("header cut at %d, round %d: %v", size, round, err)
			}
			if round == 0 {
				sameState(t, snaps[3], got)
			}
			if len(es) != 6+round { // three updates of two steps, then one step a round
				t.Fatalf("header cut at %d: %d events at revision %d", size, len(es), got.Revision())
			}
			j := mustOpen(t, dir)
			if _, err := j.Store().Update(func(tx *account.Tx) error { return tx.AddMember("alice", fmt.Sprint("late", round), 0) }); err != nil {
				t.Fatal(err)
			}
			j.Close()
		}
	}
}
