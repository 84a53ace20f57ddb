package httpauthz

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

// A Source gives the current account snapshot. [*account.Store] is one.
type Source interface {
	Load() *account.Account
}

// A Waiter is a [Source] that can wait for a snapshot at least as new as a
// revision. [*account.Store] is one.
type Waiter interface {
	Source
	WaitFor(ctx context.Context, rev uint64) (*account.Account, error)
}

// A Hook observes every decision a [Guard] makes, allowed or not, before
// the response is written: use it for audit logs and metrics. For a
// request that identifies no user, d.User is "" and d.Member is false;
// when that request is refused before routing ([Guard.Handler]), d.Action
// is 0, since no route was chosen. A Hook runs on the request's goroutine
// and must be safe for concurrent use.
type Hook func(r *http.Request, d account.Decision)

// An Option changes what a [Guard] does.
type Option func(*Guard)

// Fresh makes the [Guard] honour a freshness token: a request whose header
// name carries a revision, such as one a client got back from its last
// change, is checked on a snapshot at least that new. The guard waits for
// one with the Source's WaitFor, at most max and no longer than the
// request's context allows, and answers 503 Service Unavailable with
// Retry-After and [Stale] if none comes in time. A header that is not one
// decimal revision is 400 Bad Request. A request without the header is
// checked on the current snapshot at once.
//
// [Guard.Handler] does this for every path before routing, so a hidden
// route answers a token exactly as a missing path does. With replicas
// that share an account through a database, the token gives
// read-your-writes on any replica. [New] panics if its Source is not a
// [Waiter].
func Fresh(name string, max time.Duration) Option {
	return func(g *Guard) { g.fresh, g.freshMax = http.CanonicalHeaderKey(name), max }
}

// Challenge sets the WWW-Authenticate header of 401 responses to c, such as
// `Bearer realm="acme"`: the authentication scheme the client should use.
// HTTP (RFC 9110) requires the header on every 401, so set it unless an
// authenticator in front of the guard answers unidentified requests
// itself.
func Challenge(c string) Option { return func(g *Guard) { g.challenge = c } }

// OnDecision adds h to the hooks called with every decision, in the order
// they were added.
func OnDecision(h Hook) Option {
	return func(g *Guard) {
		if h != nil {
			g.hooks = append(g.hooks, h)
		}
	}
}

// A Guard checks requests against one account: who the request acts for
// ([Identity]) and whether they may perform an action of the permission
// table. Put [Guard.Handler] in front of the router and wrap each route
// in [Guard.Require] or [Guard.Hide]. A Guard is safe for concurrent use.
type Guard struct {
	src       Source
	waiter    Waiter // src, when it can wait; nil otherwise
	id        Identity
	vary      []string // the Vary header's value: id.Vary joined; len == cap, so that an Add copies it
	challenge string
	hooks     []Hook
	fresh     string        // the freshness header's canonical name; "" for none
	freshMax  time.Duration // the longest wait for a fresh enough account
}

// New returns a Guard that checks requests against the account src holds,
// for the user id finds. New panics if src or id.User is nil, or if
// [Fresh] is given and src is not a [Waiter]: those are mistakes in the
// program, not in a request.
func New(src Source, id Identity, opts ...Option) *Guard {
	if src == nil || id.User == nil {
		panic("httpauthz: New: nil Source or Identity.User")
	}
	g := &Guard{src: src, id: id}
	for _, o := range opts {
		o(g)
	}
	g.waiter, _ = src.(Waiter)
	if g.fresh != "" && g.waiter == nil {
		panic("httpauthz: New: Fresh needs a Source with WaitFor, such as *account.Store")
	}
	vary := make([]string, 0, len(id.Vary))
	for _, h := range id.Vary {
		vary = append(vary, http.CanonicalHeaderKey(h))
	}
	if len(vary) > 0 {
		g.vary = []string{strings.Join(vary, ", ")}
	}
	return g
}

// Handler returns next with the guard's checks that do not depend on the
// route done first, for every request, whatever its path and method:
//
//  1. Every answer is marked Cache-Control: private, no-store, and Vary
//     on the headers of the [Identity], since it depends on who asked.
//     A handler may replace them for an answer that is the same for
//     everyone.
//  2. A request that does not name exactly one user: 401 Unauthorized,
//     without the action, the same on every path; see [Challenge].
//  3. With [Fresh], the freshness token: 400 when malformed, 503 when
//     the account does not reach it in time.
//
// So a route hidden with [Guard.Hide] answers exactly as a path no route
// has, with or without a freshness token, provided that the router
// answers a missing path with [NotFound] (see [Problems]).
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := g.front(w, r, 0, false)
		if !ok {
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), frontKey{}, &f)))
	})
}

// A frontDone is what [Guard.Handler] found, for the routes behind it.
type frontDone struct {
	g    *Guard
	user string
	rev  uint64           // the freshness token; 0 for none
	acct *account.Account // a snapshot at least at rev, when rev > 0
}

type frontKey struct{}

