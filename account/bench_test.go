package account_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/accounttest"
	"github.com/entaccess/entaccess/permission"
)

// Each benchmark is BenchmarkX/members=N, one operation per iteration, with
// its baseline beside it: BenchmarkMap for Can and Explain, BenchmarkNew
// for Update, BenchmarkMapMemory for Memory. Compare two commits with
//
//	go test -run '^$' -bench . -count 10 ./account > new.txt
//	benchstat old.txt new.txt
//
// and a benchmark with its baseline, within one file, with
//
//	benchstat -col .name -row /members -filter '.name:(Map OR Can)' new.txt
//
// On a machine shared with other work, timings taken one benchmark after
// another drift with the load. The timed benchmarks also report cpu-ns/op,
// the process's CPU time per operation, which leaves out the time spent
// waiting for a CPU; and BenchmarkInterleaved (interleave_test.go) measures
// the ratios to the map in the same loop. BENCHMARKS.md at the
// module root gives the commands, the machine and the figures.

// Sinks keep the compiler from removing the work measured.
var (
	sinkBool     bool
	sinkDecision account.Decision
	sinkAccount  *account.Account
)

var sizes = []int{1_000, 100_000}

// nQueries is the number of queries a benchmark cycles through, a power of
// two, so that i%nQueries costs an AND.
const nQueries = 1 << 16

// forSizes runs bench as the sub-benchmark members=N for each size, with
// benchSpec(N) and queries about it.
func forSizes(b *testing.B, bench func(b *testing.B, spec account.Spec, qs []query)) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			spec := benchSpec(n)
			qs := benchQueries(spec)
			b.ReportAllocs()
			bench(b, spec, qs)
		})
	}
}

// BenchmarkMap is the baseline of BenchmarkCan: the cheapest check a
// service could write by hand (see baseline).
func BenchmarkMap(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, qs []query) {
		m := baseline(spec)
		defer reportCPU(b, cpuTime())
		for i := 0; b.Loop(); i++ {
			q := qs[i%nQueries]
			sinkBool = m[q.user]&(1<<q.act) != 0
		}
	})
}

// BenchmarkCan checks on an account as New builds it, with no overlay.
func BenchmarkCan(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, qs []query) {
		a := mustNew(b, spec)
		defer reportCPU(b, cpuTime())
		for i := 0; b.Loop(); i++ {
			q := qs[i%nQueries]
			sinkBool = a.Can(q.user, q.act)
		}
	})
}

// BenchmarkCanOverlay checks on an account carrying the largest overlay of
// recent changes that compaction lets a snapshot carry: the worst case
// between two compactions.
func BenchmarkCanOverlay(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, qs []query) {
		a := overlaid(b, mustNew(b, spec), max(1, len(spec.Members)/256))
		defer reportCPU(b, cpuTime())
		for i := 0; b.Loop(); i++ {
			q := qs[i%nQueries]
			sinkBool = a.Can(q.user, q.act)
		}
	})
}

// BenchmarkExplain is BenchmarkCan with the reasons.
func BenchmarkExplain(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, qs []query) {
		a := mustNew(b, spec)
		defer reportCPU(b, cpuTime())
		for i := 0; b.Loop(); i++ {
			q := qs[i%nQueries]
			sinkDecision = a.Explain(q.user, q.act)
		}
	})
}

// BenchmarkNew is the baseline of BenchmarkUpdate: rebuilding the account.
func BenchmarkNew(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, _ []query) {
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			sinkAccount = mustNew(b, spec)
		}
	})
}

// BenchmarkUpdate commits one SetPermissions per iteration, one after
// another on the same Store, so that compactions happen at their usual rate
// and their cost is spread over the changes. It reports how many changes
// the run made per compaction.
func BenchmarkUpdate(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, _ []query) {
		s := account.NewStore(mustNew(b, spec))
		r := rand.New(rand.NewPCG(3, 4))
		updates, compactions, last := 0, 0, 0
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			u := spec.Members[1+r.IntN(len(spec.Members)-1)].User
			p := permission.Set(r.IntN(16)) &^ permission.Manage
			a, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("user000000", u, p) })
			if err != nil {
				b.Fatal(err)
			}
			// Without compaction one change moves the overlay's size by at
			// most one entry.
			m, _ := account.OverlaySize(a)
			if m < last-1 {
				compactions++
			}
			last = m
			updates++
			sinkAccount = a
		}
		if compactions > 0 {
			b.ReportMetric(float64(updates)/float64(compactions), "updates/compaction")
		}
	})
}

