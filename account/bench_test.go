package account_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// Sinks keep the compiler from removing the work measured.
var (
	sinkBool     bool
	sinkDecision account.Decision
	sinkAccount  *account.Account
)

var sizes = []int{1_000, 100_000}

// benchSpec returns an account of n members, user000000 … , with random
// permissions, and n/1000+1 teams of 10 members each.
func benchSpec(n int) account.Spec {
	r := rand.New(rand.NewPCG(1, uint64(n)))
	s := account.Spec{Name: "bench"}
	for i := range n {
		p := permission.Set(r.IntN(16))
		if i == 0 {
			p = permission.Admin
		}
		s.Members = append(s.Members, account.Member{User: fmt.Sprintf("user%06d", i), Permissions: p})
	}
	for t := range n/1000 + 1 {
		team := account.Team{Name: fmt.Sprintf("team%04d", t)}
		for k := range 10 {
			role := account.RoleMember
			if k == 0 {
				role = account.RoleAdmin
			}
			team.Members = append(team.Members, account.TeamMember{User: fmt.Sprintf("user%06d", r.IntN(n)), Role: role})
		}
		s.Teams = append(s.Teams, team)
	}
	return s
}

type query struct {
	user string
	act  permission.Action
}

// benchQueries returns 1<<16 random checks: users of spec and about one in
// ten non-members, actions 0 … 9, three of which are outside the table.
func benchQueries(spec account.Spec) []query {
	r := rand.New(rand.NewPCG(2, uint64(len(spec.Members))))
	qs := make([]query, 1<<16)
	for i := range qs {
		u := spec.Members[r.IntN(len(spec.Members))].User
		if r.IntN(10) == 0 {
			u = fmt.Sprintf("stranger%06d", r.IntN(len(spec.Members)))
		}
		qs[i] = query{u, permission.Action(r.IntN(10))}
	}
	return qs
}

// baseline is the cheapest check a service could write by hand: a map from
// user to a bit mask of allowed actions, one lookup and one AND.
func baseline(spec account.Spec) map[string]uint8 {
	m := make(map[string]uint8, len(spec.Members))
	for _, mem := range spec.Members {
		var mask uint8
		for _, act := range permission.Actions() {
			if permission.Allows(mem.Permissions|permission.View, act) {
				mask |= 1 << act
			}
		}
		m[mem.User] = mask
	}
	return m
}

// BenchmarkCan compares Account.Can with the hand-written baseline, in the
// same run, on a freshly built account and on one carrying the largest
// overlay of recent changes that compaction allows (n/256 entries).
func BenchmarkCan(b *testing.B) {
	for _, n := range sizes {
		spec := benchSpec(n)
		qs := benchQueries(spec)
		base := baseline(spec)
		a := mustNew(b, spec)
		withOverlay := overlaid(b, a, max(1, n/256))
		b.Run(fmt.Sprintf("n=%d/baseline", n), func(b *testing.B) {
			b.ReportAllocs()
			ok := false
			i := 0
			for b.Loop() {
				q := qs[i&(len(qs)-1)]
				ok = ok != (base[q.user]&(1<<q.act) != 0)
				i++
			}
			sinkBool = ok
		})
		for _, c := range []struct {
			name string
			a    *account.Account
		}{{"Can", a}, {"Can-overlay", withOverlay}} {
			acc := c.a
			b.Run(fmt.Sprintf("n=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				ok := false
				i := 0
				for b.Loop() {
					q := qs[i&(len(qs)-1)]
					ok = ok != acc.Can(q.user, q.act)
					i++
				}
				sinkBool = ok
			})
		}
		b.Run(fmt.Sprintf("n=%d/Explain", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				q := qs[i&(len(qs)-1)]
				sinkDecision = a.Explain(q.user, q.act)
				i++
			}
		})
	}
}

