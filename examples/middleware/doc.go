// Package middleware guards net/http handlers with entaccess checks.
//
// [Require] wraps a handler so that it runs only for users whose account
// permissions allow one action of the permission table:
//
//	store := account.NewStore(acct)
//	user := middleware.Header("X-User") // set by an upstream authenticator
//	mux.Handle("GET /usage", middleware.Require(store, permission.ViewUsage, user)(usage))
//
// Each request is checked against the snapshot current when it arrives
// ([account.Store.Load]), which never blocks on writers. An allowed request
// reaches the handler with the [account.Decision] and that snapshot in its
// context ([DecisionFrom], [AccountFrom]), so the handler reads the same
// state the check saw. A refused request gets 403 Forbidden, or 404 Not
// Found with [RefuseAsNotFound], and a request that does not name exactly
// one user gets 401 Unauthorized; both carry an RFC 9457 problem document
// ([Problem]).
//
// The middleware only answers "may this user do this?". Identifying the
// user is the job of an authenticator in front of it: [Header] trusts a
// request header, which is safe only when that authenticator sets the
// header and strips any copy sent by the client.
//
// With several replicas of one account, such as those of the
// account/postgres module, a client may change the account on one replica
// and read it on another. [Fresh] makes Require honour the
// revision the change returned, sent back in a header: the request is
// checked on a snapshot at least that new, so the client reads its own
// writes.
//
// The runnable server in ./server shows a route per action, with changes
// applied through [account.Tx], whose own checks run as well, the account
// kept in a journal (package account/journal) and its audit log served as
// JSON Lines.
package middleware
