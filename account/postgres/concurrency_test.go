package postgres_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"
)

// converge is how long replicas may take to agree once the last writer
// stopped, whatever fault came before: a listener reconnects within 2 s of
// the server's return (its back-off is capped there) and a replica polls
// every second.
const converge = 5 * time.Second

// A history is every event a replica's Store has published since the
// revision it was at when watch began, in order.
type history struct {
	from   uint64
	mu     sync.Mutex
	events []account.Event
}

// histories holds the history of each replica that watch was called on.
var histories sync.Map // *postgres.Replica → *history

// watch records every event r publishes from now on. Nothing may commit
// while it starts.
func watch(r *postgres.Replica) *postgres.Replica {
	h := &history{from: r.Store().Load().Revision()}
	histories.Store(r, h)
	r.Store().SetObserver(func(es []account.Event) {
		h.mu.Lock()
		h.events = append(h.events, es...)
		h.mu.Unlock()
	})
	return r
}

// historyOf returns the revision r was at when watch began and the events
// it has published since.
func historyOf(t *testing.T, r *postgres.Replica) (from uint64, events []account.Event) {
	t.Helper()
	v, ok := histories.Load(r)
	if !ok {
		t.Fatal("no history recorded: watch was not called on the replica")
	}
	h := v.(*history)
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.from, slices.Clone(h.events)
}

// exactTime compares times as values, location and all, rather than as
// instants, so that a history equal under it holds the same Event values.
var exactTime = cmp.Comparer(func(a, b time.Time) bool { return a == b })

// An op is one operation of a run, for the history check: a write (an
// update adding a new member) or a read (WaitFor on another replica with
// the revision a write returned, then Load).
type op struct {
	client    int
	write     bool
	user      string // write: the member added
	token     uint64 // read: the revision waited for
	rev       uint64 // the revision returned (write) or read
	snap      *account.Account
	err       error
	call, ret int64
	ambiguous bool // a write that returned an error: it may have committed
}

// run has writers on every replica add members for d, each write followed
// by a read-your-writes on the next replica, while fault runs alongside.
// It returns every operation.
func run(t *testing.T, replicas []*postgres.Replica, writersPer int, d time.Duration, fault func(ctx context.Context)) []op {
	t.Helper()
	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu  sync.Mutex
		ops []op
		wg  sync.WaitGroup
	)
	record := func(o op) {
		mu.Lock()
		ops = append(ops, o)
		mu.Unlock()
	}
	for i, r := range replicas {
		for w := range writersPer {
			client := i*writersPer + w
			next := replicas[(i+1)%len(replicas)]
			wg.Go(func() {
				for n := 0; ctx.Err() == nil; n++ {
					user := fmt.Sprintf("w%d-%d", client, n)
					o := op{client: client, write: true, user: user, call: now()}
					a, err := addMember(r.Store(), user)
					o.ret = now()
					if err != nil {
						o.err, o.ambiguous = err, true
						record(o)
						time.Sleep(10 * time.Millisecond) // the server may be away
						continue
					}
					o.rev = a.Revision()
					record(o)
					rd := op{client: client, token: o.rev, call: now()}
					wctx, wcancel := context.WithTimeout(context.Background(), converge)
					snap, err := next.Store().WaitFor(wctx, o.rev)
					wcancel()
					rd.ret = now()
					if err != nil {
						t.Errorf("client %d: read-your-writes of revision %d on the next replica: %v", client, o.rev, err)
						return
					}
					rd.rev, rd.snap = snap.Revision(), snap
					record(rd)
				}
			})
		}
	}
	if fault != nil {
		wg.Go(func() { fault(ctx) })
	}
	wg.Wait()
	return ops
}