// overlaid returns a after k one-member changes, with the largest overlay
// the default compaction lets a snapshot carry when k is n/256.
func overlaid(b *testing.B, a *account.Account, k int) *account.Account {
	b.Helper()
	s := account.NewStore(a)
	if a.NumMembers() < 2048 {
		// Small accounts are compacted on every change; force an overlay.
		account.SetCompactAt(s, k)
	}
	for i := range k {
		if _, err := s.Update(func(tx *account.Tx) error {
			return tx.AddMember("user000000", fmt.Sprintf("newuser%06d", i), permission.Billing)
		}); err != nil {
			b.Fatal(err)
		}
	}
	if m, _ := account.OverlaySize(s.Load()); m != k {
		b.Fatalf("overlay of %d entries after %d changes", m, k)
	}
	return s.Load()
}

// BenchmarkUpdate measures one committed change, compactions included,
// against rebuilding the account with New.
func BenchmarkUpdate(b *testing.B) {
	for _, n := range sizes {
		benchUpdate(b, n)
	}
}

func benchUpdate(b *testing.B, n int) {
	spec := benchSpec(n)
	b.Run(fmt.Sprintf("n=%d/rebuild-New", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a, err := account.New(spec)
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = a
		}
	})
	b.Run(fmt.Sprintf("n=%d/Update", n), func(b *testing.B) {
		s := account.NewStore(mustNew(b, spec))
		r := rand.New(rand.NewPCG(3, 4))
		b.ReportAllocs()
		for b.Loop() {
			u := spec.Members[1+r.IntN(n-1)].User
			p := permission.Set(r.IntN(16)) &^ permission.Manage
			a, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("user000000", u, p) })
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = a
		}
	})
}

// BenchmarkMemory reports the heap an account holds, per member.
func BenchmarkMemory(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			var perMember float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				// The user names are made for the spec, and the account
				// keeps them alive: they count as the account's.
				a := mustNew(b, benchSpec(n))
				runtime.GC()
				runtime.ReadMemStats(&after)
				perMember = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
				runtime.KeepAlive(a)
			}
			b.ReportMetric(perMember, "B/member")
		})
	}
}

// BenchmarkParallel measures Store.Load().Can from many goroutines, alone
// and with a writer committing one change every millisecond.
func BenchmarkParallel(b *testing.B) {
	const n = 100_000
	spec := benchSpec(n)
	qs := benchQueries(spec)
	base := baseline(spec)
	b.Run("n=100000/baseline", func(b *testing.B) {
		b.ReportAllocs()
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := int(seed.Add(7919))
			ok := false
			for pb.Next() {
				q := qs[i&(len(qs)-1)]
				ok = ok != (base[q.user]&(1<<q.act) != 0)
				i++
			}
			sinkBool = ok
		})
	})
	for _, writer := range []bool{false, true} {
		name := "n=100000/Load-Can"
		if writer {
			name += "-writer1ms"
		}
		b.Run(name, func(b *testing.B) {
			s := account.NewStore(mustNew(b, spec))
			stop := make(chan struct{})
			done := make(chan int)
			if writer {
				go func() {
					tick := time.NewTicker(time.Millisecond)
					defer tick.Stop()
					r := rand.New(rand.NewPCG(5, 6))
					updates := 0
					for {
						select {
						case <-stop:
							done <- updates
							return
						case <-tick.C:
						}
						u := spec.Members[1+r.IntN(n-1)].User
						p := permission.Set(r.IntN(16)) &^ permission.Manage
						if _, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("user000000", u, p) }); err != nil {
							panic(err)
						}
						updates++
					}
				}()
			}
			b.ReportAllocs()
			b.ResetTimer()
			var seed atomic.Uint64
			b.RunParallel(func(pb *testing.PB) {
				i := int(seed.Add(7919))
				ok := false
				for pb.Next() {
					q := qs[i&(len(qs)-1)]
					ok = ok != s.Load().Can(q.user, q.act)
					i++
				}
				sinkBool = ok
			})
			if writer {
				close(stop)
				// The ticker asks for 1000 updates/s; a loaded machine gives fewer.
				b.ReportMetric(float64(<-done)/b.Elapsed().Seconds(), "updates/s")
			}
		})
	}
}
