package httpauthz

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A Problem is an RFC 9457 problem document, the body of every refusal
// a [Guard] writes, with media type application/problem+json. Besides the
// standard members it carries two extensions: the action that was refused
// and a short machine-readable reason.
//
// A 404 written for [Guard.Hide] is a plain "about:blank" problem without
// action or reason, so it cannot be told from a missing resource.
type Problem struct {
	Type   string            `json:"type"`             // a URI naming the kind of problem, such as [TypeForbidden]
	Title  string            `json:"title"`            // a summary of the type, the same for every occurrence
	Status int               `json:"status"`           // the HTTP status code
	Detail string            `json:"detail,omitempty"` // this occurrence, in words
	Action permission.Action `json:"action,omitzero"`  // the action that was checked, by name
	Reason string            `json:"reason,omitempty"` // one of the Reason constants
}

// Problem types. Each URI leads to this documentation.
const (
	// TypeForbidden: the user may not perform the action (status 403).
	TypeForbidden = "https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeForbidden"
	// TypeUnidentified: the request identifies no user (status 401).
	TypeUnidentified = "https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeUnidentified"
	// TypeStale: the account is not yet at the revision the request asked for (status 503).
	TypeStale = "https://pkg.go.dev/github.com/entaccess/entaccess/account/httpauthz#TypeStale"
)

// Reasons, the reason member of a [Problem].
const (
	ReasonUnidentified      = "unidentified"       // the request identifies no user
	ReasonNotMember         = "not-a-member"       // the user is not an account member
	ReasonMissingPermission = "missing-permission" // the user holds none of the permissions the action needs
	ReasonStale             = "stale"              // the account has not reached the revision asked for yet
)

// Forbidden returns the problem [Guard.Require] writes when it refuses d: status
// 403, the decision in words as detail, its action, and [ReasonNotMember]
// or [ReasonMissingPermission]. Handlers can answer a refusal found later,
// such as an [account.ForbiddenError] from a [account.Tx] step, the same
// way.
func Forbidden(d account.Decision) Problem {
	reason := ReasonMissingPermission
	if !d.Member {
		reason = ReasonNotMember
	}
	return Problem{
		Type:   TypeForbidden,
		Title:  "Action not allowed",
		Status: http.StatusForbidden,
		Detail: d.String(),
		Action: d.Action,
		Reason: reason,
	}
}

// Unidentified returns the problem a [Guard] writes for a request that
// does not name exactly one user: status 401, [TypeUnidentified] and
// [ReasonUnidentified], and act as the action. A zero act leaves the action
// out, for an answer that must not say which action was asked for, such as
// one given before routing. The guard replaces the detail with what its
// [Identity] found wrong, such as a header sent twice. Set the
// WWW-Authenticate header as well; see [Challenge].
func Unidentified(act permission.Action) Problem {
	return Problem{
		Type:   TypeUnidentified,
		Title:  "User not identified",
		Status: http.StatusUnauthorized,
		Detail: ErrUnidentified.Error(),
		Action: act,
		Reason: ReasonUnidentified,
	}
}

// Stale returns the problem a [Guard] writes, with status 503 and a
// Retry-After header, when the account did not reach revision want, the
// request's freshness token (see [Fresh]), in time; have is the revision it
// is at.
func Stale(want, have uint64) Problem {
	return Problem{
		Type:   TypeStale,
		Title:  "Account not fresh enough yet",
		Status: http.StatusServiceUnavailable,
		Detail: fmt.Sprintf("the request needs revision %d of the account; this server has revision %d so far", want, have),
		Reason: ReasonStale,
	}
}

// NotFound returns the problem [Guard.Hide] writes for a refusal: a plain
// "about:blank" 404. Answer a request for a missing resource with it too
// ([Problems] does), so that a hidden resource cannot be told from a
// missing one.
func NotFound() Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(http.StatusNotFound), Status: http.StatusNotFound}
}

// MethodNotAllowed returns a plain "about:blank" 405 problem, for a method
// the resource does not take. Set the Allow header as well.
func MethodNotAllowed() Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(http.StatusMethodNotAllowed), Status: http.StatusMethodNotAllowed}
}

// WriteProblem writes p as the response: status p.Status, media type
// application/problem+json. The response is marked Cache-Control: private,
// no-store, since it depends on who asked.
//
// A problem reports an error, so its status is a client error (400 to 499)
// or a server error (500 to 599). Any other p.Status, such as the 0 of a
// Problem written without one, is a mistake in the program: WriteProblem
// then answers 500 Internal Server Error, and the document's status member
// says 500 too, so that it always agrees with the response.
func WriteProblem(w http.ResponseWriter, p Problem) {
	if p.Status < 400 || p.Status > 599 {
		p.Status = http.StatusInternalServerError
	}
	body, err := json.Marshal(p)
	if err != nil { // only an Action outside the table; write the rest
		p.Action = 0
		body, _ = json.Marshal(p)
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	w.Write(append(body, '\n'))
}
