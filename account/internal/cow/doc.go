// Package cow holds the copy-on-write maps that account snapshots are
// stored in. A writer changes a map while the snapshots it published
// earlier keep reading theirs, unchanged, and sharing most of their memory.
//
// Each map is a base, shared by many snapshots and never changed once
// shared, and a small overlay of the entries changed since that base. The
// writer's first change after [Map.Share] copies the overlay, never the
// base; [Map.Compact] folds an overlay that grew past a limit into a fresh
// base, so that a change costs the copy of a few entries, amortised, and a
// lookup costs one or two map lookups. A writer that makes many changes
// before it shares, such as the replay of a log, calls [Map.Fold] to change
// a base of its own in place.
//
// [FilteredMap] adds, over its overlay, a filter that lets most lookups of
// keys outside the overlay skip it; [PtrMap] stores pointers and copies the
// values they point to on write too. None of them is safe for concurrent
// writes: one writer, holding the map, changes it; readers read only maps
// that were shared.
package cow
