package journal

import (
	"context"
	"errors"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
)

// The state at every revision, from Create's on, is rebuilt from the
// nearest checkpoint kept at or before it and the log, whatever the
// retention policy, before and after reopening.
func TestStateAtEveryRevision(t *testing.T) {
	for _, keep := range []int{0, 1, 2} {
		dir := t.TempDir()
		opt := options{checkpointBytes: 120, keepCheckpoints: keep}
		a := testAccount(t).WithRevision(3)
		j, err := create(osFS{}, dir, a, opt)
		if err != nil {
			t.Fatal(err)
		}
		states := map[uint64]*account.Account{3: a}
		for i := range 25 {
			next, err := j.Store().Update(addUser(i))
			if err != nil {
				t.Fatal(err)
			}
			states[next.Revision()] = next
			if i%3 == 0 {
				j.ckptDone.Wait()
			}
		}
		j.ckptDone.Wait()
		for round := range 2 {
			for rev, want := range states {
				got, err := j.stateAt(context.Background(), rev)
				if err != nil {
					t.Fatalf("keep %d, round %d: state at %d: %v", keep, round, rev, err)
				}
				sameSpec(t, want, got)
			}
			if _, err := j.At(context.Background(), 2); !errors.Is(err, account.ErrNotKept) {
				t.Errorf("At(2), before the journal's creation = %v; want ErrNotKept", err)
			}
			if _, err := j.At(context.Background(), 29); !errors.Is(err, account.ErrNotCommitted) {
				t.Errorf("At(29), past its last revision = %v; want ErrNotCommitted", err)
			}
			j.Close()
			if j, err = open(osFS{}, dir, opt); err != nil {
				t.Fatal(err)
			}
		}
		j.Close()
	}
}

// The state at a revision whose record is gone from the log (a segment
// cut short after Open) is ErrCorrupt, not the revision before it.
func TestStateAtMissingRecord(t *testing.T) {
	j := openCutLast(t)
	defer j.Close()
	if a, err := j.stateAt(context.Background(), 4); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("state at the revision cut off = revision %v, %v; want ErrCorrupt", a.Revision(), err)
	}
	if a, err := j.stateAt(context.Background(), 3); err != nil || a.Revision() != 3 {
		t.Fatalf("state at revision 3: %v", err)
	}
}

// The journal passes the History conformance kit, across checkpoints and
// reopening.
func TestHistoryConformance(t *testing.T) {
	accounttest.TestHistory(t, accounttest.HistoryHarness{
		New: func(t *testing.T, a *account.Account) (*account.Store, account.History) {
			j, err := create(osFS{}, t.TempDir(), a, options{checkpointBytes: 200})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			return j.Store(), j
		},
		Reopen: func(t *testing.T, h account.History) (*account.Store, account.History) {
			j := h.(*Journal)
			j.Close()
			j2, err := Open(j.dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j2.Close() })
			return j2.Store(), j2
		},
	})
}
