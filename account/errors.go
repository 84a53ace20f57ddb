package account

import (
	"errors"
	"strings"

	"github.com/entaccess/entaccess/permission"
)

// Sentinel errors, for [errors.Is]. Errors returned by this package wrap one
// of them and say which entry, user or team they concern.
var (
	// ErrInvalid: malformed input, such as an empty name or an unknown role.
	// It is the same value as [permission.ErrInvalid], so one test covers
	// bad input from either package.
	ErrInvalid = permission.ErrInvalid
	// ErrForbidden: the actor may not perform the change (see [ForbiddenError]).
	ErrForbidden = errors.New("forbidden")
	// ErrLastManager: the change would leave no member holding Manage.
	ErrLastManager = errors.New("no member would hold manage")
	// ErrLastTeamAdmin: the change would leave a team without an admin who
	// is an account member.
	ErrLastTeamAdmin = errors.New("team would have no admin")
	// ErrNotMember: the user is not an account member.
	ErrNotMember = errors.New("not an account member")
	// ErrNoTeam: no such team, or none the actor can view.
	ErrNoTeam = errors.New("no such team")
	// ErrExists: the user or team already exists.
	ErrExists = errors.New("already exists")
)

// A PathError reports a malformed entry of a [Spec], in JSON or in Go, by its
// path, such as teams[2].members[0].user. Err says what is wrong and wraps
// one of the sentinel errors, [ErrInvalid] at least.
type PathError struct {
	Path string // the entry, as in "teams[2].members[0].user"; "" for the whole input
	Err  error
}

// Error returns the path and what is wrong, as in
//
//	account: teams[2].members[0].user: empty user: invalid
//
// A PathError with no Err says "<nil>" in its place, as fmt would.
func (e *PathError) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Path == "" {
		return "account: " + msg
	}
	return "account: " + e.Path + ": " + msg
}

// Unwrap returns e.Err.
func (e *PathError) Unwrap() error { return e.Err }

// invalidAs is an error of malformed input that is also a case of another
// sentinel, such as a spec with no member holding Manage, which is
// [ErrInvalid] and [ErrLastManager] at once. Its message is msg followed by
// ErrInvalid's text, so that it says one thing once; [errors.Is] matches
// both sentinels.
type invalidAs struct {
	msg  string
	also error
}

func (e *invalidAs) Error() string   { return e.msg + ": " + ErrInvalid.Error() }
func (e *invalidAs) Unwrap() []error { return []error{ErrInvalid, e.also} }

// earlierStepError is the error of a step taken after an earlier step of
// the same update failed: the step names itself and then what failed,
// without a second package prefix. It unwraps to the earlier failure, so
// that [errors.Is] and [errors.As] see what the earlier step returned.
type earlierStepError struct {
	op  Op
	err error
}

func (e *earlierStepError) Error() string {
	return "account: " + e.op.String() + ": skipped, an earlier step failed: " + strings.TrimPrefix(e.err.Error(), "account: ")
}

func (e *earlierStepError) Unwrap() error { return e.err }
