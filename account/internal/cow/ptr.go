package cow

import (
	"cmp"
	"iter"
)

// A PtrMap is a [Map] of pointers whose values are copied on write too: a
// value that a snapshot may hold is never changed; [PtrMap.Mutable] gives
// the writer a copy of its own to change, once per value until the next
// Share.
//
// The zero PtrMap is empty and ready to use.
type PtrMap[K cmp.Ordered, T any] struct {
	m    Map[K, *T]
	mine map[*T]bool // values made or copied since the last Share, which the writer may change
	// allMine: every value is the writer's to change, until the next Share
	// (see Own).
	allMine bool
}

// FromPtrMap returns a PtrMap holding the entries of base, which must not
// hold nil. The PtrMap keeps base and the values it points to as its own:
// the caller must not change them afterwards.
func FromPtrMap[K cmp.Ordered, T any](base map[K]*T) PtrMap[K, T] {
	return PtrMap[K, T]{m: FromMap(base)}
}

// Get returns the value stored for k and whether there is one. The caller
// must not change it: see [PtrMap.Mutable].
func (p *PtrMap[K, T]) Get(k K) (*T, bool) { return p.m.Get(k) }

// Len returns the number of entries.
func (p *PtrMap[K, T]) Len() int { return p.m.n }

// Overlay returns the number of entries in the overlay, as [Map.Overlay].
func (p *PtrMap[K, T]) Overlay() int { return len(p.m.diff) }

// Set stores v, a value no one else holds, for k. The writer may change v
// until the next Share.
func (p *PtrMap[K, T]) Set(k K, v *T) {
	if p.mine == nil {
		p.mine = make(map[*T]bool)
	}
	p.mine[v] = true
	p.m.Set(k, v)
}

// Delete deletes k, which must be present.
func (p *PtrMap[K, T]) Delete(k K) {
	v, _ := p.m.Get(k)
	p.m.Delete(k)
	delete(p.mine, v)
}

// Mutable returns the value stored for k, which must be present, as the
// writer's own to change: the value itself if the writer made it or copied
// it since the last Share, and otherwise a copy made by clone, stored in
// its place.
func (p *PtrMap[K, T]) Mutable(k K, clone func(*T) *T) *T {
	v, _ := p.m.Get(k)
	if !p.allMine && !p.mine[v] {
		v = clone(v)
		p.Set(k, v)
	}
	return v
}

// Share marks p's maps and values as shared, as [Map.Share]: the writer's
// next change of a value copies it.
func (p *PtrMap[K, T]) Share() {
	p.m.Share()
	p.mine, p.allMine = nil, false
}

// Own makes the base and every value in it the writer's own without
// copying them, as [Map.Own]: Mutable then returns values as they are.
// It is for a writer that made the base and its values itself and has not
// shared them. On a PtrMap with an overlay it does nothing.
func (p *PtrMap[K, T]) Own() {
	p.m.Own()
	if p.m.ownBase {
		p.allMine = true
	}
}

// Compact folds an overlay of more than limit entries into a fresh base, as
// [Map.Compact].
func (p *PtrMap[K, T]) Compact(limit int) { p.m.Compact(limit) }

// Fold makes the base the writer's own, as [Map.Fold].
func (p *PtrMap[K, T]) Fold() { p.m.Fold() }

// All yields each entry, in no particular order.
func (p *PtrMap[K, T]) All() iter.Seq2[K, *T] { return p.m.All() }
