package httpauthz

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A Source gives the current account snapshot. [*account.Store] is one.
type Source interface {
	Load() *account.Account
}

// A UserFunc returns the user a request acts for, and false when the request
// does not identify exactly one user: it names none, or it names more than
// one and so leaves open which. A UserFunc must never guess.
type UserFunc func(*http.Request) (user string, ok bool)

// Header returns a UserFunc that reads the user from the request header
// name. A missing or empty header identifies no user, and neither does a
// header sent more than once, even with the same value twice: when a client
// sends its own copy and a proxy adds another, the request does not say
// which user it acts for, and [Require] answers 401 instead of picking one.
// The value of the one header is taken whole, commas included, since a
// user name may hold one.
//
// Trust the header only behind an authenticator that sets it and removes
// any copy sent by the client; otherwise any client can claim to be anyone.
func Header(name string) UserFunc {
	name = http.CanonicalHeaderKey(name)
	return func(r *http.Request) (string, bool) {
		v := r.Header[name]
		if len(v) != 1 || v[0] == "" {
			return "", false
		}
		return v[0], true
	}
}

// A Hook observes every decision [Require] makes, allowed or not, before the
// response is written: use it for audit logs and metrics. For a request that
// identifies no user, d.User is "" and d.Member is false. A Hook runs on the
// request's goroutine and must be safe for concurrent use.
type Hook func(r *http.Request, d account.Decision)

// An Option changes what [Require] does.
type Option func(*config)

type config struct {
	notFound  bool
	challenge string
	hooks     []Hook
	fresh     string        // the freshness header's canonical name; "" for none
	freshMax  time.Duration // the longest wait for a fresh enough account
}

// A Waiter is a [Source] that can wait for a snapshot at least as new as a
// revision. [*account.Store] is one.
type Waiter interface {
	Source
	WaitFor(ctx context.Context, rev uint64) (*account.Account, error)
}

// Fresh makes [Require] honour a freshness token: a request whose header
// name carries a revision, such as one a client got back from its last
// change, is checked on a snapshot at least that new. Require waits for
// one with the Source's WaitFor, at most max and no longer than the
// request's context allows, and answers 503 Service Unavailable with
// Retry-After and [Stale] if none comes in time. A header that is not one
// decimal revision is 400 Bad Request. A request without the header is
// checked on the current snapshot at once.
//
// With replicas that share an account through a database, the token gives
// read-your-writes on any replica. Require panics if its Source is not a
// [Waiter].
func Fresh(name string, max time.Duration) Option {
	return func(c *config) { c.fresh, c.freshMax = http.CanonicalHeaderKey(name), max }
}

// RefuseAsNotFound makes refused requests get 404 Not Found, with a problem
// document that says nothing of the action or the reason ([NotFound]),
// instead of 403 Forbidden, so that users without access cannot tell the
// resource exists. Requests that identify no user still get 401, without
// the action ([Unidentified] of 0). For the resource to stay hidden from
// them too, answer them the same 401 on every path, missing ones included,
// as the server in ./server does; and answer a missing resource with
// [NotFound].
func RefuseAsNotFound() Option { return func(c *config) { c.notFound = true } }

// Challenge sets the WWW-Authenticate header of 401 responses to c, such as
// `Bearer realm="acme"`: the authentication scheme the client should use.
// HTTP (RFC 9110) requires the header on every 401, so set it unless an
// authenticator in front of the middleware answers unidentified requests
// itself.
func Challenge(c string) Option { return func(cfg *config) { cfg.challenge = c } }

// OnDecision adds h to the hooks called with every decision, in the order
// they were added.
func OnDecision(h Hook) Option {
	return func(c *config) {
		if h != nil {
			c.hooks = append(c.hooks, h)
		}
	}
}

