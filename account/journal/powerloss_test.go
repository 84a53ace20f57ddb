package journal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

var (
	powerLossCases = flag.Int("journal.powerloss", 3000, "cases of TestPowerLoss (each runs a journal on a model file system and loses the power at random syncs)")
	powerLossSeed  = flag.Uint64("journal.powerseed", 1, "the seed of TestPowerLoss's first case; case i uses seed+i")
)

// TestPowerLoss runs journals on memFS, which models what a power loss
// leaves (unsynced pages as written, zeros or old bytes; unsynced
// directory entries kept or dropped), loses the power at a random sync
// (in an update, a rotation, a checkpoint, Create or Open), and checks
// that Open then recovers every acknowledged update and no other state
// than one the updates led to: the state of a revision at least the last
// acknowledged one and at most the last attempted, exactly as that update
// left it, with its whole history. Some rounds kill the process instead
// at a sync (what was written stays, unsynced) and the power goes in a
// later round.
func TestPowerLoss(t *testing.T) {
	n := *powerLossCases
	if testing.Short() {
		n /= 10
	}
	for i := range n {
		seed := *powerLossSeed + uint64(i)
		if !powerLossCase(t, seed) {
			t.Logf("reproduce with -run '^TestPowerLoss$' -journal.powerloss 1 -journal.powerseed %d", seed)
			return
		}
	}
}

// plOp returns a random update that is valid on a.
func plOp(rng *rand.Rand, a *account.Account, k int) func(*account.Tx) error {
	var others []string
	for u := range a.Members() {
		if u != "alice" {
			others = append(others, u)
		}
	}
	// Names of 1 to 200 bytes, so that records span pages of every size.
	user := fmt.Sprintf("u%d-%s", k, strings.Repeat("x", rng.IntN(200)))
	switch c := rng.IntN(6); {
	case c < 3 || len(others) == 0:
		return func(tx *account.Tx) error { return tx.AddMember("alice", user, permission.Billing) }
	case c == 3:
		u := others[rng.IntN(len(others))]
		p := []permission.Set{permission.View, permission.Billing, permission.Create}[rng.IntN(3)]
		return func(tx *account.Tx) error { return tx.SetPermissions("alice", u, p) }
	case c == 4:
		u := others[rng.IntN(len(others))]
		return func(tx *account.Tx) error { return tx.RemoveMember("alice", u) }
	default: // several steps in one update
		n := 1 + rng.IntN(8)
		return func(tx *account.Tx) error {
			for i := range n {
				if err := tx.AddMember("alice", fmt.Sprintf("%s-%d", user, i), permission.View); err != nil {
					return err
				}
			}
			return nil
		}
	}
}

// powerLossCase runs one case and reports whether it passed.
func powerLossCase(t *testing.T, seed uint64) bool {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const dir = "/data/accounts/acme"
	// The file system draws from its own source: a loss may come in a
	// background checkpoint while the test draws updates.
	fsys := newMemFS(rand.New(rand.NewPCG(seed, 7)), []int{16, 64, 512, 4096}[rng.IntN(4)], "/data")
	opt := options{checkpointBytes: int64(100 + rng.IntN(2000)), keepCheckpoints: rng.IntN(3)}
	initial, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		t.Fatal(err)
	}
	initial = initial.WithRevision(uint64(rng.IntN(3)))
	waitCkpt := rng.IntN(4) != 0 // checkpoints finish before the next update: the case replays from its seed
	fail := func(format string, args ...any) bool {
		t.Errorf("seed %d (page %d, %+v): %s", seed, fsys.page, opt, fmt.Sprintf(format, args...))
		return false
	}

	var (
		durable bool                            // Create returned, Open succeeded, or a journal was found after a power loss
		seen    bool                            // the last check found a journal
		acked   uint64                          // the last revision acknowledged, or made durable by Open
		states  = map[uint64]*account.Account{} // what each revision may hold: acknowledged, or in flight
		model   *account.Account                // the state the next update builds on
		k       int                             // updates attempted
	)
	for round := range 1 + rng.IntN(4) {
		kill := rng.IntN(4) == 0
		fsys.lossAt, fsys.kill = fsys.syncs+1+rng.IntN(30), kill
		var j *Journal
		if !seen {
			if j, err = create(fsys, dir, initial, opt); err == nil {
				durable, model, acked = true, initial, initial.Revision()
				states[acked] = initial
			}
		} else if j, err = open(fsys, dir, opt); err == nil {
			// Open made what it found durable before it showed it.
			durable, acked = true, j.Store().Load().Revision()
		}
		if err != nil && !errors.Is(err, errDead) {
			return fail("round %d: %v", round, err)
		}
		for j != nil && !fsys.off() {
			fn := plOp(rng, model, k)
			k++
			got, err := j.Store().Update(fn)
			if err != nil {
				// In flight when the power went: it may be there or not.
				if a, err := account.NewStore(model).Update(fn); err == nil {
					states[a.Revision()] = a
				}
				break
			}
			acked, model = got.Revision(), got
			states[got.Revision()] = got
			if waitCkpt {
				j.ckptDone.Wait()
			}
		}
		next := fsys.lose() // or what the kill left
		if j != nil {
			j.Close()
		}
		fsys = next

		// Open a copy, and leave fsys as the crash left it for the next
		// round, whose Open may be cut short too.
		check, err := open(fsys.clone(), dir, opt)
		if errors.Is(err, fs.ErrNotExist) && !durable {
			seen = false
			continue
		}
		if err != nil {
			return fail("round %d (kill %v): Open: %v", round, kill, err)
		}
		if !seen && !durable {
			model, states[initial.Revision()] = initial, initial // a Create cut short, but whole
		}
		seen = true
		got := check.Store().Load()
		want, ok := states[got.Revision()]
		if got.Revision() < acked || !ok {
			check.Close()
			return fail("round %d (kill %v): recovered revision %d; acknowledged %d", round, kill, got.Revision(), acked)
		}
		if diff := cmp.Diff(want.Spec(), got.Spec()); diff != "" {
			check.Close()
			return fail("round %d: revision %d (-want +got):\n%s", round, got.Revision(), diff)
		}
		var events []account.Event
		for e, err := range check.Events(context.Background(), 0) {
			if err != nil {
				check.Close()
				return fail("round %d: Events: %v", round, err)
			}
			events = append(events, e)
		}
		check.Close()
		replayed, err := initial.Replay(events)
		if err != nil || replayed.Revision() != got.Revision() || !cmp.Equal(replayed.Spec(), got.Spec()) {
			return fail("round %d: the history from Create does not lead to the recovered state: %v", round, err)
		}
		// What is lost is gone for good; what Open found stays only once an
		// Open on the real state syncs it, which the next round does (or
		// is cut short doing).
		for rev := range states {
			if rev > got.Revision() {
				delete(states, rev)
			}
		}
		model = got
		if !kill {
			// The power went: what is there is on the disk.
			durable, acked = true, got.Revision()
		}
	}
	return true
}

// off reports whether the power went.
func (f *memFS) off() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.dead
}
