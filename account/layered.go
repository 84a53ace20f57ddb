package account

import (
	"cmp"
	"maps"
	"slices"
)

// A layered map is the storage of one snapshot: a base map shared, never
// changed, by many snapshots, and a small diff of the entries changed since
// that base. A zero V in diff means the key was deleted. A snapshot's layered
// map is never written after it is published: set and del first copy the
// diff for the writer (copy-on-write), once until [layered.share] hands it
// to a snapshot.
//
// Lookups check diff first, and only when it is not empty. When diff grows
// past a threshold, [layered.compact] folds it into a fresh base, so the
// cost of a change stays small and the cost of copying the base is
// amortised over many changes.
//
// A writer that makes many changes before publishing, such as a replay of
// many events, calls [layered.fold] instead: the base becomes its own copy,
// with diff folded in, and set and del write that copy in place until the
// next share.
type layered[K cmp.Ordered, V comparable] struct {
	base    map[K]V
	diff    map[K]V
	n       int  // live entries
	own     bool // diff is the writer's own copy, which set and del may change
	ownBase bool // base is the writer's own copy and diff is empty: set and del change base
}

// get returns the value stored for k, if any.
func (l *layered[K, V]) get(k K) (V, bool) {
	if len(l.diff) != 0 {
		if v, ok := l.diff[k]; ok {
			var zero V
			return v, v != zero
		}
	}
	v, ok := l.base[k]
	return v, ok
}

// owned makes l's diff the writer's own copy, if it is not yet, and
// reports whether it copied.
func (l *layered[K, V]) owned() bool {
	if l.own || l.ownBase {
		return false
	}
	l.diff = maps.Clone(l.diff)
	if l.diff == nil {
		l.diff = make(map[K]V)
	}
	l.own = true
	return true
}

// share marks l's maps as shared with a snapshot: the next set or del
// copies the diff first, and none changes the base.
func (l *layered[K, V]) share() { l.own, l.ownBase = false, false }

// set stores v (not the zero V) for k.
func (l *layered[K, V]) set(k K, v V) {
	if l.ownBase {
		if _, ok := l.base[k]; !ok {
			l.n++
		}
		l.base[k] = v
		return
	}
	l.owned()
	if _, ok := l.get(k); !ok {
		l.n++
	}
	if bv, ok := l.base[k]; ok && bv == v {
		delete(l.diff, k)
		return
	}
	l.diff[k] = v
}

// del deletes k, which must be present.
func (l *layered[K, V]) del(k K) {
	if l.ownBase {
		delete(l.base, k)
		l.n--
		return
	}
	l.owned()
	l.n--
	if _, ok := l.base[k]; ok {
		var zero V
		l.diff[k] = zero
		return
	}
	delete(l.diff, k)
}

// compact folds the diff into a fresh base if it has more than limit entries.
func (l *layered[K, V]) compact(limit int) {
	if len(l.diff) <= limit {
		return
	}
	l.base, l.diff, l.own = l.merged(), nil, false
}

// fold makes the base the writer's own: a copy with diff folded in, which
// set and del change in place, with no diff, until the next share. It
// costs one copy of the base, as [layered.compact] does.
func (l *layered[K, V]) fold() {
	if l.ownBase {
		return
	}
	l.base, l.diff, l.own, l.ownBase = l.merged(), nil, false, true
}

// merged returns a fresh map of the live entries: base with diff applied.
func (l *layered[K, V]) merged() map[K]V {
	var zero V
	base := maps.Clone(l.base)
	if base == nil {
		base = make(map[K]V, len(l.diff))
	}
	for k, v := range l.diff {
		if v == zero {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	return base
}

// all calls yield for each live entry, in no particular order, until yield
// returns false.
func (l *layered[K, V]) all(yield func(K, V) bool) {
	var zero V
	for k, v := range l.base {
		if len(l.diff) != 0 {
			if _, ok := l.diff[k]; ok {
				continue
			}
		}
		if !yield(k, v) {
			return
		}
	}
	for k, v := range l.diff {
		if v != zero && !yield(k, v) {
			return
		}
	}
}

// sortedKeys returns the live keys in ascending order.
func (l *layered[K, V]) sortedKeys() []K {
	keys := make([]K, 0, l.n)
	for k := range l.all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
