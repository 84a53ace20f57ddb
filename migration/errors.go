package migration

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/internal/names"
)

// pathError presents an [*account.PathError] with this package's prefix and
// what was being done, as in
//
//	migration: classify "acme": teams[1].members[0].role: role(7) is not a team role: invalid
//
// errors.As finds the *account.PathError underneath, and errors.Is finds
// the sentinel it wraps.
type pathError struct {
	op  string // "classify \"acme\"", "decode organization", "decode decision"
	err *account.PathError
}

func (e *pathError) Error() string {
	if e.err.Path == "" {
		return "migration: " + e.op + ": " + e.err.Err.Error()
	}
	return "migration: " + e.op + ": " + e.err.Path + ": " + e.err.Err.Error()
}

func (e *pathError) Unwrap() error { return e.err }

// opError returns err, which happened while doing op, with this package's
// prefix. err is an *account.PathError, as every helper of this package
// returns; any other error is taken to concern the whole input.
func opError(op string, err error) error {
	pe, ok := errors.AsType[*account.PathError](err)
	if !ok {
		pe = &account.PathError{Err: err}
	}
	return &pathError{op: op, err: pe}
}

// invalidAt returns an *account.PathError at path wrapping [account.ErrInvalid].
func invalidAt(path, format string, args ...any) error {
	return &account.PathError{Path: path, Err: fmt.Errorf(format+": %w", append(args, account.ErrInvalid)...)}
}

// teamPath returns "teams[i]".
func teamPath(i int) string { return "teams[" + strconv.Itoa(i) + "]" }

// memberPath returns "teams[i].members[j]".
func memberPath(i, j int) string { return teamPath(i) + ".members[" + strconv.Itoa(j) + "]" }

// nameErr returns what is wrong with s when it is not a name by the rules
// of [names.Check], wrapping [account.ErrInvalid], or nil. An empty name is
// "empty " + what, as in "empty team name", the wording account uses. The
// caller adds the path, which it builds only on error: on the way to a nil
// result nothing is allocated.
func nameErr(s, what string) error {
	if s == "" {
		return fmt.Errorf("empty %s: %w", what, account.ErrInvalid)
	}
	if err := names.Check(s); err != nil {
		return fmt.Errorf("%w: %w", err, account.ErrInvalid)
	}
	return nil
}

// quoteShort returns s quoted, cut to its first 64 bytes when longer, for
// naming input in an error message without repeating all of it.
func quoteShort(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