// BenchmarkReplay replays the events of 10,000 updates (permission
// changes, new and removed members, team roles, new teams) on the account
// they were committed on, as a durable store does when it opens. Its
// baseline is BenchmarkNew, building the account whole.
func BenchmarkReplay(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, _ []query) {
		a := mustNew(b, spec)
		events := benchEvents(b, a, 10_000)
		defer reportCPU(b, cpuTime())
		for b.Loop() {
			next, err := a.Replay(events)
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = next
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
	})
}

// benchEvents returns the events of n updates on a by its first member,
// each one step drawn at random: mostly permission changes, as a real
// account sees, and some of every other kind, on ten teams of the member's.
func benchEvents(b *testing.B, a *account.Account, n int) []account.Event {
	b.Helper()
	s := account.NewStore(a)
	var events []account.Event
	s.SetObserver(func(es []account.Event) { events = append(events, es...) })
	r := rand.New(rand.NewPCG(5, 6))
	admin, users := "user000000", a.Spec().Members[1:]
	var added []string
	for i := range n {
		u := users[r.IntN(len(users))].User
		team := fmt.Sprintf("bench%d", r.IntN(10))
		_, err := s.Update(func(tx *account.Tx) error {
			switch k := r.IntN(20); {
			case i < 10:
				return tx.CreateTeam(admin, fmt.Sprintf("bench%d", i))
			case k < 12:
				return tx.SetPermissions(admin, u, permission.Set(r.IntN(16))&^permission.Manage)
			case k < 14:
				if err := tx.AddMember(admin, fmt.Sprintf("new%06d", i), permission.Billing); err != nil {
					return err
				}
				return tx.SetTeamRole(admin, team, fmt.Sprintf("new%06d", i), account.RoleMember)
			case k < 15 && len(added) > 0:
				return tx.RemoveMember(admin, added[0])
			case k < 17:
				return tx.SetTeamRole(admin, team, u, account.RoleViewer)
			case k < 18:
				if err := tx.RenameTeam(admin, team, team+"x"); err != nil {
					return err
				}
				return tx.RenameTeam(admin, team+"x", team)
			default:
				return tx.SetTeamRole(admin, team, u, account.RoleCollaborator)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		if last := events[len(events)-1]; last.Op == account.OpRemoveMember {
			added = added[1:]
		} else if last.Op == account.OpSetTeamRole && last.User == fmt.Sprintf("new%06d", i) {
			added = append(added, last.User)
		}
	}
	return events
}

// BenchmarkUpdateHooks commits one SetPermissions per iteration on a small
// account, without hooks (the baseline), with an empty Hooks, and with
// every hook set to a function that does nothing: what hooks cost an
// update.
func BenchmarkUpdateHooks(b *testing.B) {
	nop := &account.Hooks{
		LockAcquired: func(time.Duration) {},
		CallbackDone: func(account.CallbackInfo) {},
		AppendStart:  func(account.BatchInfo) {},
		AppendDone:   func(account.BatchInfo, account.AppendResult) {},
		Retry:        func(account.RetryInfo) {},
		CatchUpDone:  func(account.CatchUpInfo) {},
	}
	for _, c := range []struct {
		name  string
		hooks *account.Hooks
	}{{"none", nil}, {"empty", &account.Hooks{}}, {"all", nop}} {
		b.Run("hooks="+c.name, func(b *testing.B) {
			spec := benchSpec(1000)
			s := account.NewStore(mustNew(b, spec))
			s.SetHooks(c.hooks)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				u, p := spec.Members[1+i%(len(spec.Members)-1)].User, permission.Set(i%16)&^permission.Manage
				if _, err := s.Update(func(tx *account.Tx) error { return tx.SetPermissions("user000000", u, p) }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemory reports the heap an account holds, per member
// (B/member). The user names count: the spec is made for the account,
// which keeps them alive.
func BenchmarkMemory(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, _ []query) {
		b.ReportMetric(heapPerMember(b, len(spec.Members), func(spec account.Spec) any { return mustNew(b, spec) }), "B/member")
	})
}

// BenchmarkMapMemory is the baseline of BenchmarkMemory: the same for the
// map of BenchmarkMap.
func BenchmarkMapMemory(b *testing.B) {
	forSizes(b, func(b *testing.B, spec account.Spec, _ []query) {
		b.ReportMetric(heapPerMember(b, len(spec.Members), func(spec account.Spec) any { return baseline(spec) }), "B/member")
	})
}

// cpuTime returns the CPU time the process has used so far, user and
// system, on all threads (the garbage collector's included).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports cpu-ns/op, the CPU time used since since0 per
// iteration. Call it deferred, after the setup: defer reportCPU(b, cpuTime()).
func reportCPU(b *testing.B, since0 time.Duration) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuTime()-since0)/float64(b.N), "cpu-ns/op")
	}
}

// heapPerMember builds a structure from a fresh benchSpec(n) each
// iteration and returns the heap it holds per member, in bytes, the last
// time.
func heapPerMember(b *testing.B, n int, build func(account.Spec) any) float64 {
	var perMember float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		x := build(benchSpec(n))
		runtime.GC()
		runtime.ReadMemStats(&after)
		perMember = float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
		runtime.KeepAlive(x)
	}
	return perMember
}

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

// benchQueries returns nQueries random checks: users of spec and about one in
// ten non-members, actions 0 … 9, three of which are outside the table.
// Each user name is a fresh copy, as a name read from a request would be,
// so that a lookup compares bytes instead of finding the very string it
// stored.
func benchQueries(spec account.Spec) []query {
	r := rand.New(rand.NewPCG(2, uint64(len(spec.Members))))
	qs := make([]query, nQueries)
	for i := range qs {
		u := strings.Clone(spec.Members[r.IntN(len(spec.Members))].User)
		if r.IntN(10) == 0 {
			u = fmt.Sprintf("stranger%06d", r.IntN(len(spec.Members)))
		}
		qs[i] = query{u, permission.Action(r.IntN(10))}
	}
	return qs
}

// baseline returns the cheapest check a service could write by hand: a map
// from user to a bit mask of allowed actions, one lookup and one AND.
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

// BenchmarkReplayIdentityProvider replays identity provider changes, each
// of which decodes its JSON and parses its certificate, beside a baseline
// of permission changes on the same account.
func BenchmarkReplayIdentityProvider(b *testing.B) {
	a := mustNew(b, account.Spec{Name: "acme", Members: []account.Member{
		{User: "ann", Permissions: permission.Manage}, {User: "bob", Permissions: permission.View}}})
	run := func(b *testing.B, step func(tx *account.Tx, i int) error) {
		s := account.NewStore(a)
		var events []account.Event
		s.SetObserver(func(es []account.Event) { events = append(events, es...) })
		for i := range 100 {
			if _, err := s.Update(func(tx *account.Tx) error { return step(tx, i) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			next, err := a.Replay(events)
			if err != nil {
				b.Fatal(err)
			}
			sinkAccount = next
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
	}
	providers := []account.IdentityProvider{
		accounttest.IdentityProvider("idp.example.com", true), accounttest.IdentityProvider("sso.example.org", false)}
	b.Run("set-permissions", func(b *testing.B) { // the baseline
		run(b, func(tx *account.Tx, i int) error {
			return tx.SetPermissions("ann", "bob", permission.Set(1+i%2)) // view, then view,billing
		})
	})
	b.Run("set-identity-provider", func(b *testing.B) {
		run(b, func(tx *account.Tx, i int) error { return tx.SetIdentityProvider("ann", providers[i%2]) })
	})
}
