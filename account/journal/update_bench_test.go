package journal

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

// BenchmarkUpdatePaired: a durable Update and a bare write and fsync of the
// same bytes to a file in the same directory, in turn in every iteration,
// so that both meet the same load and the same disk. It reports the ratio
// of their total times (journal/bare) and the median of the per-iteration
// ratios (median-journal/bare), which one slow fsync moves least.
func BenchmarkUpdatePaired(b *testing.B) {
	dir := b.TempDir()
	j, err := Create(filepath.Join(dir, "journal"), benchAccount(b))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	f, err := os.Create(filepath.Join(dir, "bare"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rec := appendFrame(nil, func(p []byte) []byte {
		return appendUpdate(p, []account.Event{{Revision: 12345, Actor: "alice", Op: account.OpSetPermissions, User: "bob", Before: "view", After: "view,billing"}}, 12344, 0)
	})
	b.ReportAllocs()
	var tj, tb time.Duration
	var ratios []float64
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		if _, err := j.Store().Update(toggle(i)); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := f.Write(rec); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		tj, tb = tj+t1.Sub(t0), tb+t2.Sub(t1)
		ratios = append(ratios, float64(t1.Sub(t0))/float64(t2.Sub(t1)))
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(tj)/float64(tb), "journal/bare")
	b.ReportMetric(ratios[len(ratios)/2], "median-journal/bare")
}
