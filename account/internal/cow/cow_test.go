package cow

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// A box is a value a PtrMap points to.
type box struct{ v uint8 }

func (b *box) clone() *box { c := *b; return &c }

// maps3 is one state held in each of the three kinds of map.
type maps3 struct {
	plain    Map[string, uint8]
	filtered FilteredMap
	ptrs     PtrMap[string, box]
}

// snapshot is a copy of the maps, shared, and of the model when it was made.
type snapshot struct {
	maps3
	want map[string]uint8
}

// machine changes the three maps alike, and a plain map as their model,
// sharing snapshots along the way, as an account's Tx does.
type machine struct {
	maps3
	model map[string]uint8
	snaps []snapshot
}

func (m *machine) key(t *rapid.T) string {
	return "k" + strconv.Itoa(rapid.IntRange(0, 40).Draw(t, "key"))
}

func (m *machine) set(t *rapid.T) {
	k, v := m.key(t), uint8(rapid.IntRange(1, 255).Draw(t, "value"))
	m.plain.Set(k, v)
	m.filtered.Set(k, v)
	if _, ok := m.ptrs.Get(k); ok {
		m.ptrs.Mutable(k, (*box).clone).v = v
	} else {
		m.ptrs.Set(k, &box{v})
	}
	m.model[k] = v
}

func (m *machine) del(t *rapid.T) {
	if len(m.model) == 0 {
		t.Skip("empty")
	}
	k := rapid.SampledFrom(slices.Sorted(maps.Keys(m.model))).Draw(t, "present key")
	m.plain.Delete(k)
	m.filtered.Delete(k)
	m.ptrs.Delete(k)
	delete(m.model, k)
}

// share publishes a snapshot: the maps as they are, shared.
func (m *machine) share(t *rapid.T) {
	m.plain.Share()
	m.filtered.Share()
	m.ptrs.Share()
	m.snaps = append(m.snaps, snapshot{m.maps3, maps.Clone(m.model)})
}

func (m *machine) compact(t *rapid.T) {
	limit := rapid.IntRange(0, 8).Draw(t, "limit")
	m.plain.Compact(limit)
	m.filtered.Compact(limit)
	m.ptrs.Compact(limit)
}

func (m *machine) fold(t *rapid.T) {
	m.plain.Fold()
	m.filtered.Fold()
	m.ptrs.Fold()
}

// own makes the bases the writer's own, in place: only while no snapshot
// was shared, so that none holds them.
func (m *machine) own(t *rapid.T) {
	if len(m.snaps) > 0 {
		t.Skip("a snapshot holds the bases")
	}
	m.plain.Own()
	m.filtered.Own()
	m.ptrs.Own()
}

// check checks every lookup of the writer's maps and of every snapshot
// against its model, and the filter's own invariants.
func (m *machine) check(t *rapid.T) {
	checkMaps(t, "writer", &m.maps3, m.model)
	for i := range m.snaps {
		checkMaps(t, "snapshot "+strconv.Itoa(i), &m.snaps[i].maps3, m.snaps[i].want)
	}
}

