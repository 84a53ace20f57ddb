package account

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/entaccess/entaccess/internal/names"
	"github.com/entaccess/entaccess/internal/strictjson"
	"github.com/entaccess/entaccess/permission"
)

// A Member is an account member and the permissions they hold. Every member
// holds [permission.View]; [New] and every change add it when missing.
type Member struct {
	User        string         `json:"user"`
	Permissions permission.Set `json:"permissions"`
}

// A TeamMember is a user's role in one team. The admin, member and viewer
// roles are held only by account members; a collaborator need not be one.
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
//
// IdentityProvider is nil for an account without single sign-on, and then
// absent from the JSON form; decoding also reads null as absent.
type Spec struct {
	Name             string            `json:"name"`
	Members          []Member          `json:"members"`
	Teams            []Team            `json:"teams"`
	IdentityProvider *IdentityProvider `json:"identity_provider,omitempty"`
}

// Clone returns a deep copy of s: changing the copy never changes s. Nil
// and empty lists stay nil and empty.
func (s Spec) Clone() Spec {
	c := Spec{Name: s.Name, Members: slices.Clone(s.Members), Teams: slices.Clone(s.Teams)}
	for i, t := range c.Teams {
		c.Teams[i] = t.Clone()
	}
	if s.IdentityProvider != nil {
		p := *s.IdentityProvider
		c.IdentityProvider = &p
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
		strictjson.Field{Name: "name", Decode: func(b []byte) error { return decodeString(b, &v.Name) }},
		strictjson.Field{Name: "members", Decode: func(b []byte) error {
			return decodeArray(b, &v.Members, names.MaxMembers, "members", func(b []byte, m *Member) error { return m.decode(b) })
		}},
		strictjson.Field{Name: "teams", Decode: func(b []byte) error {
			return decodeArray(b, &v.Teams, names.MaxTeams, "teams", func(b []byte, t *Team) error { return t.decode(b) })
		}},
		strictjson.Field{Name: "identity_provider", Decode: func(b []byte) error {
			if string(b) == "null" {
				return nil
			}
			var p IdentityProvider
			if err := p.decode(b); err != nil {
				return err
			}
			v.IdentityProvider = &p
			return nil
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
		strictjson.Field{Name: "name", Decode: func(b []byte) error { return decodeString(b, &t.Name) }},
		strictjson.Field{Name: "licensed", Decode: func(b []byte) error { return decodeBool(b, &t.Licensed) }},
		strictjson.Field{Name: "members", Decode: func(b []byte) error {
			return decodeArray(b, &t.Members, names.MaxTeamMembers, "members", func(b []byte, m *TeamMember) error { return m.decode(b) })
		}},
	)
}

func (m *Member) decode(data []byte) error {
	return decodeObject(data,
		strictjson.Field{Name: "user", Decode: func(b []byte) error { return decodeString(b, &m.User) }},
		strictjson.Field{Name: "permissions", Decode: func(b []byte) error { return decodeSet(b, &m.Permissions) }},
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
			// permission's own words for one bad name, without its prefix,
			// such as its hint that the admin role is a set of four.
			why := errors.Unwrap(err)
			if why == nil || strings.Contains(name, ",") {
				why = fmt.Errorf("unknown permission %q: %w", name, ErrInvalid)
			}
			return &PathError{Path: "[" + strconv.Itoa(i) + "]", Err: why}
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
		strictjson.Field{Name: "user", Decode: func(b []byte) error { return decodeString(b, &m.User) }},
		strictjson.Field{Name: "role", Decode: func(b []byte) error {
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

// strict makes the errors of strict decoding: *PathError values wrapping
// [ErrInvalid], with paths placed by pathIn.
var strict = strictjson.Errors{
	Invalid: func(format string, args ...any) error {
		return &PathError{Err: fmt.Errorf(format+": %w", append(args, ErrInvalid)...)}
	},
	In: pathIn,
}

// decodeObject decodes a JSON object by [strictjson.Object]: each error is a
// *PathError whose path starts at this object.
func decodeObject(data []byte, fields ...strictjson.Field) error {
	return strictjson.Object(strict, data, fields...)
}

// decodeArray decodes a JSON array by [strictjson.Array]; what names the
// elements in the error for an array longer than limit.
func decodeArray[E any](data []byte, dst *[]E, limit int, what string, decode func([]byte, *E) error) error {
	return strictjson.Array(strict, data, dst, limit, what, decode)
}

// decodeString decodes a JSON string by [strictjson.String], which refuses
// invalid UTF-8 and lone surrogate escapes.
func decodeString(data []byte, dst *string) error { return strictjson.String(strict, data, dst) }

func decodeBool(data []byte, dst *bool) error { return strictjson.Bool(strict, data, dst) }

// decodeUint decodes a JSON number that is a whole number from 0 to the
// largest uint64, written without a fraction or an exponent.
func decodeUint(data []byte, dst *uint64) error {
	n, err := strconv.ParseUint(string(data), 10, 64)
	if err != nil {
		return strict.Invalid("want a whole number from 0 to %d, got %.40q", uint64(math.MaxUint64), data)
	}
	*dst = n
	return nil
}

// pathIn places err under parent: a *PathError gets the longer path, any
// other error becomes the Err of a *PathError at parent.
func pathIn(err error, parent string) error {
	if pe, ok := err.(*PathError); ok {
		return &PathError{Path: strictjson.JoinPath(parent, pe.Path), Err: pe.Err}
	}
	return &PathError{Path: parent, Err: err}
}
