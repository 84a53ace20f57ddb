package cow

import (
	"cmp"
	"iter"
	"maps"
	"slices"
)

// A Map is a copy-on-write map from K to V: a base shared, never changed,
// by the snapshots made from it, and an overlay of the entries changed since
// that base. The zero V marks a deleted entry in the overlay, so a Map never
// stores the zero V.
//
// A Map is a value: copying it makes a snapshot, which shares its maps with
// the original. Call [Map.Share] on the writer's Map before copying it; the
// writer's next change then copies the overlay (not the base), so that the
// copy never changes. The zero Map is empty and ready to use.
type Map[K cmp.Ordered, V comparable] struct {
	base    map[K]V
	diff    map[K]V
	n       int  // live entries
	own     bool // diff is the writer's own copy, which Set and Delete may change
	ownBase bool // base is the writer's own copy and diff is empty: Set and Delete change base
}

// FromMap returns a Map holding the entries of base, which must not hold the
// zero V. The Map keeps base as its own: the caller must not change it
// afterwards.
func FromMap[K cmp.Ordered, V comparable](base map[K]V) Map[K, V] {
	return Map[K, V]{base: base, n: len(base)}
}

// Len returns the number of entries.
func (m *Map[K, V]) Len() int { return m.n }

// Overlay returns the number of entries in the overlay: changed since the
// base was made, deletions included.
func (m *Map[K, V]) Overlay() int { return len(m.diff) }

// Get returns the value stored for k and whether there is one.
func (m *Map[K, V]) Get(k K) (V, bool) {
	if len(m.diff) != 0 {
		if v, ok := m.diff[k]; ok {
			var zero V
			return v, v != zero
		}
	}
	v, ok := m.base[k]
	return v, ok
}

// Set stores v, which must not be the zero V, for k.
func (m *Map[K, V]) Set(k K, v V) {
	if m.ownBase {
		m.base[k] = v
		m.n = len(m.base)
		return
	}
	m.owned()
	if _, ok := m.Get(k); !ok {
		m.n++
	}
	if bv, ok := m.base[k]; ok && bv == v {
		delete(m.diff, k)
		return
	}
	m.diff[k] = v
}

// Delete deletes k, which must be present.
func (m *Map[K, V]) Delete(k K) {
	if m.ownBase {
		delete(m.base, k)
		m.n = len(m.base)
		return
	}
	m.owned()
	m.n--
	if _, ok := m.base[k]; ok {
		var zero V
		m.diff[k] = zero
		return
	}
	delete(m.diff, k)
}

// owned makes the overlay the writer's own copy, if it is not yet, and
// reports whether it copied.
func (m *Map[K, V]) owned() bool {
	if m.own || m.ownBase {
		return false
	}
	m.diff = maps.Clone(m.diff)
	if m.diff == nil {
		m.diff = make(map[K]V)
	}
	m.own = true
	return true
}

// Share marks m's maps as shared with a snapshot, a copy of m: m's next
// change copies the overlay first, and none changes the base.
func (m *Map[K, V]) Share() { m.own, m.ownBase = false, false }

// Own makes the base the writer's own without copying it, as if folded:
// Set and Delete change it in place until the next Share. It is for a
// writer that made the base itself and has not shared it, so that no
// snapshot holds it. On a Map with an overlay it does nothing.
func (m *Map[K, V]) Own() {
	if len(m.diff) == 0 {
		if m.base == nil {
			m.base = make(map[K]V)
		}
		m.diff, m.own, m.ownBase = nil, false, true
	}
}

// Compact folds an overlay of more than limit entries into a fresh base,
// which costs a copy of the base.
func (m *Map[K, V]) Compact(limit int) {
	if len(m.diff) <= limit {
		return
	}
	m.base, m.diff, m.own = m.merged(), nil, false
}

// Fold makes the base the writer's own: a copy, with the overlay folded in,
// which Set and Delete change in place, with no overlay, until the next
// Share. It costs one copy of the base, as Compact does, and then changes
// and lookups cost what they cost in a plain map.
func (m *Map[K, V]) Fold() {
	if m.ownBase {
		return
	}
	m.base, m.diff, m.own, m.ownBase = m.merged(), nil, false, true
}

// merged returns a fresh map of the live entries: base with diff applied.
func (m *Map[K, V]) merged() map[K]V {
	var zero V
	base := maps.Clone(m.base)
	if base == nil {
		base = make(map[K]V, len(m.diff))
	}
	for k, v := range m.diff {
		if v == zero {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return base
}

// All yields each entry, in no particular order.
func (m *Map[K, V]) All() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		var zero V
		for k, v := range m.base {
			if len(m.diff) != 0 {
				if _, ok := m.diff[k]; ok {
					continue
				}
			}
			if !yield(k, v) {
				return
			}
		}
		for k, v := range m.diff {
			if v != zero && !yield(k, v) {
				return
			}
		}
	}
}

// SortedKeys returns the keys in ascending order.
func (m *Map[K, V]) SortedKeys() []K {
	keys := make([]K, 0, m.n)
	for k := range m.All() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
