package postgres_test

// Benchmarks with their baselines in the same run, reported as ratios:
//
//	go test -run '^$' -bench . -benchtime 2000x ./
//
// Propagation: from Update returning on one replica to the change loaded
// on another, against a bare NOTIFY → LISTEN round trip on the same server.
// Throughput: 2 replicas × 8 writers against 16 clients running bare
// INSERT + NOTIFY transactions. Can: a check on a replica against one on
// an in-memory Store.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/postgres"
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

	// The bare round trip: NOTIFY on one connection, LISTEN on another.
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

	var replica, bare []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		got, err := addMember(a.Store(), fmt.Sprintf("u%d", i))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		waitFor(b, r.Store(), got.Revision(), 10*time.Second)
		replica = append(replica, time.Since(start))

		if _, err := notifier.Exec(ctx, "SELECT pg_notify('bench', $1::text)", fmt.Sprint(i)); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if _, err := listener.WaitForNotification(ctx); err != nil {
			b.Fatal(err)
		}
		bare = append(bare, time.Since(start))
	}
	p50, p99 := percentile(replica, 0.5), percentile(replica, 0.99)
	b50, b99 := percentile(bare, 0.5), percentile(bare, 0.99)
	b.ReportMetric(float64(p50.Microseconds()), "p50-µs")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(float64(b50.Microseconds()), "bare-p50-µs")
	b.ReportMetric(float64(b99.Microseconds()), "bare-p99-µs")
	b.ReportMetric(float64(p50)/float64(max(b50, 1)), "p50-ratio")
	b.ReportMetric(float64(p99)/float64(max(b99, 1)), "p99-ratio")
}

func BenchmarkWriteThroughput(b *testing.B) {
	const replicas, writers = 2, 8
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

	// Run n operations on replicas*writers goroutines; return ops per second.
	parallel := func(n int, do func(w, i int) error) float64 {
		var (
			next atomic.Int64
			wg   sync.WaitGroup
		)
		start := time.Now()
		for w := range replicas * writers {
			wg.Go(func() {
				for {
					i := int(next.Add(1))
					if i > n {
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
		return float64(n) / time.Since(start).Seconds()
	}
	b.ResetTimer()
	n := b.N
	ours := parallel(n, func(w, i int) error {
		_, err := addMember(rs[w%replicas].Store(), fmt.Sprintf("u%d", i))
		return err
	})
	base := parallel(n, func(w, i int) error {
		return pgx.BeginFunc(ctx, bare, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO bench (id, body) VALUES ($1::bigint, $2::jsonb)`,
				i, `[{"actor":"root","op":"add-member","user":"u","before":"","after":"view"}]`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `SELECT pg_notify('bench', $1::text)`, fmt.Sprint(i))
			return err
		})
	})
	b.StopTimer()
	b.ReportMetric(ours, "updates/s")
	b.ReportMetric(base, "bare-tx/s")
	b.ReportMetric(ours/base, "ratio")
}

// BenchmarkCan checks on a replica's snapshot and on an in-memory Store's,
// the baseline.
func BenchmarkCan(b *testing.B) {
	pool := database(b)
	r := create(b, pool, postgres.Options{})
	for i := range 100 {
		if _, err := addMember(r.Store(), fmt.Sprintf("u%d", i)); err != nil {
			b.Fatal(err)
		}
	}
	mem := account.NewStore(r.Store().Load())
	for _, bc := range []struct {
		name  string
		store *account.Store
	}{{"replica", r.Store()}, {"memory", mem}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkBool = bc.store.Load().Can("u42", permission.ManageUsers)
			}
		})
	}
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