// check verifies a run against the database, the truth: revisions
// 1..n with no gap, every successful write stored once at the revision it
// returned, nothing stored that no one wrote, a failed write stored only
// if its error left the outcome open, every read showing exactly the
// state at its revision; the history linearizable; and every replica,
// and one opened now, identical within converge.
func check(t *testing.T, pool *pgxpool.Pool, replicas []*postgres.Replica, ops []op) {
	t.Helper()
	revs, users := rows(t, pool)
	for i, rev := range revs {
		if rev != int64(i+1) {
			t.Fatalf("revisions not consecutive: row %d has revision %d", i, rev)
		}
	}
	at := make(map[string]uint64, len(users)) // user → revision
	for i, u := range users {
		if _, dup := at[u]; dup {
			t.Errorf("%q stored twice", u)
		}
		at[u] = uint64(i + 1)
	}
	var writes, failed, reads int
	attempted := make(map[string]bool)
	for i := range ops {
		o := &ops[i]
		if !o.write {
			reads++
			continue
		}
		attempted[o.user] = true
		rev, stored := at[o.user]
		switch {
		case o.err == nil:
			writes++
			if !stored || rev != o.rev {
				t.Errorf("%q returned revision %d, stored at %d (stored: %v)", o.user, o.rev, rev, stored)
			}
		case stored: // committed although Update failed: it took effect after the call
			failed++
			o.rev, o.ret = rev, math.MaxInt64
		default:
			failed++
		}
	}
	for u := range at {
		if !attempted[u] {
			t.Errorf("%q stored but never written", u)
		}
	}
	// Each read shows exactly the members that revisions 1..rev added.
	byRev := make([]string, len(users)+1)
	for u, r := range at {
		byRev[r] = u
	}
	for _, o := range ops {
		if o.write || o.snap == nil {
			continue
		}
		want := map[string]bool{"root": true}
		for r := uint64(1); r <= o.rev && r < uint64(len(byRev)); r++ {
			want[byRev[r]] = true
		}
		got := map[string]bool{}
		for _, m := range o.snap.Spec().Members {
			got[m.User] = true
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("read at revision %d (token %d) (-want +got):\n%s", o.rev, o.token, diff)
			break
		}
	}
	t.Logf("%d writes committed, %d failed (of which %d committed nonetheless), %d reads, final revision %d",
		writes, failed, countAmbiguousStored(ops, at), reads, len(revs))
	if writes == 0 {
		t.Fatal("no write committed")
	}
	linearizable(t, ops, at)

	// All replicas converge on the database's state.
	final := uint64(len(revs))
	var want account.Spec
	for i, r := range replicas {
		got := waitFor(t, r.Store(), final, converge)
		if got.Revision() != final {
			t.Errorf("replica %d at revision %d, the database at %d", i, got.Revision(), final)
		}
		if i == 0 {
			want = got.Spec()
			continue
		}
		if diff := cmp.Diff(want, got.Spec()); diff != "" {
			t.Errorf("replica %d differs from replica 0 (-0 +%d):\n%s", i, i, diff)
		}
	}
	// Every replica holds the same history as the table: the same events,
	// commit times to the nanosecond included, whichever replica committed.
	stored, err := postgres.History(context.Background(), pool, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(stored)) < final || stored[len(stored)-1].Revision != final {
		t.Fatalf("the table's history has %d events, not ending at revision %d", len(stored), final)
	}
	for i, r := range replicas {
		from, got := historyOf(t, r)
		want := slices.DeleteFunc(slices.Clone(stored), func(e account.Event) bool { return e.Revision <= from })
		if diff := cmp.Diff(want, got, exactTime); diff != "" {
			t.Errorf("replica %d's history differs from the table's (-table +replica %d):\n%s", i, i, diff)
		}
	}

	late, err := postgres.Open(context.Background(), pool, "acme")
	if err != nil {
		t.Fatal(err)
	}
	defer closeReplica(t, late)
	if diff := cmp.Diff(want, late.Store().Load().Spec()); diff != "" {
		t.Errorf("a replica opened now differs (-replicas +new):\n%s", diff)
	}
}

func countAmbiguousStored(ops []op, at map[string]uint64) int {
	n := 0
	for _, o := range ops {
		if o.write && o.err != nil {
			if _, ok := at[o.user]; ok {
				n++
			}
		}
	}
	return n
}

// linearizable checks the history with porcupine against a register of
// the account's revision: a write moves it from r to r+1 and returns r+1;
// a read after WaitFor(token) returns a revision at least token and no
// later than the latest commit.
func linearizable(t *testing.T, ops []op, at map[string]uint64) {
	t.Helper()
	var hist []porcupine.Operation
	for _, o := range ops {
		if o.write && o.err != nil {
			if _, ok := at[o.user]; !ok {
				continue // never happened
			}
		}
		hist = append(hist, porcupine.Operation{ClientId: o.client, Input: o, Output: o.rev, Call: o.call, Return: o.ret})
	}
	// Ambiguous writes have no client of their own to finish: give each its own.
	for i := range hist {
		if hist[i].Return == math.MaxInt64 {
			hist[i].ClientId = 1_000_000 + i
		}
	}
	sort.Slice(hist, func(i, j int) bool { return hist[i].Call < hist[j].Call })
	model := porcupine.Model{
		Init: func() any { return uint64(0) },
		Step: func(state, input, output any) (bool, any) {
			s, in, out := state.(uint64), input.(op), output.(uint64)
			if in.write {
				return out == s+1, out
			}
			return out >= in.token && out <= s, s
		},
		DescribeOperation: func(input, output any) string {
			in := input.(op)
			if in.write {
				return fmt.Sprintf("write %s -> %d", in.user, output)
			}
			return fmt.Sprintf("read after %d -> %d", in.token, output)
		},
	}
	res := porcupine.CheckOperationsTimeout(model, hist, 60*time.Second)
	switch res {
	case porcupine.Ok:
	case porcupine.Unknown:
		t.Errorf("linearizability check timed out on %d operations", len(hist))
	default:
		t.Errorf("history of %d operations is not linearizable", len(hist))
	}
}

