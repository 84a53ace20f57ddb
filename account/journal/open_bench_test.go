package journal

import (
	"fmt"
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

// BenchmarkDecodeUpdate: decoding the records Open replays, one event
// each as in BenchmarkOpen's log (a change of a member's permissions), into
// a reused slice with recurring names shared, as Open's replayer does.
// It reports the time per record, wall (ns/record) and CPU (cpu-ns/record).
func BenchmarkDecodeUpdate(b *testing.B) {
	const records = 1024
	var payloads [][]byte
	t := time.Unix(1_700_000_000, 0).UTC()
	for i := range records {
		e := account.Event{Revision: uint64(i + 2), Time: t.Add(time.Duration(i) * time.Millisecond), Op: account.OpSetPermissions,
			Actor: "user-0000000", User: fmt.Sprintf("user-%07d", i*7919%100_000+1), Before: "view", After: "billing,view"}
		frame := appendFrame(nil, func(p []byte) []byte { return appendUpdate(p, []account.Event{e}, e.Revision-1, 7) })
		payloads = append(payloads, frame[headerLen:])
	}
	var names interner
	events := make([]account.Event, 0, 64)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		for _, p := range payloads {
			var err error
			if events, err = decodeUpdateTo(events, p, &names); err != nil {
				b.Fatal(err)
			}
			if len(events) >= 64 {
				clear(events)
				events = events[:0]
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*records), "ns/record")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N*records), "cpu-ns/record")
}
