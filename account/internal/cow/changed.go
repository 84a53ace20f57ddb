package cow

import (
	"cmp"
	"reflect"
)

// Changed returns the keys whose entries may differ between a and b, two
// snapshots of one map (copies of it made after Share), when they share a
// base: the keys of both overlays, each once, in no particular order. It
// reports false when their bases differ (one of them was compacted or
// folded since the other was made, or they come from different maps), and
// then any key may differ. Its cost follows the overlays, not the map.
//
// It relies on what makes snapshots safe: a base, once shared, is never
// changed, so a key in neither overlay has the base's entry in both.
func Changed[K cmp.Ordered, V comparable](a, b *Map[K, V]) ([]K, bool) {
	if a.ownBase || b.ownBase || !sameMap(a.base, b.base) {
		return nil, false
	}
	keys := make([]K, 0, len(a.diff)+len(b.diff))
	for k := range a.diff {
		keys = append(keys, k)
	}
	for k := range b.diff {
		if _, ok := a.diff[k]; !ok {
			keys = append(keys, k)
		}
	}
	return keys, true
}

// sameMap reports whether x and y are the same map (or both nil).
func sameMap[K comparable, V any](x, y map[K]V) bool {
	return reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
}

// Changed is [Changed] for two snapshots of a FilteredMap.
func (f *FilteredMap) Changed(g *FilteredMap) ([]string, bool) { return Changed(&f.m, &g.m) }

// Changed is [Changed] for two snapshots of a PtrMap: a key whose value was
// copied on write counts as changed, whether or not the copy was changed.
func (p *PtrMap[K, T]) Changed(q *PtrMap[K, T]) ([]K, bool) { return Changed(&p.m, &q.m) }