func checkMaps(t *rapid.T, name string, ms *maps3, want map[string]uint8) {
	t.Helper()
	got := map[string]map[string]uint8{"Map": {}, "FilteredMap": {}, "PtrMap": {}}
	for k, v := range ms.plain.All() {
		got["Map"][k] = v
	}
	for k, v := range ms.filtered.All() {
		got["FilteredMap"][k] = v
	}
	for k, v := range ms.ptrs.All() {
		got["PtrMap"][k] = v.v
	}
	for kind, m := range got {
		if diff := cmp.Diff(want, m); diff != "" {
			t.Fatalf("%s: %s.All (-want +got):\n%s", name, kind, diff)
		}
	}
	lens := []int{ms.plain.Len(), ms.filtered.Len(), ms.ptrs.Len()}
	if lens[0] != len(want) || lens[1] != len(want) || lens[2] != len(want) {
		t.Fatalf("%s: Len of Map, FilteredMap, PtrMap = %v, want %d", name, lens, len(want))
	}
	if keys := ms.plain.SortedKeys(); !slices.Equal(keys, slices.Sorted(maps.Keys(want))) {
		t.Fatalf("%s: SortedKeys = %q", name, keys)
	}
	for i := range 42 { // every key drawn, and one never drawn
		k := "k" + strconv.Itoa(i)
		v, ok := ms.plain.Get(k)
		p, pok := ms.ptrs.Get(k)
		f := ms.filtered.Get(k)
		if wv, wok := want[k]; v != wv || ok != wok || f != wv || pok != wok || (pok && p.v != wv) {
			t.Fatalf("%s: Get(%q) = %d %t (Map), %d (FilteredMap), %v %t (PtrMap); want %d %t", name, k, v, ok, f, p, pok, wv, wok)
		}
	}
	f := &ms.filtered
	if f.filter == nil && f.Overlay() != 0 {
		t.Fatalf("%s: no filter over an overlay of %d", name, f.Overlay())
	}
	for k := range f.m.diff {
		if h := hash(f.seed, k); f.filter[(h>>6)&uint64(len(f.filter)-1)]&(1<<(h&63)) == 0 {
			t.Fatalf("%s: key %q of the overlay does not pass the filter", name, k)
		}
	}
}

// TestMaps runs the three maps through every sequence of changes, shares,
// compactions, folds and owning: each reads as the model does, and no snapshot
// changes after it was shared.
func TestMaps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := &machine{model: map[string]uint8{}}
		if rapid.Bool().Draw(t, "from a base") {
			base, fbase, pbase := map[string]uint8{}, map[string]uint8{}, map[string]*box{}
			for i := range rapid.IntRange(0, 30).Draw(t, "base size") {
				k, v := "k"+strconv.Itoa(i), uint8(1+i)
				base[k], fbase[k], pbase[k], m.model[k] = v, v, &box{v}, v
			}
			m.maps3 = maps3{FromMap(base), FromFilteredMap(fbase), FromPtrMap(pbase)}
		}
		t.Repeat(map[string]func(*rapid.T){
			"set":     m.set,
			"delete":  m.del,
			"share":   m.share,
			"compact": m.compact,
			"fold":    m.fold,
			"own":     m.own,
			"":        m.check,
		})
	})
}

// TestHashSpreads checks that the filter's hash spreads keys of common
// shapes over the filter, so that keys outside the overlay skip it: a weak
// hash would not give wrong answers, only slow lookups.
func TestHashSpreads(t *testing.T) {
	for _, pattern := range []string{"user%06d", "u%d", "person.%d@example.com", "%d", "team-member-with-a-long-name-%d"} {
		seen := map[uint64]bool{}
		for i := range 50000 {
			h := hash(0x9e3779b9, fmt.Sprintf(pattern, i))
			seen[h&(1<<13-1)] = true
		}
		if len(seen) < 8000 {
			t.Errorf("%q: 50000 keys hit %d of 8192 filter bits", pattern, len(seen))
		}
	}
}

// TestFilterSize checks the filter of a map as a writer leaves it after
// setting 390 keys, its filter grown step by step: about 16 bits per
// entry, so that about one key in 16 outside the overlay passes it.
func TestFilterSize(t *testing.T) {
	var f FilteredMap
	for i := range 390 {
		f.Set(fmt.Sprintf("new%06d", i), 1)
	}
	if words := len(f.filter); words*64 < 16*390 || words*64 >= 2*16*390 {
		t.Errorf("a filter of %d words for 390 entries, want about 16 bits each", words)
	}
	passed := 0
	const n = 100000
	for i := range n {
		h := hash(f.seed, fmt.Sprintf("user%06d", i))
		if f.filter[(h>>6)&uint64(len(f.filter)-1)]&(1<<(h&63)) != 0 {
			passed++
		}
	}
	if rate := float64(passed) / n; rate > 0.08 {
		t.Errorf("%.1f%% of keys outside the overlay pass its filter, want about 5%%", 100*rate)
	}
}
