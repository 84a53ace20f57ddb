package journal

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAt: the state at a revision (At), against Open of the same
// journal (100k members, 100k changes after the checkpoint): at the last
// revision, which replays every change as Open does, and at the middle one.
// ratio opens the journal and asks it for At(last), in turn, and reports
// At's time over Open's.
func BenchmarkAt(b *testing.B) {
	const members, changes = 100_000, 100_000
	dir, final, _ := bigJournal(b, members, changes)
	ctx := context.Background()
	last := final.Revision()
	at := func(b *testing.B, j *Journal, rev uint64) {
		a, err := j.At(ctx, rev)
		if err != nil {
			b.Fatal(err)
		}
		if a.Revision() != rev {
			b.Fatalf("At(%d) is at revision %d", rev, a.Revision())
		}
		sinkAccount = a
	}
	j, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("last", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			at(b, j, last)
		}
	})
	b.Run("middle", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			at(b, j, last-changes/2)
		}
	})
	if err := j.Close(); err != nil {
		b.Fatal(err)
	}
	b.Run("ratio", func(b *testing.B) {
		var to, ta time.Duration
		for b.Loop() {
			t0 := time.Now()
			o, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = o.Store().Load()
			t1 := time.Now()
			at(b, o, last)
			t2 := time.Now()
			o.Close()
			to, ta = to+t1.Sub(t0), ta+t2.Sub(t1)
		}
		b.ReportMetric(float64(ta)/float64(to), "at/open")
	})
}
