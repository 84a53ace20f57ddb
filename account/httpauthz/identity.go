package httpauthz

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ErrUnidentified is wrapped by the error of an [Identity] that finds no
// single user in a request. Its text, and that of the errors wrapping it,
// is the detail of the 401 problem the [Guard] answers, so it must say
// nothing a client may not read.
var ErrUnidentified = errors.New("the request does not say which user it acts for")

// An Identity finds the user a request acts for.
type Identity struct {
	// User returns the user r acts for, or an error when r does not name
	// exactly one: it names none, or more than one and so leaves open
	// which. It must never guess. An error wrapping [ErrUnidentified]
	// becomes the detail of the 401 answer; any other error is answered
	// 401 with ErrUnidentified's text, so that it does not reach the
	// client.
	User func(r *http.Request) (string, error)

	// Vary lists the request headers User reads, such as "Authorization"
	// or "Cookie". Every answer of a [Guard] names them in its Vary
	// header, so that a cache never serves one user's answer to another.
	Vary []string
}

// Header returns an Identity that reads the user from the request header
// name and varies on it. The request identifies no user when the header
// is missing or empty, when it is sent more than once (even with the
// same value twice: a client's copy and a proxy's, and nothing says which
// counts), or when its value holds a comma, which is how a proxy joins
// two copies into one (RFC 9110, section 5.3). So a user whose name holds
// a comma cannot be named in the header; use an Identity of your own for
// such names.
//
// Trust the header only behind an authenticator that sets it and removes
// any copy sent by the client; otherwise any client can claim to be anyone.
func Header(name string) Identity {
	name = http.CanonicalHeaderKey(name)
	return Identity{
		User: func(r *http.Request) (string, error) {
			v := r.Header[name]
			switch {
			case len(v) == 0 || len(v) == 1 && v[0] == "":
				return "", fmt.Errorf("no %s header: %w", name, ErrUnidentified)
			case len(v) > 1:
				return "", fmt.Errorf("header %s sent %d times, so it names no single user: %w", name, len(v), ErrUnidentified)
			case strings.Contains(v[0], ","):
				return "", fmt.Errorf("header %s holds a comma, as when a proxy joins several users into one line: %w", name, ErrUnidentified)
			}
			return v[0], nil
		},
		Vary: []string{name},
	}
}
