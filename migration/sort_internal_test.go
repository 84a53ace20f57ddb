package migration

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestSortByName checks the prefix-key sort against plain string sorting,
// on names that share long prefixes, differ only after 8 more bytes, hold
// zero bytes, or are prefixes of one another.
func TestSortByName(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		prefix := rapid.SampledFrom([]string{"", "user-", "a-very-long-shared-prefix-"}).Draw(t, "prefix")
		tail := rapid.StringOfN(rapid.SampledFrom([]rune{'a', 'b', 0, 'é', 0x7f}), 0, 12, -1)
		names := rapid.SliceOfN(tail, 0, 30).Draw(t, "tails")
		entries := make([]named, len(names))
		for i, n := range names {
			names[i] = prefix + n
			entries[i] = named{name: names[i], id: int32(i)}
		}
		sortByName(entries)
		got := make([]string, len(entries))
		for i, e := range entries {
			got[i] = e.name
			if names[e.id] != e.name {
				t.Fatalf("entry %d: id %d no longer matches its name %q", i, e.id, e.name)
			}
		}
		want := slices.Clone(names)
		slices.Sort(want)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("sortByName (-want +got):\n%s", diff)
		}
	})
}
