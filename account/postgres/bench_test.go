package postgres_test

// Benchmarks with their baselines in the same run, reported as ratios:
//
//	go test -run '^$' -bench . -benchtime 2000x ./
//
// Propagation: from Update returning on one replica to the change loaded
// on another, against a bare NOTIFY → LISTEN round trip on the same server
// followed by the read of the row it announces (p50-ratio), and against
// the round trip alone (p50-ratio-notify-only).
// Throughput: 2 replicas × 8 writers against 16 clients running bare
// INSERT + NOTIFY transactions, in alternating rounds. Can: a check on a
// replica against one on an in-memory Store and one on a map, interleaved
// block by block.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var sinkBool bool

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func BenchmarkPropagation(b *testing.B) {
	pool := database(b)
	a := create(b, pool, postgres.Options{})
	r := open(b, poolOn(b, pool), postgres.Options{})
	ctx := context.Background()

	// The bare round trip: NOTIFY on one connection, LISTEN on another,
	// which then reads the row the notification announces, as a replica
	// must (a notification is only a wake-up).
	cfg := pool.Config().ConnConfig
	listener, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer listener.Close(ctx)
	if _, err := listener.Exec(ctx, "LISTEN bench"); err != nil {
		b.Fatal(err)
	}
	notifier, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer notifier.Close(ctx)

	var replica, bare, notified []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		got, err := addMember(a.Store(), fmt.Sprintf("u%d", i))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		waitFor(b, r.Store(), got.Revision(), 10*time.Second)
		replica = append(replica, time.Since(start))

		if _, err := notifier.Exec(ctx, "SELECT pg_notify('bench', $1::text)", strconv.FormatUint(got.Revision(), 10)); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		n, err := listener.WaitForNotification(ctx)
		if err != nil {
			b.Fatal(err)
		}
		notified = append(notified, time.Since(start))
		var events string
		if err := listener.QueryRow(ctx, `SELECT events::text FROM entaccess_updates WHERE account = 'acme' AND revision = $1::bigint`, n.Payload).Scan(&events); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(start))
	}
	p50, p99 := percentile(replica, 0.5), percentile(replica, 0.99)
	b50, b99 := percentile(bare, 0.5), percentile(bare, 0.99)
	n50 := percentile(notified, 0.5)
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(b50.Microseconds()), "bare-p50-µs")
	b.ReportMetric(float64(b99.Microseconds()), "bare-p99-µs")
	b.ReportMetric(float64(p50)/float64(max(b50, 1)), "p50-ratio")
	b.ReportMetric(float64(p99)/float64(max(b99, 1)), "p99-ratio")
	b.ReportMetric(float64(p50)/float64(max(n50, 1)), "p50-ratio-notify-only")
}

