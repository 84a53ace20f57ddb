package account

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/permission"
)

// A Member is an account member and the permissions they hold. Every member
// holds [permission.View]; [New] and every change add it when missing.
type Member struct {
	User        string         `json:"user"`
	Permissions permission.Set `json:"permissions"`
}

// A TeamMember is a user's role in one team. Team members need not be
// account members: collaborators usually are not.
type TeamMember struct {
	User string `json:"user"`
	Role Role   `json:"role"`
}

// A Team is an Enterprise Team of the account.
type Team struct {
	Name     string       `json:"name"`
	Licensed bool         `json:"licensed"` // the team holds licenses
	Members  []TeamMember `json:"members"`
}

// A Spec is a whole account as plain data: the input of [New] and the output
// of [Account.Spec]. Its JSON form uses the lower-case field names of the
// struct tags; roles are written as names and permission sets as arrays of
// names.
//
// Decoding JSON into a Spec or a Team is strict: an unknown field, a value
// of the wrong JSON type, an unknown role or permission name is an error, a
// [*PathError] naming the entry (teams[1].members[0].role) and wrapping
// [ErrInvalid]. Decoding checks form only; [New] checks meaning.
type Spec struct {
	Name    string   `json:"name"`
	Members []Member `json:"members"`
	Teams   []Team   `json:"teams"`
}

// Clone returns a deep copy of s: changing the copy never changes s. Nil
// and empty lists stay nil and empty.
func (s Spec) Clone() Spec {
	c := Spec{Name: s.Name, Members: slices.Clone(s.Members), Teams: slices.Clone(s.Teams)}
	for i, t := range c.Teams {
		c.Teams[i] = t.Clone()
	}
	return c
}

// Clone returns a deep copy of t. A nil or empty member list stays nil or
// empty.
func (t Team) Clone() Team {
	t.Members = slices.Clone(t.Members)
	return t
}

// UnmarshalJSON decodes a Spec strictly; see [Spec].
func (s *Spec) UnmarshalJSON(data []byte) error {
	var v Spec
	err := decodeObject(data,
		field{"name", func(b []byte) error { return decodeString(b, &v.Name) }},
		field{"members", func(b []byte) error {
			return decodeArray(b, &v.Members, names.MaxMembers, "members", func(b []byte, m *Member) error { return m.decode(b) })
		}},
		field{"teams", func(b []byte) error {
			return decodeArray(b, &v.Teams, names.MaxTeams, "teams", func(b []byte, t *Team) error { return t.decode(b) })
		}},
	)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// UnmarshalJSON decodes a Team strictly; see [Spec].
func (t *Team) UnmarshalJSON(data []byte) error {
	var v Team
	if err := v.decode(data); err != nil {
		return err
	}
	*t = v
	return nil
}

// UnmarshalJSON decodes a Member strictly; see [Spec].
func (m *Member) UnmarshalJSON(data []byte) error {
	var v Member
	if err := v.decode(data); err != nil {
		return err
	}
	*m = v
	return nil
}

// UnmarshalJSON decodes a TeamMember strictly; see [Spec].
func (m *TeamMember) UnmarshalJSON(data []byte) error {
	var v TeamMember
	if err := v.decode(data); err != nil {
		return err
	}
	*m = v
	return nil
}

func (t *Team) decode(data []byte) error {
	return decodeObject(data,
		field{"name", func(b []byte) error { return decodeString(b, &t.Name) }},
		field{"licensed", func(b []byte) error { return decodeBool(b, &t.Licensed) }},
		field{"members", func(b []byte) error {
			return decodeArray(b, &t.Members, names.MaxTeamMembers, "members", func(b []byte, m *TeamMember) error { return m.decode(b) })
		}},
	)
}

func (m *Member) decode(data []byte) error {
	return decodeObject(data,
		field{"user", func(b []byte) error { return decodeString(b, &m.User) }},
		field{"permissions", func(b []byte) error { return decodeSet(b, &m.Permissions) }},
	)
}

// decodeSet decodes a JSON array of permission names, naming a bad entry by
// its index (permissions[1]) rather than as [permission.Set.UnmarshalJSON] does.
func decodeSet(data []byte, dst *permission.Set) error {
	var list []string
	if err := decodeArray(data, &list, permission.Admin.Len(), "permissions", decodeString); err != nil {
		return err
	}
	if list == nil {
		return &PathError{Err: fmt.Errorf("want a JSON array of permission names, got null: %w", ErrInvalid)}
	}
	var set permission.Set
	for i, name := range list {
		p, err := permission.ParseSet(name)
		if err != nil || p.Len() != 1 {
			return &PathError{Path: "[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("unknown permission %q: %w", name, ErrInvalid)}
		}
		if set.Has(p) {
			return &PathError{Path: "[" + strconv.Itoa(i) + "]", Err: fmt.Errorf("permission %q repeated: %w", name, ErrInvalid)}
		}
		set |= p
	}
	*dst = set
	return nil
}

func (m *TeamMember) decode(data []byte) error {
	return decodeObject(data,
		field{"user", func(b []byte) error { return decodeString(b, &m.User) }},
		field{"role", func(b []byte) error {
			var name string
			if err := decodeString(b, &name); err != nil {
				return err
			}
			r, err := parseRole(name)
			m.Role = r
			return err
		}},
	)
}

// A field is one known field of a JSON object and how to decode its value.
type field struct {
	name   string
	decode func([]byte) error
}

// decodeObject decodes a JSON object whose keys must all be among fields.
// A missing field is left alone; an unknown or repeated one is an error
// (encoding/json would keep the last of two values without a word). Each
// error is a *PathError whose path starts at this object.
func decodeObject(data []byte, fields ...field) error {
	raw, err := objectFields(data)
	if err != nil {
		return err
	}
	for _, f := range fields {
		b, ok := raw[f.name]
		if !ok {
			continue
		}
		delete(raw, f.name)
		if err := f.decode(b); err != nil {
			return pathIn(err, f.name)
		}
	}
	if len(raw) > 0 {
		// Name the least unknown field, not one in map order.
		unknown := slices.Min(slices.Collect(maps.Keys(raw)))
		return &PathError{Err: fmt.Errorf("unknown field %q: %w", unknown, ErrInvalid)}
	}
	return nil
}

// objectFields returns the fields of the JSON object data by key, or an
// error if data is not exactly one JSON object or repeats a key.
func objectFields(data []byte) (map[string]json.RawMessage, error) {
	notObject := func() error {
		return &PathError{Err: fmt.Errorf("want a JSON object, got %s: %w", abbrev(data), ErrInvalid)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject()
	}
	raw := make(map[string]json.RawMessage)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, notObject()
		}
		key := tok.(string) // inside an object, Token returns a key or fails
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, notObject()
		}
		if _, dup := raw[key]; dup {
			return nil, &PathError{Err: fmt.Errorf("field %q repeated: %w", key, ErrInvalid)}
		}
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, notObject()
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, notObject()
	}
	return raw, nil
}

