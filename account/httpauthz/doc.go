// Package httpauthz guards net/http handlers with entaccess checks.
//
// A [Guard] checks requests against one account. Put its Handler in front
// of the router, and wrap each route in the action it needs:
//
//	g := httpauthz.New(store, httpauthz.Header("X-User")) // set by an authenticating proxy
//	mux := http.NewServeMux()
//	mux.Handle("GET /usage", g.Require(permission.ViewUsage)(usage))
//	mux.Handle("/settings", g.Hide(permission.ViewSettings)(settings))
//	srv := httpauthz.NewServer(g.Handler(httpauthz.Problems(mux)), logger)
//
// Each request is checked against the snapshot current when it arrives
// ([account.Store.Load]), which never blocks on writers. An allowed request
// reaches the handler with the [account.Decision] and that snapshot in its
// context ([DecisionFrom], [AccountFrom]), so the handler reads the same
// state the check saw. A refused request gets 403 Forbidden ([Guard.Require])
// or 404 Not Found ([Guard.Hide]), and a request that does not name exactly
// one user gets 401 Unauthorized; each carries an RFC 9457 problem document
// ([Problem]) that says why, except the 404, which says nothing.
//
// # Identity
//
// The guard only answers "may this user do this?". Identifying the user is
// the job of an authenticator in front of it: [Header] trusts a request
// header, which is safe only when that authenticator sets the header and
// strips any copy sent by the client. An [Identity] of your own can take
// the user from a session or a verified token instead. A request that
// names no user, or more than one (a header sent twice, or two users
// joined by a comma), gets 401: the guard never picks one.
//
// # Hidden routes
//
// A route behind [Guard.Hide] answers a user who may not open it exactly
// as a path no route has: the same status, headers and body, whatever the
// method, and whatever freshness token the request carries. That holds
// because [Guard.Handler] does everything that does not depend on the
// route before routing, the same for every path: it marks the answer for
// caches, answers unidentified requests, and honours the freshness token.
// The router must answer missing paths with [NotFound], as [Problems] makes
// an [http.ServeMux] do, and the hidden route must take every method.
//
// # Caches
//
// Every answer depends on who asked, so the guard marks every answer
// Cache-Control: private, no-store and names the identity's headers in
// Vary: a shared cache behind the authenticating proxy never serves one
// user's answer to another.
//
// # Freshness
//
// With several replicas of one account, such as those of the
// account/postgres module, a client may change the account on one replica
// and read it on another. [Fresh] makes the guard honour the revision the
// change returned, sent back in a header: the request is checked on a
// snapshot at least that new, so the client reads its own writes.
//
// # Servers
//
// [NewServer] returns an [http.Server] with read, write, idle and header
// timeouts and a header size limit, so that slow or idle clients cannot
// hold connections open; every server in this repository's examples uses
// it.
//
// The runnable server in examples/httpapi shows a route per action, with
// changes applied through [account.Tx], whose own checks run as well, the
// account kept in a journal (package account/journal) and its audit log
// served as JSON Lines.
package httpauthz