// front marks the answer, finds the user and honours the freshness token,
// or writes the refusal and returns false. act is the action of the route,
// 0 before routing; a 401 names it unless hide.
func (g *Guard) front(w http.ResponseWriter, r *http.Request, act permission.Action, hide bool) (frontDone, bool) {
	h := w.Header()
	h["Cache-Control"] = cacheControl
	if g.vary != nil {
		h["Vary"] = g.vary
	}
	user, err := g.id.User(r)
	if err == nil && user == "" {
		err = ErrUnidentified
	}
	if err != nil {
		g.observe(r, (*account.Account)(nil).Explain("", act)) // what every check on no user says
		if g.challenge != "" {
			h.Set("WWW-Authenticate", g.challenge)
		}
		p := Unidentified(act)
		if hide {
			p.Action = 0
		}
		if errors.Is(err, ErrUnidentified) {
			p.Detail = err.Error()
		}
		WriteProblem(w, p)
		return frontDone{}, false
	}
	f := frontDone{g: g, user: user}
	if g.fresh != "" {
		var ok bool
		if f.rev, f.acct, ok = g.wait(w, r); !ok {
			return frontDone{}, false
		}
	}
	return f, true
}

// cacheControl is the Cache-Control header of every answer; len == cap, so
// that an Add copies it.
var cacheControl = []string{"private, no-store"}

// wait returns the request's freshness token and a snapshot at least that
// new, 0 and nil for a request without one, or writes the problem and
// returns false.
func (g *Guard) wait(w http.ResponseWriter, r *http.Request) (uint64, *account.Account, bool) {
	v := r.Header[g.fresh]
	if len(v) == 0 {
		return 0, nil, true
	}
	rev, err := strconv.ParseUint(v[0], 10, 64)
	if len(v) > 1 || err != nil {
		WriteProblem(w, Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest,
			Detail: fmt.Sprintf("header %s must be one revision, a decimal number; got %q", g.fresh, v)})
		return 0, nil, false
	}
	if a := g.src.Load(); a.Revision() >= rev {
		return rev, a, true
	}
	ctx, cancel := context.WithTimeout(r.Context(), g.freshMax)
	defer cancel()
	a, err := g.waiter.WaitFor(ctx, rev)
	if err != nil {
		w.Header().Set("Retry-After", "1")
		WriteProblem(w, Stale(rev, g.src.Load().Revision()))
		return 0, nil, false
	}
	return rev, a, true
}

// Require returns middleware that lets a request through only when its
// user may perform act in the account the guard's Source holds now.
//
//   - Not exactly one user identified: 401 Unauthorized, naming act; see
//     [Challenge]. Behind [Guard.Handler] this never happens: the handler
//     answers first, the same on every path.
//   - The user may not perform act, including users who are not account
//     members: 403 Forbidden with [Forbidden], saying what they hold and
//     what act needs.
//   - Allowed: the next handler runs, with the decision and the snapshot it
//     was made on in the request context; see [DecisionFrom] and
//     [AccountFrom].
//
// A route used without [Guard.Handler] in front still has its answers
// marked for caches and its freshness token honoured, by Require itself.
// Require panics if act is not an action of the permission table.
func (g *Guard) Require(act permission.Action) func(http.Handler) http.Handler {
	return g.guard("Require", act, false)
}

// Hide is [Guard.Require] for a route whose existence a refused user must
// not learn: it answers a refusal with [NotFound], a plain 404 that says
// nothing of the action or the reason, and a request that identifies no
// user with a 401 that does not name the action.
//
// For the route to answer exactly as a missing path, put [Guard.Handler]
// in front of the router, answer missing paths with [NotFound] (see
// [Problems]), and register the route for every method, checking the
// method behind Hide: a router that answered 405 for a method the route
// does not take would tell that it exists.
func (g *Guard) Hide(act permission.Action) func(http.Handler) http.Handler {
	return g.guard("Hide", act, true)
}

func (g *Guard) guard(name string, act permission.Action, hide bool) func(http.Handler) http.Handler {
	if !act.Valid() {
		panic(fmt.Sprintf("httpauthz: %s: %s is not an action of the permission table", name, act))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var f frontDone
			if p, ok := r.Context().Value(frontKey{}).(*frontDone); ok && p.g == g {
				f = *p
			} else if f, ok = g.front(w, r, act, hide); !ok {
				return
			}
			a := g.src.Load()
			if f.rev > 0 && a.Revision() < f.rev {
				a = f.acct // a Source whose Load may lag behind its WaitFor
			}
			d := a.Explain(f.user, act)
			g.observe(r, d)
			if !d.Allowed {
				if hide {
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

func (g *Guard) observe(r *http.Request, d account.Decision) {
	for _, h := range g.hooks {
		h(r, d)
	}
}

// ctxKey is the context key of the *checked value a route's guard stores.
type ctxKey struct{}

// checked is what a route's guard passes to the handler it guards.
type checked struct {
	account  *account.Account
	decision account.Decision
}

// DecisionFrom returns the decision that let the request through, and false
// for a context that did not come through [Guard.Require] or
// [Guard.Hide]. When a handler sits behind several, it is the innermost
// one's.
func DecisionFrom(ctx context.Context) (account.Decision, bool) {
	c, ok := ctx.Value(ctxKey{}).(*checked)
	if !ok {
		return account.Decision{}, false
	}
	return c.decision, true
}

// AccountFrom returns the account snapshot the decision in ctx was made on,
// or nil for a context that did not come through [Guard.Require] or
// [Guard.Hide]. Handlers that read the account should read this one, so
// that what they show agrees with the check, even while the store is being
// updated.
func AccountFrom(ctx context.Context) *account.Account {
	c, ok := ctx.Value(ctxKey{}).(*checked)
	if !ok {
		return nil
	}
	return c.account
}
