package migration_test

import (
	"fmt"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/migration"
)

var (
	sinkDecision migration.Decision
	sinkInt      int
)

// benchOrg returns an organization of n teams of n members each, drawn from
// a pool of users: pool = 4n for "shared" (each user in about n/4 teams, as
// when people work across many teams) or n*n/4 for "spread" (each user in
// about 4 teams). Team and member order is scrambled, so Classify has to
// sort. With universal, user "root" is admin of every team and the outcome
// is Automatic; without, root misses the last team and it is Manual.
func benchOrg(n int, shape string, universal bool) migration.Organization {
	pool := 4 * n
	if shape == "spread" {
		pool = n * n / 4
	}
	users := make([]string, pool)
	for i := range users {
		users[i] = fmt.Sprintf("user-%08d", i)
	}
	roles := []account.Role{account.RoleAdmin, account.RoleMember, account.RoleViewer, account.RoleCollaborator}
	org := migration.Organization{Name: "bench", Teams: make([]account.Team, n)}
	const prime = 7919 // coprime with every pool size used here
	for t := range org.Teams {
		team := account.Team{Name: fmt.Sprintf("team-%06d", (t*prime)%n), Licensed: t == 0}
		team.Members = make([]account.TeamMember, 0, n)
		if universal || t < n-1 {
			team.Members = append(team.Members, account.TeamMember{User: "root", Role: account.RoleAdmin})
		}
		for j := len(team.Members); j < n; j++ {
			u := users[(j*prime+t*n)%pool]
			team.Members = append(team.Members, account.TeamMember{User: u, Role: roles[(t+j)%4]})
		}
		// Rosters in scrambled, not sorted, order.
		for j := range team.Members {
			k := (j * 31) % len(team.Members)
			team.Members[j], team.Members[k] = team.Members[k], team.Members[j]
		}
		org.Teams[t] = team
	}
	return org
}

// cpuTime returns the CPU time the process has used so far, user and
// system, on all threads (the garbage collector's included). On a shared
// machine it is steadier than wall time, which counts time spent waiting
// for a CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// intern is the baseline: the least any classifier must do, one map
// insertion per membership, with the map sized as Classify sizes it.
func intern(org migration.Organization) int {
	roster := 0
	for _, t := range org.Teams {
		roster = max(roster, len(t.Members))
	}
	ids := make(map[string]int32, roster)
	for _, t := range org.Teams {
		for _, m := range t.Members {
			if _, ok := ids[m.User]; !ok {
				ids[m.User] = int32(len(ids))
			}
		}
	}
	return len(ids)
}

// BenchmarkClassify measures Classify per membership at sizes 4× apart
// (n teams × n members for n = 500, 1000, 2000), next to the baseline.
// Run with: go test ./migration -run '^$' -bench Classify -benchmem
func BenchmarkClassify(b *testing.B) {
	for _, shape := range []string{"shared", "spread"} {
		for _, n := range []int{500, 1000, 2000} {
			for _, c := range []struct {
				name      string
				universal bool
				beta      bool
			}{{"baseline", true, false}, {"automatic", true, false}, {"manual", false, false}, {"beta", true, true}} {
				memberships := n * n
				b.Run(fmt.Sprintf("%s/%dx%d/%s", shape, n, n, c.name), func(b *testing.B) {
					// Built here, so that only the input being measured is live.
					org := benchOrg(n, shape, c.universal)
					org.PublicBeta = c.beta
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						if c.name == "baseline" {
							sinkInt = intern(org)
							continue
						}
						d, err := migration.Classify(org)
						if err != nil {
							b.Fatal(err)
						}
						sinkDecision = d
					}
					cpu := cpuTime() - cpu0
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(memberships), "ns/membership")
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(memberships), "cpu-ns/membership")
				})
			}
		}
	}
}

// BenchmarkClassifyGrowth measures how Classify's time grows with its
// input: each iteration classifies an organization of 1,000 teams × 1,000
// members and one of 2,000 × 2,000 (four times the memberships), or 500²
// and 1,000², in an order that alternates, timing each, and it reports
// growth, the median
// over the iterations of the ratio of the two times, and cpu-growth, the
// same for the process's CPU time (see cpuTime). Linear is 4; the goal is
// at most 4.5. Taking the ratio within an iteration keeps a change of
// machine load from showing as growth. The garbage of each call is
// collected, untimed, before the next. Run with -benchtime=3x or more.
func BenchmarkClassifyGrowth(b *testing.B) {
	for _, shape := range []string{"shared", "spread"} {
		for _, c := range []struct {
			name      string
			universal bool
			beta      bool
		}{{"automatic", true, false}, {"manual", false, false}, {"beta", true, true}} {
			for _, pair := range [][2]int{{500, 1000}, {1000, 2000}} {
				b.Run(fmt.Sprintf("%s/%s/%d-%d", shape, c.name, pair[0], pair[1]), func(b *testing.B) {
					var orgs [2]migration.Organization
					for i, n := range pair {
						orgs[i] = benchOrg(n, shape, c.universal)
						orgs[i].PublicBeta = c.beta
					}
					var ratios, cpuRatios []float64
					iter := 0
					b.ReportAllocs()
					for b.Loop() {
						var took, cpu [2]time.Duration
						for k := range 2 {
							i := (k + iter) % 2
							// Collect the garbage of the previous call now, so
							// that neither call pays for the other's.
							b.StopTimer()
							runtime.GC()
							b.StartTimer()
							t0, c0 := time.Now(), cpuTime()
							d, err := migration.Classify(orgs[i])
							took[i], cpu[i] = time.Since(t0), cpuTime()-c0
							if err != nil {
								b.Fatal(err)
							}
							sinkDecision = d
						}
						ratios = append(ratios, float64(took[1])/float64(took[0]))
						cpuRatios = append(cpuRatios, float64(cpu[1])/float64(cpu[0]))
						iter++
					}
					for _, r := range []struct {
						xs   []float64
						unit string
					}{{ratios, "growth"}, {cpuRatios, "cpu-growth"}} {
						slices.Sort(r.xs)
						b.ReportMetric(r.xs[len(r.xs)/2], r.unit)
					}
				})
			}
		}
	}
}