// Require returns middleware that lets a request through only when the user
// that userFrom finds in it may perform act in the account src holds now.
//
//   - Not exactly one user identified: 401 Unauthorized; see [Challenge].
//   - The user may not perform act, including users who are not account
//     members: 403 Forbidden, or 404 Not Found with [RefuseAsNotFound].
//   - Allowed: the next handler runs, with the decision and the snapshot it
//     was made on in the request context; see [DecisionFrom] and
//     [AccountFrom].
//
// Refusals are written as RFC 9457 problem documents; see [Problem].
// Require panics if src or userFrom is nil or act is not an action of the
// permission table: those are mistakes in the program, not in a request.
func Require(src Source, act permission.Action, userFrom UserFunc, opts ...Option) func(http.Handler) http.Handler {
	if src == nil || userFrom == nil {
		panic("middleware: Require: nil Source or UserFunc")
	}
	if !act.Valid() {
		panic(fmt.Sprintf("middleware: Require: %s is not an action of the permission table", act))
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	waiter, _ := src.(Waiter)
	if c.fresh != "" && waiter == nil {
		panic("middleware: Require: Fresh needs a Source with WaitFor, such as *account.Store")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, ok := userFrom(r)
			if !ok {
				d := (*account.Account)(nil).Explain("", act) // what every check on no user says
				c.observe(r, d)
				if c.challenge != "" {
					w.Header().Set("WWW-Authenticate", c.challenge)
				}
				if c.notFound {
					WriteProblem(w, Unidentified(0)) // name no action of a hidden resource
				} else {
					WriteProblem(w, Unidentified(act))
				}
				return
			}
			a := src.Load()
			if c.fresh != "" {
				var ok bool
				if a, ok = c.wait(w, r, waiter, a); !ok {
					return
				}
			}
			d := a.Explain(user, act)
			c.observe(r, d)
			if !d.Allowed {
				if c.notFound {
					WriteProblem(w, NotFound())
				} else {
					WriteProblem(w, Forbidden(d))
				}
				return
			}
			ctx := context.WithValue(r.Context(), ctxKey{}, &checked{account: a, decision: d})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// wait returns a snapshot as fresh as the request's token asks, a being
// the current one, or writes the problem and returns false.
func (c *config) wait(w http.ResponseWriter, r *http.Request, src Waiter, a *account.Account) (*account.Account, bool) {
	v := r.Header[c.fresh]
	if len(v) == 0 {
		return a, true
	}
	rev, err := strconv.ParseUint(v[0], 10, 64)
	if len(v) > 1 || err != nil {
		WriteProblem(w, Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest,
			Detail: fmt.Sprintf("header %s must be one revision, a decimal number; got %q", c.fresh, v)})
		return nil, false
	}
	if a.Revision() >= rev {
		return a, true
	}
	ctx, cancel := context.WithTimeout(r.Context(), c.freshMax)
	defer cancel()
	fresh, err := src.WaitFor(ctx, rev)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		WriteProblem(w, Stale(rev, src.Load().Revision()))
		return nil, false
	}
	return fresh, true
}

func (c *config) observe(r *http.Request, d account.Decision) {
	for _, h := range c.hooks {
		h(r, d)
	}
}

// ctxKey is the context key of the *checked value Require stores.
type ctxKey struct{}

// checked is what Require passes to the handler it guards.
type checked struct {
	account  *account.Account
	decision account.Decision
}

// DecisionFrom returns the decision that let the request through, and false
// for a context that did not come through [Require]. When a handler sits
// behind several Require calls, it is the innermost one's.
func DecisionFrom(ctx context.Context) (account.Decision, bool) {
	c, ok := ctx.Value(ctxKey{}).(*checked)
	if !ok {
		return account.Decision{}, false
	}
	return c.decision, true
}

// AccountFrom returns the account snapshot the decision in ctx was made on,
// or nil for a context that did not come through [Require]. Handlers that
// read the account should read this one, so that what they show agrees with
// the check, even while the store is being updated.
func AccountFrom(ctx context.Context) *account.Account {
	c, ok := ctx.Value(ctxKey{}).(*checked)
	if !ok {
		return nil
	}
	return c.account
}
