package journal

import (
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
)

// BenchmarkOpenPaired: BenchmarkOpen's two sides, Open of 100k members
// with 100k changes after the checkpoint and account.New of the final
// account, taken in turn within each iteration, so that both meet the same
// load on a shared machine. It reports Open's CPU time over New's
// (cpu-ratio; the process's, all threads) and the same of wall time
// (wall-ratio).
func BenchmarkOpenPaired(b *testing.B) {
	const members, changes = 100_000, 100_000
	dir, final, _ := bigJournal(b, members, changes)
	spec := final.Spec()
	var openCPU, newCPU, openWall, newWall time.Duration
	for b.Loop() {
		c0, t0 := cpuTime(), time.Now()
		j, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		sinkAccount = j.Store().Load()
		c1, t1 := cpuTime(), time.Now()
		j.Close()
		c2, t2 := cpuTime(), time.Now()
		a, err := account.New(spec)
		if err != nil {
			b.Fatal(err)
		}
		sinkAccount = a
		c3, t3 := cpuTime(), time.Now()
		openCPU, newCPU = openCPU+c1-c0, newCPU+c3-c2
		openWall, newWall = openWall+t1.Sub(t0), newWall+t3.Sub(t2)
	}
	if newCPU > 0 {
		b.ReportMetric(float64(openCPU)/float64(newCPU), "cpu-ratio")
	}
	b.ReportMetric(float64(openWall)/float64(newWall), "wall-ratio")
}
