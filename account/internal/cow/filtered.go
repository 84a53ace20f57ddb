package cow

import (
	"iter"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// A FilteredMap is a [Map] from strings to nonzero bytes, such as sets of
// up to eight flags, with a filter over its overlay: a bit set for the hash
// of each key in the overlay, so that a lookup of a key outside the overlay
// skips it about fifteen times in sixteen. A lookup on a FilteredMap with
// no overlay is one map lookup. The filter is always right: Set and Delete
// update it as they write, and it is copied with the overlay.
//
// It is not generic so that Get, the hot path of every check, compiles to
// a plain map lookup that callers in other packages inline.
//
// The zero FilteredMap is empty and ready to use.
type FilteredMap struct {
	m Map[string, uint8]
	// filter has a bit set for the hash of each key in m.diff (and maybe
	// for keys no longer there). It is nil only while m.diff is empty. Its
	// length is a power of two, for the mask.
	filter []uint64
	seed   uint64 // of the filter's hash, drawn afresh for each new filter
}

// FromFilteredMap returns a FilteredMap holding the entries of base, which
// must not hold 0. The FilteredMap keeps base as its own: the caller must
// not change it afterwards.
func FromFilteredMap(base map[string]uint8) FilteredMap {
	return FilteredMap{m: FromMap(base)}
}

// Get returns the value stored for k, or 0 if there is none.
func (f *FilteredMap) Get(k string) uint8 {
	if f.filter == nil {
		return f.m.base[k]
	}
	return f.getOverlay(k)
}

// getOverlay is Get for a map with an overlay.
func (f *FilteredMap) getOverlay(k string) uint8 {
	h := hash(f.seed, k)
	if f.filter[(h>>6)&uint64(len(f.filter)-1)]&(1<<(h&63)) != 0 {
		if v, ok := f.m.diff[k]; ok {
			return v
		}
	}
	return f.m.base[k]
}

// Len returns the number of entries.
func (f *FilteredMap) Len() int { return f.m.n }

// Overlay returns the number of entries in the overlay, as [Map.Overlay].
func (f *FilteredMap) Overlay() int { return len(f.m.diff) }

// Set stores v, which must not be 0, for k.
func (f *FilteredMap) Set(k string, v uint8) {
	if f.m.ownBase {
		f.m.base[k] = v
		f.m.n = len(f.m.base)
		return
	}
	f.owned()
	f.m.Set(k, v)
	f.mark(k)
}

// Delete deletes k, which must be present.
func (f *FilteredMap) Delete(k string) {
	f.owned()
	f.m.Delete(k)
	f.mark(k)
}

// owned makes the overlay and the filter the writer's own copies.
func (f *FilteredMap) owned() {
	if f.m.owned() {
		f.filter = slices.Clone(f.filter)
	}
}

// mark sets k's bit in the filter, after k's entry in the overlay changed.
// About 16 bits per entry, so that a key outside the overlay passes the
// filter about one time in 16: when the overlay outgrows the filter, mark
// makes a fresh one twice the size, with a fresh seed.
func (f *FilteredMap) mark(k string) {
	n := len(f.m.diff)
	if n == 0 {
		return
	}
	if len(f.filter)*64 < 16*n {
		words := max(1, len(f.filter))
		for words*64 < 16*n {
			words *= 2
		}
		f.filter, f.seed = make([]uint64, words), rand.Uint64()
		for k := range f.m.diff {
			f.setBit(k)
		}
		return
	}
	f.setBit(k)
}

func (f *FilteredMap) setBit(k string) {
	h := hash(f.seed, k)
	f.filter[(h>>6)&uint64(len(f.filter)-1)] |= 1 << (h & 63)
}

// Share marks f's maps as shared, as [Map.Share].
func (f *FilteredMap) Share() { f.m.Share() }

// Compact folds an overlay of more than limit entries into a fresh base, as
// [Map.Compact], and drops the filter of an empty overlay.
func (f *FilteredMap) Compact(limit int) {
	f.m.Compact(limit)
	if len(f.m.diff) == 0 {
		f.filter = nil
	}
}

// Fold makes the base the writer's own, with the overlay folded in, as
// [Map.Fold], and drops the filter, which has no overlay to cover.
func (f *FilteredMap) Fold() {
	f.m.Fold()
	f.filter = nil
}

// Own makes the base the writer's own without copying it, as [Map.Own].
func (f *FilteredMap) Own() {
	f.m.Own()
	if f.m.ownBase {
		f.filter = nil
	}
}

// All yields each entry, in no particular order.
func (f *FilteredMap) All() iter.Seq2[string, uint8] { return f.m.All() }

// SortedKeys returns the keys in ascending order.
func (f *FilteredMap) SortedKeys() []string { return f.m.SortedKeys() }

// hash hashes s for the filter. It reads at most 24 bytes of s, so it costs
// a fraction of a map lookup; keys that it cannot tell apart only cost an
// extra lookup in the overlay, never a wrong answer.
func hash(seed uint64, s string) uint64 {
	const k0, k1 = 0xa0761d6478bd642f, 0xe7037ed1a0b428db // odd constants with mixed bits
	n := len(s)
	var x, y uint64
	if n >= 8 {
		x, y = load64(s), load64(s[n-8:])
		if n > 16 {
			hi, lo := bits.Mul64(x^k1, load64(s[n/2-4:])^seed)
			x = hi ^ lo
		}
	} else {
		for i := range n {
			x |= uint64(s[i]) << (8 * i)
		}
	}
	hi, lo := bits.Mul64(x^seed^k0, y^uint64(n)^k1)
	return hi ^ lo
}

// load64 returns the first 8 bytes of s as a little-endian number.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