// replicas opens n replicas of a new account, each on a pool of its own.
func replicas(t *testing.T, n int, o postgres.Options) (*pgxpool.Pool, []*postgres.Replica) {
	t.Helper()
	pool := database(t)
	rs := []*postgres.Replica{watch(create(t, pool, o))}
	for range n - 1 {
		rs = append(rs, watch(open(t, poolOn(t, pool), o)))
	}
	return pool, rs
}

func TestConcurrentWriters(t *testing.T) {
	for _, n := range []int{2, 3} {
		t.Run(fmt.Sprintf("replicas=%d", n), func(t *testing.T) {
			pool, rs := replicas(t, n, postgres.Options{Checkpoint: 50})
			ops := run(t, rs, 4, 2*time.Second, nil)
			check(t, pool, rs, ops)
			for _, o := range ops {
				if o.err != nil {
					t.Errorf("write of %q failed with no fault: %v", o.user, o.err)
				}
			}
		})
	}
}

// terminate ends every other backend connection to the database.
func terminate(ctx context.Context, t *testing.T, pool *pgxpool.Pool) int {
	var n int
	err := pool.QueryRow(ctx, `
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	if err != nil && ctx.Err() == nil {
		t.Errorf("terminating backends: %v", err)
	}
	return n
}

func TestFaultEveryConnectionTerminated(t *testing.T) {
	pool, rs := replicas(t, 3, postgres.Options{Checkpoint: 50})
	killer := poolOn(t, pool)
	var killed atomic.Int64
	ops := run(t, rs, 3, 3*time.Second, func(ctx context.Context) {
		for ctx.Err() == nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(400 * time.Millisecond):
			}
			killed.Add(int64(terminate(ctx, t, killer)))
		}
	})
	t.Logf("%d backend connections terminated", killed.Load())
	if killed.Load() == 0 {
		t.Fatal("no connection terminated: the fault did not happen")
	}
	check(t, pool, rs, ops)
}

func TestFaultServerRestart(t *testing.T) {
	pool, rs := replicas(t, 2, postgres.Options{Checkpoint: 50})
	if !server.CanRestart() {
		t.Skip("the server comes from " + "ENTACCESS_POSTGRES_DSN" + ": cannot restart it")
	}
	restarted := false
	ops := run(t, rs, 3, 4*time.Second, func(ctx context.Context) {
		time.Sleep(time.Second)
		if err := server.Restart(context.Background()); err != nil {
			t.Errorf("restart: %v", err)
			return
		}
		restarted = true
	})
	if !restarted {
		t.Fatal("the server was not restarted")
	}
	failed := 0
	for _, o := range ops {
		if o.err != nil {
			failed++
		}
	}
	if failed == 0 {
		t.Error("no write failed across a server restart: the fault did not happen")
	}
	check(t, pool, rs, ops)
}

func TestFaultListenerBlocked(t *testing.T) {
	pool := database(t)
	a := watch(create(t, pool, postgres.Options{Poll: 200 * time.Millisecond}))
	// b's listener blocks on its first notification until b closes: only polling brings changes.
	blocked := make(chan struct{}, 1)
	b := open(t, poolOn(t, pool), postgres.Options{Poll: 200 * time.Millisecond, Notified: func(ctx context.Context) {
		select {
		case blocked <- struct{}{}:
		default:
		}
		<-ctx.Done()
	}})
	watch(b)
	ops := run(t, []*postgres.Replica{a, b}, 2, 2*time.Second, nil)
	select {
	case <-blocked:
	default:
		t.Fatal("b's listener never got a notification: the fault did not happen")
	}
	check(t, pool, []*postgres.Replica{a, b}, ops)
}
