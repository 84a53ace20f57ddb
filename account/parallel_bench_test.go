package account_test

import (
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// BenchmarkParallel measures Store.Load().Can from b.RunParallel's
// goroutines next to the baseline map, read the same way, in the same loop:
// each goroutine alternates blocks of 256 checks of either (map first in
// one pair of blocks, Load-Can first in the next), timing each.
// It reports map-ns/check and Load-Can-ns/check (the time one goroutine
// takes per check, median over its blocks) and Load-Can/map (the median
// ratio of a Load-Can block to the map block of its pair). ns/op is the
// run's time per check of either kind, all goroutines together: compare it
// between -cpu 1 and -cpu 2 to see how both scale.
func BenchmarkParallel(b *testing.B) {
	const (
		n     = 100_000
		block = 256
	)
	spec := benchSpec(n)
	qs := benchQueries(spec)
	base := baseline(spec)
	s := account.NewStore(mustNew(b, spec))
	b.Run("members=100000", func(b *testing.B) {
		var (
			mu             sync.Mutex
			mapNs, canNs   []float64
			ratios         []float64
			seed           atomic.Uint64
			blocksPerCheck = 1.0 / block
		)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			var myMap, myCan, myRatio []float64
			pairs := 0
			i := int(seed.Add(7919))
			ok := false
			for more := true; more; {
				// A block of map checks and a block of Load-Can checks on
				// other queries, so that neither finds the other's users in
				// cache, in an order that alternates.
				var took [2]time.Duration
				done := 0
				for x := range 2 {
					kind := (x + pairs) & 1
					t0 := time.Now()
					k := 0
					for ; k < block && more; k++ {
						q := qs[(i+kind*len(qs)/2)&(len(qs)-1)]
						if kind == 0 {
							ok = ok != (base[q.user]&(1<<q.act) != 0)
						} else {
							ok = ok != s.Load().Can(q.user, q.act)
						}
						i++
						more = pb.Next()
					}
					took[kind] = time.Since(t0)
					done += k
				}
				pairs++
				if done == 2*block {
					m, c := float64(took[0]), float64(took[1])
					myMap = append(myMap, m*blocksPerCheck)
					myCan = append(myCan, c*blocksPerCheck)
					myRatio = append(myRatio, c/m)
				}
			}
			sinkBool = ok
			mu.Lock()
			defer mu.Unlock()
			mapNs = append(mapNs, myMap...)
			canNs = append(canNs, myCan...)
			ratios = append(ratios, myRatio...)
		})
		if len(ratios) == 0 {
			return // a run too short for a pair of blocks, as b.N ramps up
		}
		b.ReportMetric(median(mapNs), "map-ns/check")
		b.ReportMetric(median(canNs), "Load-Can-ns/check")
		b.ReportMetric(median(ratios), "Load-Can/map")
	})
}

// BenchmarkWriter measures how much a writer committing one change every
// millisecond slows Store.Load().Can readers running under b.RunParallel.
//
// The writer alternates phases of 20 updates, one due every millisecond,
// with 20 ms without. The readers time each block of 256 checks and file it
// under the phase it ran in (a block that spans a change of phase is left
// out), so that both figures come from the same run and the same load. They
// report idle-ns/check and writer-ns/check (the time one reader takes per
// check, mean over the phase's blocks), slowdown = writer-ns/check ÷
// idle-ns/check, median-slowdown, the same ratio for the median block,
// which leaves out the blocks that lost their core to another process
// (and also those that lost it to the writer), and the updates per
// second the writer achieved while on: 1,000 when it keeps up, fewer when
// an update, a compaction among them, or waiting for a core, takes it past
// the end of the phase.
//
// The readers call runtime.Gosched after each block, in both phases. A
// reader that never yields keeps its core until the scheduler preempts it,
// every 10 ms, and with all cores busy the writer would then manage about
// 100 updates a second, not 1,000; a request handler, which blocks on I/O,
// yields far more often than every 256 checks.
func BenchmarkWriter(b *testing.B) {
	const n = 100_000
	spec := benchSpec(n)
	qs := benchQueries(spec)
	b.Run("members=100000", func(b *testing.B) {
		const (
			block = 256
			phase = 20 * time.Millisecond
		)
		s := account.NewStore(mustNew(b, spec))
		runtime.GC()
		var epoch atomic.Uint64 // odd while the writer is on
		stop := make(chan struct{})
		type result struct {
			updates int
			on      time.Duration
		}
		done := make(chan result)
		go func() {
			r := rand.New(rand.NewPCG(5, 6))
			var res result
			for {
				select {
				case <-stop:
					done <- res
					return
				case <-time.After(phase):
				}
				epoch.Add(1)
				start := time.Now()
				// Update k is due k ms after the start of the phase; a
				// writer that fell behind catches up, so that the phase
				// carries one update per millisecond if the writer gets
				// the CPU for it at all.
				for k := 0; k < int(phase/time.Millisecond); k++ {
					if wait := time.Until(start.Add(time.Duration(k) * time.Millisecond)); wait > 0 {
						select {
						case <-stop:
							res.on += time.Since(start)
							done <- res
							return
						case <-time.After(wait):
						}
					}
					u := spec.Members[1+r.IntN(n-1)].User
					p := permission.Set(r.IntN(16)) &^ permission.Manage
					if _, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("user000000", u, p) }); err != nil {
						panic(err)
					}
					res.updates++
				}
				res.on += time.Since(start)
				epoch.Add(1)
			}
		}()
		var (
			mu      sync.Mutex
			samples [2][]float64 // ns per check of each block, by phase
			spent   [2]time.Duration
			checks  [2]int
			seed    atomic.Uint64
		)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var mine [2][]float64
			var mySpent [2]time.Duration
			var myChecks [2]int
			i := int(seed.Add(7919))
			ok := false
			for more := true; more; {
				e := epoch.Load()
				t0 := time.Now()
				k := 0
				for ; k < block; k++ {
					if !pb.Next() {
						more = false
						break
					}
					q := qs[i&(len(qs)-1)]
					ok = ok != s.Load().Can(q.user, q.act)
					i++
				}
				d := time.Since(t0)
				if k == block && epoch.Load() == e {
					mine[e&1] = append(mine[e&1], float64(d)/block)
					mySpent[e&1] += d
					myChecks[e&1] += k
				}
				runtime.Gosched()
			}
			sinkBool = ok
			mu.Lock()
			defer mu.Unlock()
			for ph := range 2 {
				samples[ph] = append(samples[ph], mine[ph]...)
				spent[ph] += mySpent[ph]
				checks[ph] += myChecks[ph]
			}
		})
		b.StopTimer()
		close(stop)
		res := <-done
		if checks[0] == 0 || checks[1] == 0 || res.on == 0 {
			return // a run too short to see both phases, as b.N ramps up
		}
		idle := float64(spent[0]) / float64(checks[0])
		busy := float64(spent[1]) / float64(checks[1])
		b.ReportMetric(idle, "idle-ns/check")
		b.ReportMetric(busy, "writer-ns/check")
		b.ReportMetric(busy/idle, "slowdown")
		b.ReportMetric(median(samples[1])/median(samples[0]), "median-slowdown")
		b.ReportMetric(float64(res.updates)/res.on.Seconds(), "updates/s")
	})
}
