package journal

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

var (
	sinkInt   int
	sinkSpans []account.Span
)

// longJournal creates, in dir, a journal of an account of 100,000 members
// followed by 1,000,000 updates of one SetPermissions each, which give and
// take Billing from random members, and from user000001 once in a
// thousand, appended through the journal's Backend 10,000 updates a batch.
// The last update of a batch carries the state after it, replayed from
// the events, as the journal's checkpoints need; the updates before it
// carry their revisions on that state, which is all that Append reads of
// them, and spares building a million snapshots.
func longJournal(tb testing.TB, dir string) *Journal {
	const members, updates, batch = 100_000, 1_000_000, 10_000
	spec := account.Spec{Name: "acme"}
	for i := range members {
		p := permission.View
		if i == 0 {
			p = permission.Admin
		}
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprintf("user%06d", i), Permissions: p})
	}
	a, err := account.New(spec)
	if err != nil {
		tb.Fatal(err)
	}
	j, err := Create(dir, a)
	if err != nil {
		tb.Fatal(err)
	}
	holds := make(map[string]permission.Set, members)
	for u, p := range a.Members() {
		holds[u] = p
	}
	texts := make(map[permission.Set]string)
	text := func(p permission.Set) string {
		if s, ok := texts[p]; ok {
			return s
		}
		texts[p] = p.String()
		return texts[p]
	}
	r := rand.New(rand.NewPCG(5, 6))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]account.Event, batch)
	ups := make([]account.Update, batch)
	for rev := 1; rev <= updates; rev += batch {
		for i := range events {
			n := rev + i
			u := spec.Members[1+r.IntN(members-1)].User
			if n%1000 == 1 {
				u = "user000001"
			}
			old := holds[u]
			p := old ^ permission.Billing
			holds[u] = p
			events[i] = account.Event{Revision: uint64(n), Actor: "user000000", Op: account.OpSetPermissions,
				User: u, Before: text(old), After: text(p), Time: t0.Add(time.Duration(n) * time.Second)}
		}
		if a, err = a.Replay(events); err != nil {
			tb.Fatal(err)
		}
		for i := range ups {
			ups[i] = account.Update{Account: a.WithRevision(events[i].Revision), Events: events[i : i+1]}
		}
		ups[batch-1].Account = a
		if err := (*backend)(j).Append(context.Background(), ups); err != nil {
			tb.Fatal(err)
		}
	}
	return j
}

// plain hides a Journal's UserEvents: the history questions then read
// every event.
type plain struct{ j *Journal }

func (p plain) Events(ctx context.Context, after uint64) iter.Seq2[account.Event, error] {
	return p.j.Events(ctx, after)
}

func (p plain) At(ctx context.Context, rev uint64) (*account.Account, error) {
	return p.j.At(ctx, rev)
}

// BenchmarkAccessOverTime asks a journal of 1,000,000 updates on 100,000
// members (longJournal, written once per run of the benchmark) when one
// user could view-usage, and times it against one read of the events, in
// one loop, in an order rotated each iteration: read counts the events of
// one pass of Events; spans is AccessSpans, which reads the user's events
// alone through UserEvents; spans-plain is AccessSpans reading every
// event; provenance is Provenance at the last revision. It reports the
// median of each iteration's ratio to read (x/read), and each one's median
// time in ms.
func BenchmarkAccessOverTime(b *testing.B) {
	j := longJournal(b, b.TempDir())
	defer j.Close()
	ctx := context.Background()
	q := account.Access{User: "user000001", Action: permission.ViewUsage}
	run := []struct {
		name string
		f    func() error
	}{
		{"read", func() error {
			n := 0
			for _, err := range j.Events(ctx, 0) {
				if err != nil {
					return err
				}
				n++
			}
			sinkInt = n
			return nil
		}},
		{"spans", func() (err error) {
			sinkSpans, err = account.AccessSpans(ctx, j, q, 0, 1_000_000)
			return err
		}},
		{"spans-plain", func() (err error) {
			sinkSpans, err = account.AccessSpans(ctx, plain{j}, q, 0, 1_000_000)
			return err
		}},
		{"provenance", func() error {
			o, err := account.Provenance(ctx, j, q, 1_000_000)
			if err == nil && o.Event == nil {
				err = fmt.Errorf("no event changed %s", q)
			}
			return err
		}},
	}
	times := make([][]float64, len(run))
	ratios := make([][]float64, len(run))
	for i := 0; b.Loop(); i++ {
		d := make([]time.Duration, len(run))
		for k := range run {
			c := (k + i) % len(run)
			t := time.Now()
			if err := run[c].f(); err != nil {
				b.Fatal(err)
			}
			d[c] = time.Since(t)
		}
		for c := range run {
			times[c] = append(times[c], float64(d[c])/1e6)
			ratios[c] = append(ratios[c], float64(d[c])/float64(d[0]))
		}
	}
	for c, r := range run {
		b.ReportMetric(median(times[c]), r.name+"-ms")
		if c > 0 {
			b.ReportMetric(median(ratios[c]), r.name+"/read")
		}
	}
}

func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[len(s)/2]
}

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
