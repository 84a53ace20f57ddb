package account_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

// BenchmarkInterleaved measures Can, Can on the largest overlay and Explain
// against the baseline map, and a second map as a control, in the same loop
// (see interleave), so that a change of machine load hits them alike. Read
// its ratios, Can/map and the others, not ns/op: on a quiet machine they
// are BenchmarkCan ÷ BenchmarkMap and so on; on a loaded one, timings taken
// one benchmark after another drift by tens of per cent, and only ratios
// taken within a run hold. map2/map far from 1 would mean that the method
// favours one contender over another.
func BenchmarkInterleaved(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, qs []query) {
		// Each contender reads its own structure, so that none finds
		// another's entries in cache.
		m, m2 := baseline(spec), baseline(spec)
		can, explain := mustNew(b, spec), mustNew(b, spec)
		overlay := overlaid(b, mustNew(b, spec), max(1, len(spec.Members)/256))
		runtime.GC()
		interleave(b, qs, []contender{
			{"map", func(qs []query) bool { return mapBlock(m, qs) }},
			{"map2", func(qs []query) bool { return mapBlock(m2, qs) }},
			{"Can", func(qs []query) bool { return canBlock(can, qs) }},
			{"CanOverlay", func(qs []query) bool { return canBlock(overlay, qs) }},
			{"Explain", func(qs []query) bool { return explainBlock(explain, qs) }},
		})
	})
}

// mapBlock, canBlock and explainBlock answer a block of queries and return
// the XOR of the answers, so that none can be optimised away.
func mapBlock(m map[string]uint8, qs []query) (ok bool) {
	for _, q := range qs {
		ok = ok != (m[q.user]&(1<<q.act) != 0)
	}
	return ok
}

func canBlock(a *account.Account, qs []query) (ok bool) {
	for _, q := range qs {
		ok = ok != a.Can(q.user, q.act)
	}
	return ok
}

func explainBlock(a *account.Account, qs []query) (ok bool) {
	for _, q := range qs {
		d := a.Explain(q.user, q.act)
		ok = ok != d.Allowed != (d.Holds&d.Needs != 0)
	}
	return ok
}

type contender struct {
	name string
	run  func(qs []query) bool // answers a block, see mapBlock
}

// interleave runs every contender on a block of 1024 queries in each
// iteration, in an order rotated from one iteration to the next, and times
// each block. The contenders take different blocks, far apart: the one a
// contender takes was last read by another 64/len(cs) iterations before,
// so that none finds in cache what another just read. It reports, for each
// contender, NAME-ns/check, the median over the iterations of its block's
// time per check, and for all but the first, NAME/FIRST, the median of the
// ratio of its block's time to the first contender's in the same
// iteration. Medians leave out the blocks during which another process had
// the core. ns/op is the time of one iteration, a block of every contender.
func interleave(b *testing.B, qs []query, cs []contender) {
	const (
		block   = 1024
		samples = 1 << 12 // iterations kept, the last ones of a longer run
	)
	blocks := len(qs) / block
	if len(qs)%block != 0 || blocks < 2*len(cs) {
		b.Fatalf("%d queries: want a multiple of %d, at least %d blocks", len(qs), block, 2*len(cs))
	}
	stride := blocks / len(cs)
	spent := make([][samples]time.Duration, len(cs))
	iter := 0
	ok := false
	for b.Loop() {
		for k := range cs {
			c := (k + iter) % len(cs)
			at := (iter + c*stride) % blocks * block
			t0 := time.Now()
			ok = ok != cs[c].run(qs[at:at+block])
			spent[c][iter%samples] = time.Since(t0)
		}
		iter++
	}
	sinkBool = ok
	kept := min(iter, samples)
	times := make([]float64, kept)
	for c, x := range cs {
		for i := range kept {
			times[i] = float64(spent[c][i]) / block
		}
		b.ReportMetric(median(times), x.name+"-ns/check")
		if c == 0 {
			continue
		}
		for i := range kept {
			times[i] = float64(spent[c][i]) / float64(spent[0][i])
		}
		b.ReportMetric(median(times), x.name+"/"+cs[0].name)
	}
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	if len(xs)%2 == 1 {
		return xs[len(xs)/2]
	}
	return (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
}
