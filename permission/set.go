package permission

import (
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error this package returns for malformed
// input: unknown or repeated names, bits outside the table, wrong JSON types.
var ErrInvalid = errors.New("invalid")

// A Set is a set of Enterprise Account permissions. The zero value is the
// empty set, which allows nothing.
//
// The bit values are stable: they may be stored and compared across
// versions. Bits above [Create] are not permissions; a Set holding them is
// not [Set.Valid], allows nothing through them, and does not parse back.
type Set uint8

// The four permissions, in table order. Their values are stable.
const (
	View    Set = 1 << iota // view the teams one has a role in, and the Access tab
	Billing                 // the Usage tab and usage exports
	Manage                  // manage teams and users, the Settings tab
	Create                  // create, rename and delete teams

	// Admin is the account "admin" role: all four permissions.
	Admin = View | Billing | Manage | Create
)

// permNames is indexed by bit position.
var permNames = [...]string{"view", "billing", "manage", "create"}

// Permissions returns the four permissions in table order, as a fresh slice.
func Permissions() []Set { return []Set{View, Billing, Manage, Create} }

// Has reports whether s holds every permission in p. Every set has the
// empty set.
func (s Set) Has(p Set) bool { return s&p == p }

// Valid reports whether s holds only the four permissions of the table.
func (s Set) Valid() bool { return s&^Admin == 0 }

// Len returns the number of permissions in s, counting only the four of the table.
func (s Set) Len() int {
	return bits.OnesCount8(uint8(s & Admin))
}

// All yields each permission of the table that s holds, as a single-permission
// Set, in table order. Bits outside the table are not yielded.
func (s Set) All() iter.Seq[Set] {
	return func(yield func(Set) bool) {
		for i := range permNames {
			p := Set(1) << i
			if s&p != 0 && !yield(p) {
				return
			}
		}
	}
}

// String returns the canonical form of s: the names of its permissions in
// table order, joined by commas, such as "view,billing". The empty set is "".
// Bits outside the table are appended as "set(0x30)", which ParseSet rejects.
func (s Set) String() string {
	switch s {
	case View, Billing, Manage, Create:
		return permNames[bitIndex(s)]
	case 0:
		return ""
	}
	return string(s.appendText(nil))
}

// bitIndex returns the position of the single bit set in p (View, Billing, Manage or Create).
func bitIndex(p Set) int {
	switch p {
	case View:
		return 0
	case Billing:
		return 1
	case Manage:
		return 2
	}
	return 3
}

// AppendText appends the canonical form of s (see [Set.String]) to b.
// It never fails; the error is always nil.
func (s Set) AppendText(b []byte) ([]byte, error) { return s.appendText(b), nil }

func (s Set) appendText(b []byte) []byte {
	first := true
	for p := range s.All() {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, permNames[bitIndex(p)]...)
	}
	if extra := s &^ Admin; extra != 0 {
		if !first {
			b = append(b, ',')
		}
		b = append(b, "set(0x"...)
		b = strconv.AppendUint(b, uint64(extra), 16)
		b = append(b, ')')
	}
	return b
}

// MarshalText implements [encoding.TextMarshaler] with the canonical form.
// A set holding bits outside the table is an error.
func (s Set) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("permission: marshal set %s: bits outside the table: %w", s, ErrInvalid)
	}
	return s.appendText(nil), nil
}

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseSet].
func (s *Set) UnmarshalText(text []byte) error {
	v, err := ParseSet(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSet parses the canonical form written by [Set.String]: permission
// names separated by commas, in any order, without spaces. The empty string
// is the empty set. An unknown, empty or repeated name is an error wrapping
// [ErrInvalid]. "admin" is not a permission name: the admin role is the set
// [Admin], written "view,billing,manage,create", and the error says so.
func ParseSet(text string) (Set, error) {
	var s Set
	if text == "" {
		return 0, nil
	}
	rest := text
	for i := 0; ; i++ {
		name, tail, more := strings.Cut(rest, ",")
		p, err := parsePermission(name)
		if err != nil {
			return 0, fmt.Errorf("permission: parse set %q: entry %d: %w", text, i, err)
		}
		if s.Has(p) {
			return 0, fmt.Errorf("permission: parse set %q: entry %d: %q repeated: %w", text, i, name, ErrInvalid)
		}
		s |= p
		if !more {
			return s, nil
		}
		rest = tail
	}
}

// parsePermission returns the single permission named name.
func parsePermission(name string) (Set, error) {
	for i, n := range permNames {
		if n == name {
			return Set(1) << i, nil
		}
	}
	if name == "" {
		return 0, fmt.Errorf("empty permission name: %w", ErrInvalid)
	}
	if strings.EqualFold(name, "admin") {
		return 0, fmt.Errorf("unknown permission %q (the admin role is %s): %w", name, Admin, ErrInvalid)
	}
	return 0, fmt.Errorf("unknown permission %q: %w", name, ErrInvalid)
}

// MustParseSet is like [ParseSet] but panics on error. It is meant for
// constants in tests and examples, never for input.
func MustParseSet(text string) Set {
	s, err := ParseSet(text)
	if err != nil {
		panic(err)
	}
	return s
}

// MarshalJSON writes s as a JSON array of permission names in table order,
// such as ["view","manage"]. The empty set is []. A set holding bits outside
// the table is an error.
func (s Set) MarshalJSON() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("permission: marshal set %s: bits outside the table: %w", s, ErrInvalid)
	}
	b := append(make([]byte, 0, 40), '[')
	first := true
	for p := range s.All() {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, permNames[bitIndex(p)]...)
		b = append(b, '"')
	}
	return append(b, ']'), nil
}

// UnmarshalJSON reads a JSON array of permission names. Anything else (null,
// a string, numbers, an unknown or repeated name) is an error wrapping
// [ErrInvalid], and s is left unchanged. The admin role is written out as
// ["view","billing","manage","create"]; ["admin"] is an error that says so.
func (s *Set) UnmarshalJSON(data []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return fmt.Errorf("permission: set must be a JSON array of permission names, got %s: %w", abbrev(data), ErrInvalid)
	}
	var v Set
	for i, r := range raw {
		var name string
		if len(r) == 0 || r[0] != '"' || json.Unmarshal(r, &name) != nil {
			return fmt.Errorf("permission: set[%d]: want a permission name, got %s: %w", i, abbrev(r), ErrInvalid)
		}
		p, err := parsePermission(name)
		if err != nil {
			return fmt.Errorf("permission: set[%d]: %w", i, err)
		}
		if v.Has(p) {
			return fmt.Errorf("permission: set[%d]: %q repeated: %w", i, name, ErrInvalid)
		}
		v |= p
	}
	*s = v
	return nil
}

// abbrev shortens JSON input for an error message.
func abbrev(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
