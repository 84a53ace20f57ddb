package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

var sinkAccount *account.Account
var sinkBool bool

// toggle is an update that flips bob's Billing, so the state stays small.
func toggle(i int) func(*account.Tx) error {
	p := permission.View
	if i%2 == 0 {
		p = permission.Billing
	}
	return func(tx *account.Tx) error { return tx.SetPermissions("alice", "bob", p) }
}

func benchAccount(b *testing.B) *account.Account {
	a, err := account.New(account.Spec{Name: "acme", Members: []account.Member{{User: "alice", Permissions: permission.Admin}, {User: "bob"}}})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// BenchmarkUpdate: a durable Update, against a bare write and fsync of the
// same bytes to a file in the same directory.
func BenchmarkUpdate(b *testing.B) {
	b.Run("journal", func(b *testing.B) {
		j, err := Create(b.TempDir(), benchAccount(b))
		if err != nil {
			b.Fatal(err)
		}
		defer j.Close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, err := j.Store().Update(toggle(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("write+fsync", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "f"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		rec := appendFrame(nil, func(p []byte) []byte {
			return appendUpdate(p, []account.Event{{Revision: 12345, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view", After: "view,billing"}}, 12344, 0)
		})
		b.ReportMetric(float64(len(rec)), "bytes/record")
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.Write(rec); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkConcurrentUpdaters: updaters=16 shares fsyncs (group commit);
// ns/op is per update, so updaters=1 / updaters=16 is the speed-up. The
// write+fsync runs are what the disk allows without the journal: each
// writer writes one record and fsyncs the file itself, 1 or 16 at a time on
// one file, so write+fsync/writers=1 / write+fsync/writers=16 is the
// speed-up the file system gives concurrent fsyncs by itself.
func BenchmarkConcurrentUpdaters(b *testing.B) {
	rec := appendFrame(nil, func(p []byte) []byte {
		return appendUpdate(p, []account.Event{{Revision: 12345, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view", After: "view,billing"}}, 12344, 0)
	})
	// split runs b.N operations on n goroutines.
	split := func(b *testing.B, n int, op func(i int) error) {
		var wg sync.WaitGroup
		per := b.N / n
		for g := range n {
			k := per
			if g == 0 {
				k += b.N % n
			}
			wg.Go(func() {
				for i := range k {
					if err := op(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("write+fsync/writers=%d", n), func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "f"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.ResetTimer()
			split(b, n, func(int) error {
				if _, err := f.Write(rec); err != nil {
					return err
				}
				return f.Sync()
			})
		})
	}
	for _, n := range []int{1, 16} {
		b.Run(fmt.Sprintf("updaters=%d", n), func(b *testing.B) {
			a := benchAccount(b)
			j, err := Create(b.TempDir(), a)
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			b.ReportAllocs()
			b.ResetTimer()
			split(b, n, func(i int) error {
				_, err := j.Store().Update(toggle(i))
				return err
			})
			b.StopTimer()
			j.mu.Lock()
			b.ReportMetric(float64(b.N)/float64(j.syncs), "updates/fsync")
			j.mu.Unlock()
		})
	}
}

// bigJournal writes, directly, a journal of an account of members members
// whose checkpoint is followed by changes updates, and returns its
// directory, the final account and the log's bytes per change.
func bigJournal(b *testing.B, members, changes int) (string, *account.Account, float64) {
	spec := account.Spec{Name: "big"}
	for i := range members {
		p := permission.View
		if i%100 == 0 {
			p = permission.Admin
		}
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprintf("user-%07d", i), Permissions: p})
	}
	a, err := account.New(spec)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	j, err := create(osFS{}, dir, a, options{checkpointBytes: 1 << 62})
	if err != nil {
		b.Fatal(err)
	}
	j.Close()
	s := account.NewStore(a)
	var log []byte
	var prev uint32
	s.SetObserver(func(es []account.Event) {
		n := len(log)
		log = appendFrame(log, func(p []byte) []byte { return appendUpdate(p, es, es[0].Revision-1, prev) })
		prev = frameSum(log, n)
	})
	perms := []permission.Set{permission.View, permission.Billing | permission.View, permission.Create | permission.View}
	for i := range changes {
		u := fmt.Sprintf("user-%07d", (i*7919)%members)
		if (i*7919)%members%100 == 0 {
			u = fmt.Sprintf("user-%07d", (i*7919)%members+1)
		}
		if _, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("user-0000000", u, perms[i%3]) }); err != nil {
			b.Fatal(err)
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, segName(1)), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		b.Fatal(err)
	}
	f.Write(log)
	f.Close()
	return dir, s.Load(), float64(len(log)) / float64(changes)
}

// BenchmarkOpen: Open of 100k members with 100k changes after the
// checkpoint, against account.New of the final account. Each also reports
// the CPU time the process spent per operation, on all its threads
// (cpu-ns/op: steadier than ns/op on a shared machine), the heap its
// result holds (held-B, for New from a Spec of fresh strings) and
// the most heap in use while it runs (peak-B), above what was in use
// before: Open's peak over New's held is Open's memory against the
// state's own.
func BenchmarkOpen(b *testing.B) {
	const members, changes = 100_000, 100_000
	dir, final, perChange := bigJournal(b, members, changes)
	b.Run("journal", func(b *testing.B) {
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			j, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = j.Store().Load()
			j.Close()
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		if sinkAccount.Revision() != final.Revision() {
			b.Fatalf("revision %d, want %d", sinkAccount.Revision(), final.Revision())
		}
		b.ReportMetric(perChange, "bytes/change")
		held, peak := heapOf(func() func() {
			j, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			return func() { j.Close() }
		})
		b.ReportMetric(float64(held), "held-B")
		b.ReportMetric(float64(peak), "peak-B")
	})
	b.Run("account.New", func(b *testing.B) {
		spec := final.Spec()
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			a, err := account.New(spec)
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = a
		}
		b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
		held, peak := heapOf(func() func() {
			a, err := account.New(freshSpec(final))
			if err != nil {
				b.Fatal(err)
			}
			return func() { runtime.KeepAlive(a) }
		})
		b.ReportMetric(float64(held), "held-B")
		b.ReportMetric(float64(peak), "peak-B")
	})
}

// freshSpec returns a's Spec with strings of its own, as a decoder makes.
func freshSpec(a *account.Account) account.Spec {
	s := a.Spec()
	s.Name = strings.Clone(s.Name)
	for i := range s.Members {
		s.Members[i].User = strings.Clone(s.Members[i].User)
	}
	for i := range s.Teams {
		s.Teams[i].Name = strings.Clone(s.Teams[i].Name)
		for k := range s.Teams[i].Members {
			s.Teams[i].Members[k].User = strings.Clone(s.Teams[i].Members[k].User)
		}
	}
	return s
}

// heapOf returns the bytes of heap that what build makes holds until the
// function build returns is called, and the most heap in use, above what
// was in use before, while build ran (sampled every 100µs).
func heapOf(build func() (release func())) (held, peak uint64) {
	sinkAccount = nil
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var m runtime.MemStats
		var top uint64
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapAlloc)
			select {
			case <-stop:
				done <- top
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	release := build()
	close(stop)
	top := <-done
	runtime.GC()
	runtime.ReadMemStats(&after)
	release()
	return after.HeapAlloc - before.HeapAlloc, top - before.HeapAlloc
}

// BenchmarkLoadCan: a check on a journal-backed Store against one on an
// in-memory Store.
func BenchmarkLoadCan(b *testing.B) {
	a := benchAccount(b)
	j, err := Create(b.TempDir(), a)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Store().Update(toggle(0)); err != nil {
		b.Fatal(err)
	}
	mem := account.NewStore(j.Store().Load())
	for _, c := range []struct {
		name string
		s    *account.Store
	}{{"journal", j.Store()}, {"memory", mem}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = c.s.Load().Can("bob", permission.ViewUsage)
			}
		})
	}
}

func TestLoadCanDoesNotAllocate(t *testing.T) {
	a := testAccount(t)
	j, err := Create(t.TempDir(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if n := testing.AllocsPerRun(100, func() { sinkBool = j.Store().Load().Can("alice", permission.ViewUsage) }); n != 0 {
		t.Errorf("Load().Can allocates %v times", n)
	}
}
