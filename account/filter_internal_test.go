package account

import (
	"fmt"
	"testing"

	"github.com/entaccess/entaccess/permission"
)

// TestFilterSpreads checks that the overlay filter's hash spreads user names
// of common shapes over the filter, so that users outside the overlay skip
// it: a weak hash would not give wrong answers, only slow checks.
func TestFilterSpreads(t *testing.T) {
	for _, pattern := range []string{"user%06d", "u%d", "person.%d@example.com", "%d", "team-member-with-a-long-name-%d"} {
		seen := map[uint64]bool{}
		for i := range 50000 {
			h := filterHash(0x9e3779b9, fmt.Sprintf(pattern, i))
			seen[h&(1<<13-1)] = true
		}
		if len(seen) < 8000 {
			t.Errorf("%q: 50000 names hit %d of 8192 filter bits", pattern, len(seen))
		}
	}
	// A table as a Tx leaves it after adding 390 users, its filter grown
	// step by step.
	m := memberTable{seed: 0x12345}
	for i := range 390 {
		m.set(fmt.Sprintf("new%06d", i), 0, permission.View)
	}
	if words := len(m.filter); words*64 < 16*390 || words*64 >= 2*16*390 {
		t.Errorf("a filter of %d words for 390 entries, want about 16 bits each", words)
	}
	passed := 0
	const n = 100000
	for i := range n {
		h := filterHash(m.seed, fmt.Sprintf("user%06d", i))
		if m.filter[(h>>6)&uint64(len(m.filter)-1)]&(1<<(h&63)) != 0 {
			passed++
		}
	}
	if rate := float64(passed) / n; rate > 0.08 {
		t.Errorf("%.1f%% of users outside the overlay pass its filter, want about 5%%", 100*rate)
	}
	for u := range m.l.diff {
		if m.get(u) != permission.View {
			t.Fatalf("overlay user %q not found through the filter", u)
		}
	}
}
