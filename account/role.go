package account

import (
	"fmt"
	"strconv"
)

// A Role is a user's role in one Enterprise Team. The zero value is no role.
type Role uint8

// The four team roles. Their values are stable.
const (
	RoleAdmin        Role = 1 + iota // manages the team; every team keeps at least one
	RoleMember                       // works in the team
	RoleViewer                       // sees the team
	RoleCollaborator                 // works only on specific apps; not a member of the team
)

var roleNames = [...]string{RoleAdmin: "admin", RoleMember: "member", RoleViewer: "viewer", RoleCollaborator: "collaborator"}

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool { return r >= RoleAdmin && r <= RoleCollaborator }

// Sees reports whether r lets its holder see the team: admin, member and
// viewer do; collaborator and the zero Role do not.
func (r Role) Sees() bool { return r >= RoleAdmin && r <= RoleViewer }

// String returns the name of r ("admin", "member", "viewer", "collaborator").
// Any other value prints as "role(42)", which does not parse back.
func (r Role) String() string {
	if r.Valid() {
		return roleNames[r]
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// ParseRole returns the role named text, the exact inverse of [Role.String]
// for the four roles. Any other text is an error wrapping [ErrInvalid].
func ParseRole(text string) (Role, error) {
	r, err := parseRole(text)
	if err != nil {
		return 0, fmt.Errorf("account: parse role: %w", err)
	}
	return r, nil
}

// parseRole is ParseRole with an error that has no package prefix.
func parseRole(text string) (Role, error) {
	for r := RoleAdmin; r <= RoleCollaborator; r++ {
		if roleNames[r] == text {
			return r, nil
		}
	}
	if text == "" {
		return 0, fmt.Errorf("empty role name: %w", ErrInvalid)
	}
	return 0, fmt.Errorf("unknown role %q: %w", text, ErrInvalid)
}

// AppendText appends the name of r to b. Only the four roles have a text
// form; any other value is an error.
func (r Role) AppendText(b []byte) ([]byte, error) {
	if !r.Valid() {
		return b, fmt.Errorf("account: marshal %s: not a team role: %w", r, ErrInvalid)
	}
	return append(b, roleNames[r]...), nil
}

// MarshalText implements [encoding.TextMarshaler]: a Role is written as its
// name, in JSON as a string such as "admin".
func (r Role) MarshalText() ([]byte, error) { return r.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseRole].
func (r *Role) UnmarshalText(text []byte) error {
	v, err := ParseRole(string(text))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