// decodeArray decodes a JSON array (or null, for no entries) of at most
// limit elements into *dst, one element at a time, so that an error names
// the element's index. what names the elements in the error for a longer
// array, which comes before any element is decoded.
func decodeArray[E any](data []byte, dst *[]E, limit int, what string, decode func([]byte, *E) error) error {
	if string(data) == "null" {
		*dst = nil
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return &PathError{Err: fmt.Errorf("want a JSON array, got %s: %w", abbrev(data), ErrInvalid)}
	}
	if len(raw) > limit {
		return &PathError{Err: fmt.Errorf("%d %s, more than %d: %w", len(raw), what, limit, ErrInvalid)}
	}
	out := make([]E, len(raw))
	for i, b := range raw {
		if err := decode(b, &out[i]); err != nil {
			return pathIn(err, "["+strconv.Itoa(i)+"]")
		}
	}
	*dst = out
	return nil
}

// decodeString decodes a JSON string whose text is valid UTF-8 and holds no
// lone surrogate escape such as \ud800. encoding/json would replace either
// with U+FFFD, so that "bo\xffb" and "bo\xfeb" became the same user without
// a word; they are errors instead.
func decodeString(data []byte, dst *string) error {
	var s string
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, &s) != nil {
		return &PathError{Err: fmt.Errorf("want a JSON string, got %s: %w", abbrev(data), ErrInvalid)}
	}
	if !utf8.Valid(data) || hasLoneSurrogate(data) {
		return &PathError{Err: fmt.Errorf("%s: not valid UTF-8: %w", quoteShort(data[1:len(data)-1]), ErrInvalid)}
	}
	*dst = s
	return nil
}

// hasLoneSurrogate reports whether the JSON string q, which encoding/json
// has accepted, holds a \u escape of a UTF-16 surrogate that is not half of
// a pair (a high one followed at once by an escaped low one).
func hasLoneSurrogate(q []byte) bool {
	for i := 0; i < len(q); i++ {
		if q[i] != '\\' {
			continue
		}
		i++ // the escaped byte
		if q[i] != 'u' {
			continue
		}
		r := hex4(q[i+1:])
		i += 4
		if r < 0xd800 || r > 0xdfff {
			continue // not a surrogate
		}
		if r > 0xdbff || i+6 >= len(q) || q[i+1] != '\\' || q[i+2] != 'u' || !isLowSurrogate(hex4(q[i+3:])) {
			return true // not a high surrogate followed at once by a low one
		}
		i += 6 // the low surrogate
	}
	return false
}

func isLowSurrogate(r rune) bool { return r >= 0xdc00 && r <= 0xdfff }

// hex4 returns the value of the 4 hexadecimal digits b starts with, which
// encoding/json has checked.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		d := rune(c - '0')
		if c > '9' {
			d = rune((c|0x20)-'a') + 10 // c|0x20 is 'a' to 'f' for either case
		}
		r = r<<4 | d
	}
	return r
}

func decodeBool(data []byte, dst *bool) error {
	switch {
	case bytes.Equal(data, []byte("true")):
		*dst = true
	case bytes.Equal(data, []byte("false")):
		*dst = false
	default:
		return &PathError{Err: fmt.Errorf("want true or false, got %s: %w", abbrev(data), ErrInvalid)}
	}
	return nil
}

// pathIn places err under parent: a *PathError gets the longer path, any
// other error becomes the Err of a *PathError at parent.
func pathIn(err error, parent string) error {
	if pe, ok := err.(*PathError); ok {
		return pe.In(parent)
	}
	return &PathError{Path: parent, Err: err}
}

// quoteShort quotes the JSON string text b, shortened when long, so that
// an error shows invalid bytes as escapes.
func quoteShort(b []byte) string {
	const max = 64
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// abbrev shortens JSON input quoted in an error message.
func abbrev(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
