package permission

import (
	"fmt"
	"strconv"
)

// An Action is one row of the permission table: something an account member
// may or may not do. The zero value is no action and is never allowed.
// Values above [CreateTeams] are outside the table and never allowed.
type Action uint8

// The seven actions, in the order of the table. Their values are stable.
const (
	ViewTeams    Action = 1 + iota // view the Enterprise Teams the user has a role in
	ViewAccess                     // view the Access tab
	ManageTeams                    // manage Enterprise Teams (only those under "My Teams")
	ManageUsers                    // manage users: add members, edit permissions
	ViewSettings                   // view the Settings tab: SSO set-up, audit logs
	ViewUsage                      // view the Usage tab, export usage files
	CreateTeams                    // create, rename and delete Enterprise Teams
)

// actionInfo is the table, indexed by Action. Index 0 is no action.
var actionInfo = [...]struct {
	name      string
	allowedBy Set
	desc      string
}{
	{},
	ViewTeams:    {"view-teams", View | Billing | Manage | Create, "see the Enterprise Teams in which the user holds a role"},
	ViewAccess:   {"view-access", View | Billing | Manage | Create, "open the Access tab listing the account's members"},
	ManageTeams:  {"manage-teams", Manage, "manage the Enterprise Teams listed under the user's \"My Teams\" tab"},
	ManageUsers:  {"manage-users", Manage, "add account members and change their permissions"},
	ViewSettings: {"view-settings", Manage, "open the Settings tab to configure SSO and download audit logs"},
	ViewUsage:    {"view-usage", Billing, "open the Usage tab and export usage files"},
	CreateTeams:  {"create-teams", Create, "create, rename and delete Enterprise Teams"},
}

// Actions returns the seven actions in table order, as a fresh slice.
func Actions() []Action {
	return []Action{ViewTeams, ViewAccess, ManageTeams, ManageUsers, ViewSettings, ViewUsage, CreateTeams}
}

// Valid reports whether a is one of the seven actions of the table.
func (a Action) Valid() bool { return a >= ViewTeams && a <= CreateTeams }

// AllowedBy returns a's row of the table: the permissions any one of which
// allows a. It is empty for the zero Action and for actions outside the table.
func (a Action) AllowedBy() Set {
	if int(a) < len(actionInfo) {
		return actionInfo[a].allowedBy
	}
	return 0
}

// Allows reports whether a member holding s may perform a: whether s holds
// at least one permission of a's row. It is false for the zero Action and
// for any action outside the table, whatever s holds.
func Allows(s Set, a Action) bool { return s&a.AllowedBy() != 0 }

// String returns the name of a, such as "manage-users". The zero Action is
// "action(0)", and actions outside the table print as "action(42)"; neither
// parses back.
func (a Action) String() string {
	if a.Valid() {
		return actionInfo[a].name
	}
	return "action(" + strconv.Itoa(int(a)) + ")"
}

// Description returns a short human description of what a lets a member do,
// or "" for the zero Action and actions outside the table.
func (a Action) Description() string {
	if a.Valid() {
		return actionInfo[a].desc
	}
	return ""
}

// ParseAction returns the action named text, the exact inverse of
// [Action.String] for the seven actions of the table. Any other text is an
// error wrapping [ErrInvalid].
func ParseAction(text string) (Action, error) {
	for a := ViewTeams; a <= CreateTeams; a++ {
		if actionInfo[a].name == text {
			return a, nil
		}
	}
	if text == "" {
		return 0, fmt.Errorf("permission: parse action: empty name: %w", ErrInvalid)
	}
	return 0, fmt.Errorf("permission: parse action %q: unknown action: %w", text, ErrInvalid)
}

// AppendText appends the name of a to b. Only the seven actions of the table
// have a text form; any other value is an error.
func (a Action) AppendText(b []byte) ([]byte, error) {
	if !a.Valid() {
		return b, fmt.Errorf("permission: marshal %s: not an action of the table: %w", a, ErrInvalid)
	}
	return append(b, actionInfo[a].name...), nil
}

// MarshalText implements [encoding.TextMarshaler]. Only the seven actions of
// the table have a text form; any other value is an error. In JSON an Action
// is a string such as "view-usage".
func (a Action) MarshalText() ([]byte, error) { return a.AppendText(nil) }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseAction].
func (a *Action) UnmarshalText(text []byte) error {
	v, err := ParseAction(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