func BenchmarkWriteThroughput(b *testing.B) {
	const replicas, writers, rounds = 2, 8, 10
	pool := database(b)
	rs := []*postgres.Replica{create(b, pool, postgres.Options{})}
	for range replicas - 1 {
		rs = append(rs, open(b, poolOn(b, pool), postgres.Options{}))
	}
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench (id bigint PRIMARY KEY, body jsonb NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	cfg := pool.Config()
	cfg.MaxConns = replicas * writers
	bare, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()

	// Run operations from..to-1 on replicas*writers goroutines; return the time taken.
	var next atomic.Int64
	parallel := func(to int64, do func(w int, i int64) error) time.Duration {
		var wg sync.WaitGroup
		start := time.Now()
		for w := range replicas * writers {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= to {
						return
					}
					if err := do(w, i); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	update := func(w int, i int64) error {
		_, err := addMember(rs[w%replicas].Store(), fmt.Sprintf("u%d", i))
		return err
	}
	insert := func(w int, i int64) error {
		return pgx.BeginFunc(ctx, bare, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO bench (id, body) VALUES ($1::bigint, $2::jsonb)`,
				i, `[{"actor":"root","op":"add-member","user":"u","before":"","after":"view"}]`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `SELECT pg_notify('bench', $1::text)`, strconv.FormatInt(i, 10))
			return err
		})
	}
	// Both run the same number of operations in alternating rounds, each
	// going first in every other round, so that a change of load hits both.
	b.ResetTimer()
	var ours, base time.Duration
	n, done := int64(b.N), int64(0)
	for round := range rounds {
		to := done + (n-done)/int64(rounds-round)
		per := to - done
		for k := range 2 {
			next.Store(done)
			if (k+round)%2 == 0 {
				ours += parallel(to, update)
			} else {
				base += parallel(to, insert)
			}
		}
		done += per
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/ours.Seconds(), "updates/s")
	b.ReportMetric(float64(n)/base.Seconds(), "bare-tx/s")
	b.ReportMetric(base.Seconds()/ours.Seconds(), "ratio")
}

// BenchmarkCan checks on a replica's snapshot against checks on an
// in-memory Store that went through the same updates and against the
// cheapest check a service could write by hand, a map from user to a bit
// mask of allowed actions. The three run on blocks of 1024 queries in
// each iteration, in an order rotated from one iteration to the next, so
// that a change of machine load hits them alike; it reports the median
// block's time per check for each (NAME-ns/check) and the median ratios
// within an iteration (replica/map, memory/map, replica/memory). Each has
// its own data, so none finds in cache what another just read.
func BenchmarkCan(b *testing.B) {
	const (
		members = 1000
		updates = 16
		block   = 1024
		blocks  = 64
		samples = 1 << 12 // iterations kept, the last ones of a longer run
	)
	spec := account.Spec{Name: "acme", Members: []account.Member{{User: "root", Permissions: permission.Admin}}}
	for i := range members - 1 {
		spec.Members = append(spec.Members, account.Member{User: fmt.Sprintf("user%06d", i), Permissions: permission.Set(i % 8)})
	}
	seedAccount := func() *account.Account {
		a, err := account.New(spec)
		if err != nil {
			b.Fatal(err)
		}
		return a
	}
	r, err := postgres.Create(context.Background(), database(b), seedAccount())
	if err != nil {
		b.Fatal(err)
	}
	defer closeReplica(b, r)
	mem := account.NewStore(seedAccount())
	for i := range updates {
		for _, s := range []*account.Store{r.Store(), mem} {
			if _, err := addMember(s, fmt.Sprintf("new%06d", i)); err != nil {
				b.Fatal(err)
			}
		}
	}
	m := make(map[string]uint8)
	for _, mem := range mem.Load().Spec().Members {
		var mask uint8
		for _, act := range permission.Actions() {
			if permission.Allows(mem.Permissions|permission.View, act) {
				mask |= 1 << act
			}
		}
		m[mem.User] = mask
	}
	// Queries: members' names as fresh copies, as read from a request, one
	// in ten a stranger; actions 0 … 9, some outside the table.
	rnd := rand.New(rand.NewPCG(1, 2))
	type query struct {
		user string
		act  permission.Action
	}
	qs := make([]query, block*blocks)
	for i := range qs {
		u := strings.Clone(spec.Members[rnd.IntN(len(spec.Members))].User)
		if rnd.IntN(10) == 0 {
			u = fmt.Sprintf("stranger%06d", rnd.IntN(members))
		}
		qs[i] = query{u, permission.Action(rnd.IntN(10))}
	}
	onStore := func(s *account.Store) func([]query) bool {
		return func(qs []query) (ok bool) {
			for _, q := range qs {
				ok = ok != s.Load().Can(q.user, q.act)
			}
			return ok
		}
	}
	contenders := []struct {
		name string
		run  func([]query) bool
	}{
		{"map", func(qs []query) (ok bool) {
			for _, q := range qs {
				ok = ok != (m[q.user]&(1<<q.act) != 0)
			}
			return ok
		}},
		{"memory", onStore(mem)},
		{"replica", onStore(r.Store())},
	}
	spent := make([][samples]time.Duration, len(contenders))
	stride := blocks / len(contenders)
	ok, iter := false, 0
	b.ReportAllocs()
	for ; b.Loop(); iter++ {
		for k := range contenders {
			c := (k + iter) % len(contenders)
			at := (iter + c*stride) % blocks * block
			t0 := time.Now()
			ok = ok != contenders[c].run(qs[at:at+block])
			spent[c][iter%samples] = time.Since(t0)
		}
	}
	sinkBool = ok
	kept := min(iter, samples)
	median := func(xs []float64) float64 {
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	ratio := func(x, y int) float64 {
		rs := make([]float64, kept)
		for i := range rs {
			rs[i] = float64(spent[x][i]) / float64(max(spent[y][i], 1))
		}
		return median(rs)
	}
	for c, x := range contenders {
		ns := make([]float64, kept)
		for i, d := range spent[c][:kept] {
			ns[i] = float64(d) / block
		}
		b.ReportMetric(median(ns), x.name+"-ns/check")
	}
	b.ReportMetric(ratio(2, 0), "replica/map")
	b.ReportMetric(ratio(1, 0), "memory/map")
	b.ReportMetric(ratio(2, 1), "replica/memory")
}

func TestCanOnAReplicaDoesNotAllocate(t *testing.T) {
	pool := database(t)
	r := create(t, pool, postgres.Options{})
	if _, err := addMember(r.Store(), "ann"); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		sinkBool = r.Store().Load().Can("ann", permission.ViewTeams)
	}); n != 0 {
		t.Errorf("Can on a replica allocates %v times", n)
	}
}
