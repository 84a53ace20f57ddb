package account_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// Sinks for the history benchmarks.
var (
	sinkPreview account.Preview
	sinkSpans   []account.Span
	sinkInt     int
	sinkSpec    account.Spec
	sinkChanges []account.Change
)

// BenchmarkPreview previews one SetPermissions per iteration on an
// account of 100,000 members; its baseline, update, commits the same
// change with Update, one after another on one Store, compactions
// included. Preview's cost follows the change, so the two are close.
func BenchmarkPreview(b *testing.B) {
	spec := benchSpec(100_000)
	change := func(r *rand.Rand) func(*account.Tx) error {
		u := spec.Members[1+r.IntN(len(spec.Members)-1)].User
		p := permission.Set(r.IntN(16)) &^ permission.Manage
		return func(tx *account.Tx) error { return tx.SetPermissions("user000000", u, p) }
	}
	// ratio interleaves the two, a preview then the update of the same
	// change, and reports their ratio, which the load of a shared machine
	// affects less than timings taken one after another.
	b.Run("members=100000/ratio", func(b *testing.B) {
		s := account.NewStore(mustNew(b, spec))
		r := rand.New(rand.NewPCG(3, 4))
		var tp, tu time.Duration
		for b.Loop() {
			fn := change(r)
			t0 := time.Now()
			p, err := s.Preview(fn)
			t1 := time.Now()
			a, err2 := s.Update(fn)
			tp, tu = tp+t1.Sub(t0), tu+time.Since(t1)
			if err != nil || err2 != nil {
				b.Fatal(err, err2)
			}
			sinkPreview, sinkAccount = p, a
		}
		b.ReportMetric(float64(tp)/float64(tu), "preview/update")
	})
	for _, mode := range []string{"update", "preview"} {
		b.Run("members=100000/"+mode, func(b *testing.B) {
			s := account.NewStore(mustNew(b, spec))
			r := rand.New(rand.NewPCG(3, 4))
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if mode == "update" {
					sinkAccount, err = s.Update(change(r))
				} else {
					sinkPreview, err = s.Preview(change(r))
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A long history for the benchmarks of access over time: an account of
// 100,000 members and 1,000,000 updates of one SetPermissions each, which
// give and take Billing from random members, and from user000001 once in a
// thousand.
var longHistory = sync.OnceValue(func() *sliceHistory {
	const members, updates = 100_000, 1_000_000
	spec := benchSpec(members)
	a, err := account.New(spec)
	if err != nil {
		panic(err)
	}
	holds := make(map[string]permission.Set, members)
	for u, p := range a.Members() {
		holds[u] = p
	}
	texts := make(map[permission.Set]string) // one string per set, as a decoder would intern them
	text := func(p permission.Set) string {
		if s, ok := texts[p]; ok {
			return s
		}
		texts[p] = p.String()
		return texts[p]
	}
	r := rand.New(rand.NewPCG(5, 6))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	events := make([]account.Event, updates)
	for i := range events {
		u := spec.Members[1+r.IntN(members-1)].User
		if i%1000 == 0 {
			u = "user000001"
		}
		old := holds[u]
		p := old ^ permission.Billing
		holds[u] = p
		events[i] = account.Event{Revision: uint64(i + 1), Actor: "user000000", Op: account.OpSetPermissions,
			User: u, Before: text(old), After: text(p), Time: t0.Add(time.Duration(i) * time.Second)}
	}
	return &sliceHistory{start: a, events: events}
})

// readEvents reads every event of h once, through the History interface
// as AccessSpans does, and counts them, and the events of user among them
// if user is not "". It is not inlined, so that the compiler cannot see
// the events unused, or h's type, and read less than a user of a History
// does.
//
//go:noinline
func readEvents(ctx context.Context, h account.History, user string) (n int, err error) {
	for e, err := range h.Events(ctx, 0) {
		if err != nil {
			return n, err
		}
		if user == "" || e.User == user {
			n++
		}
	}
	return n, nil
}

// BenchmarkAccessOverTime asks over a history of 1,000,000 updates on
// 100,000 members: read reads every event once (the baseline); spans finds
// when one user could view-usage (AccessSpans); provenance, since when they
// can or cannot at the last revision; who-could finds when everyone could
// (WhoCould). The events are in memory, in a History that is not a
// UserHistory, so that reading them costs as little as it can and
// AccessSpans looks at every one: a durable store adds its reading and
// decoding to every one of the three (see the journal's
// BenchmarkAccessOverTime, where AccessSpans reads the user's events
// alone).
func BenchmarkAccessOverTime(b *testing.B) {
	ctx := context.Background()
	q := account.Access{User: "user000001", Action: permission.ViewUsage}
	h := longHistory()
	b.Run("read", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			n, err := readEvents(ctx, h, "")
			if err != nil {
				b.Fatal(err)
			}
			sinkInt = n
		}
	})
	b.Run("spans", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			spans, err := account.AccessSpans(ctx, h, q, 0, 1_000_000)
			if err != nil {
				b.Fatal(err)
			}
			sinkSpans = spans
		}
	})
	// ratio runs three passes in one loop, in an order rotated each
	// iteration, and reports the median of each iteration's ratios: a
	// read; a scan, which also compares every event's user with q's, the
	// cheapest filter over the events one could write; and AccessSpans.
	b.Run("ratio", func(b *testing.B) {
		passes := []func() error{
			func() (err error) { sinkInt, err = readEvents(ctx, h, ""); return err },
			func() (err error) { sinkInt, err = readEvents(ctx, h, q.User); return err },
			func() (err error) { sinkSpans, err = account.AccessSpans(ctx, h, q, 0, 1_000_000); return err },
		}
		var perRead, perScan []float64
		for i := 0; b.Loop(); i++ {
			var d [3]time.Duration
			for k := range passes {
				c := (k + i) % len(passes)
				t := time.Now()
				if err := passes[c](); err != nil {
					b.Fatal(err)
				}
				d[c] = time.Since(t)
			}
			perRead = append(perRead, float64(d[2])/float64(d[0]))
			perScan = append(perScan, float64(d[2])/float64(d[1]))
		}
		b.ReportMetric(median(perRead), "spans/read")
		b.ReportMetric(median(perScan), "spans/scan")
	})
	b.Run("provenance", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			o, err := account.Provenance(ctx, h, q, 1_000_000)
			if err != nil || o.Event == nil {
				b.Fatal(o, err)
			}
		}
	})
	b.Run("who-could", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			spans, err := account.WhoCould(ctx, h, permission.ViewUsage, 0, 1_000_000)
			if err != nil {
				b.Fatal(err)
			}
			sinkSpans = spans
		}
	})
}

