package compare_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/examples/compare/engines"
	"github.com/entaccess/entaccess/permission"
)

// sink keeps the compiler from dropping the checks being measured.
var sink bool

// A query is one check: a user, who may not be a member, and an action,
// which may be outside the table.
type query struct {
	user string
	act  permission.Action
}

// benchSizes are the account sizes, in members, of BenchmarkCheck.
var benchSizes = []int{1_000, 100_000}

// queryCount is the number of distinct queries a benchmark cycles through:
// enough that at 100k members the users' entries do not stay in cache.
const queryCount = 1 << 16

// A fixture is an account of a given size and the queries asked of it.
type fixture struct {
	spec    account.Spec // as generated; what entaccess is built from
	canon   account.Spec // the Account's canonical Spec; what the peers are built from
	queries []query
}

// newFixture generates an account of n members with random permission sets
// (one team, whose admin is the first member, a full admin), and
// queryCount random queries: 7 in 8 ask about a member, the rest about a
// non-member; 15 in 16 ask about an action of the table, the rest about 0,
// 8 or 255. The same n gives the same fixture.
func newFixture(b *testing.B, n int) fixture {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 2026))
	spec := account.Spec{Name: "acme", Members: make([]account.Member, n)}
	for i := range spec.Members {
		spec.Members[i] = account.Member{
			User:        fmt.Sprintf("user%d@example.com", i),
			Permissions: permission.Set(rng.IntN(int(permission.Admin) + 1)),
		}
	}
	spec.Members[0].Permissions = permission.Admin
	spec.Teams = []account.Team{{Name: "main", Licensed: true, Members: []account.TeamMember{
		{User: spec.Members[0].User, Role: account.RoleAdmin},
	}}}
	acct, err := account.New(spec)
	if err != nil {
		b.Fatalf("account.New: %v", err)
	}
	f := fixture{spec: spec, canon: acct.Spec(), queries: make([]query, queryCount)}
	for i := range f.queries {
		q := &f.queries[i]
		if rng.IntN(8) == 0 {
			q.user = fmt.Sprintf("stranger%d@example.com", rng.IntN(n))
		} else {
			q.user = spec.Members[rng.IntN(n)].User
		}
		if rng.IntN(16) == 0 {
			q.act = []permission.Action{0, 8, 255}[rng.IntN(3)]
		} else {
			q.act = permission.Action(1 + rng.IntN(7))
		}
	}
	return f
}

// mapChecker is the baseline: what a service could write by hand, a bare
// map from user to permission bits and an AND with the action's row.
type mapChecker map[string]uint8

func newMapChecker(spec account.Spec) (engines.Checker, error) {
	m := make(mapChecker, len(spec.Members))
	for _, mem := range spec.Members {
		m[mem.User] = uint8(mem.Permissions)
	}
	return m, nil
}

func (m mapChecker) Can(user string, act permission.Action) bool {
	return m[user]&uint8(act.AllowedBy()) != 0
}

// BenchmarkCheck measures one check in each encoding, and in the map
// baseline, at each size, all in one run: engine=NAME/members=N. Every
// encoding is called through the Checker interface, the baseline too.
// Building the engine's state happens before the b.Loop loop, so it is not
// timed with the checks; its duration is reported as setup-s.
func BenchmarkCheck(b *testing.B) {
	all := append([]engines.Engine{{Name: "map", New: newMapChecker}}, engines.All()...)
	fixtures := map[int]fixture{} // by size, shared by the engines
	for _, e := range all {
		b.Run("engine="+e.Name, func(b *testing.B) {
			for _, n := range benchSizes {
				b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
					f, ok := fixtures[n]
					if !ok {
						f = newFixture(b, n)
						fixtures[n] = f
					}
					in := f.canon
					if e.Name == "entaccess" {
						in = f.spec // entaccess normalises its own input
					}
					start := time.Now()
					c, err := e.New(in)
					if err != nil {
						b.Fatalf("%s: %v", e.Name, err)
					}
					setup := time.Since(start)
					// Collect the setup's garbage now, as the testing package does
					// before every run, so that the checks do not pay for it.
					runtime.GC()

					b.ReportAllocs()
					i := 0
					for b.Loop() {
						q := f.queries[i%queryCount]
						sink = c.Can(q.user, q.act)
						i++
					}
					b.ReportMetric(setup.Seconds(), "setup-s")
				})
			}
		})
	}
}
