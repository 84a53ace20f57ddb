package cow

import (
	"slices"
	"testing"
)

func TestChanged(t *testing.T) {
	w := FromMap(map[string]int{"a": 1, "b": 2, "c": 3})
	w.Share()
	s0 := w
	w.Set("a", 10)
	w.Delete("b")
	w.Share()
	s1 := w
	w.Set("d", 4)
	w.Share()
	s2 := w
	keys, ok := Changed(&s0, &s2)
	slices.Sort(keys)
	if !ok || !slices.Equal(keys, []string{"a", "b", "d"}) {
		t.Fatalf("Changed(s0, s2) = %v, %v; want [a b d], true", keys, ok)
	}
	keys, ok = Changed(&s1, &s2)
	slices.Sort(keys)
	if !ok || !slices.Equal(keys, []string{"a", "b", "d"}) {
		t.Fatalf("Changed(s1, s2) = %v, %v; want the keys of both overlays", keys, ok)
	}
	w.Compact(0)
	w.Share()
	s3 := w
	if keys, ok := Changed(&s2, &s3); ok {
		t.Fatalf("Changed across a compaction = %v, true; want false", keys)
	}
	other := FromMap(map[string]int{"a": 1, "b": 2, "c": 3})
	if _, ok := Changed(&s0, &other); ok {
		t.Fatal("Changed of two maps with equal but distinct bases reported a shared base")
	}
	var z1, z2 Map[string, int]
	if keys, ok := Changed(&z1, &z2); !ok || len(keys) != 0 {
		t.Fatalf("Changed of two empty maps = %v, %v", keys, ok)
	}
}