// TestLongHistoryShape checks what BenchmarkAccessOverTime relies on: the
// long history replays, and user000001's view-usage changes in it.
func TestLongHistoryShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a history of 1,000,000 updates")
	}
	h := longHistory()
	spans, err := account.AccessSpans(context.Background(), h, account.Access{User: "user000001", Action: permission.ViewUsage}, 0, 1_000_000)
	if err != nil || len(spans) < 400 {
		t.Fatalf("AccessSpans: %d spans, %v", len(spans), err)
	}
	if _, err := h.At(context.Background(), 1_000); err != nil {
		t.Fatal(fmt.Errorf("At(1000): %w", err))
	}
}

// BenchmarkDiff compares two snapshots of 100,000 members one change
// apart. Under derived the second was derived from the first, and Diff
// looks only at what changed; under whole the first was built apart, with
// the same content, and Diff reads both whole. Its baseline, spec, is one
// call of Spec, a plain copy of one snapshot.
func BenchmarkDiff(b *testing.B) {
	spec := benchSpec(100_000)
	a := mustNew(b, spec)
	next, err := account.NewStore(a).Update(func(tx *account.Tx) error {
		return tx.AddMember("user000000", "newcomer", permission.Manage)
	})
	if err != nil {
		b.Fatal(err)
	}
	apart := mustNew(b, spec)
	b.Run("members=100000/spec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sinkSpec = next.Spec()
		}
	})
	for _, from := range []struct {
		name string
		a    *account.Account
	}{{"derived", a}, {"whole", apart}} {
		b.Run("members=100000/"+from.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkChanges = account.Diff(from.a, next)
			}
			if len(sinkChanges) != 5 {
				b.Fatalf("%d changes, want newcomer's 5", len(sinkChanges))
			}
		})
	}
}
