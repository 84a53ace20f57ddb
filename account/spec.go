package account

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

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

// Clone returns a deep copy of s: changing the copy never changes s.
func (s Spec) Clone() Spec {
	c := Spec{Name: s.Name}
	if s.Members != nil {
		c.Members = append([]Member(nil), s.Members...)
	}
	if s.Teams != nil {
		c.Teams = make([]Team, len(s.Teams))
		for i, t := range s.Teams {
			c.Teams[i] = t.Clone()
		}
	}
	return c
}

// Clone returns a deep copy of t.
func (t Team) Clone() Team {
	if t.Members != nil {
		t.Members = append([]TeamMember(nil), t.Members...)
	}
	return t
}

// UnmarshalJSON decodes a Spec strictly; see [Spec].
func (s *Spec) UnmarshalJSON(data []byte) error {
	var v Spec
	err := decodeObject(data,
		field{"name", func(b []byte) error { return decodeString(b, &v.Name) }},
		field{"members", func(b []byte) error {
			return decodeArray(b, &v.Members, func(b []byte, m *Member) error { return m.decode(b) })
		}},
		field{"teams", func(b []byte) error {
			return decodeArray(b, &v.Teams, func(b []byte, t *Team) error { return t.decode(b) })
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
			return decodeArray(b, &t.Members, func(b []byte, m *TeamMember) error { return m.decode(b) })
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
	var names []string
	if err := decodeArray(data, &names, decodeString); err != nil {
		return err
	}
	if names == nil {
		return &PathError{Err: fmt.Errorf("want a JSON array of permission names, got null: %w", ErrInvalid)}
	}
	var set permission.Set
	for i, name := range names {
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
// Each error is a *PathError whose path starts at this object.
func decodeObject(data []byte, fields ...field) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || raw == nil {
		return &PathError{Err: fmt.Errorf("want a JSON object, got %s: %w", abbrev(data), ErrInvalid)}
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
		// Name the first unknown field in a fixed order, not map order.
		unknown := ""
		for k := range raw {
			if unknown == "" || k < unknown {
				unknown = k
			}
		}
		return &PathError{Err: fmt.Errorf("unknown field %q: %w", unknown, ErrInvalid)}
	}
	return nil
}

// decodeArray decodes a JSON array (or null, for no entries) into *dst,
// one element at a time, so that an error names the element's index.
func decodeArray[E any](data []byte, dst *[]E, decode func([]byte, *E) error) error {
	if string(data) == "null" {
		*dst = nil
		return nil
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return &PathError{Err: fmt.Errorf("want a JSON array, got %s: %w", abbrev(data), ErrInvalid)}
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

func decodeString(data []byte, dst *string) error {
	if len(data) == 0 || data[0] != '"' || json.Unmarshal(data, dst) != nil {
		return &PathError{Err: fmt.Errorf("want a JSON string, got %s: %w", abbrev(data), ErrInvalid)}
	}
	return nil
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

// abbrev shortens JSON input quoted in an error message.
func abbrev(b []byte) string {
	const max = 40
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
