// Package engines encodes the Enterprise Account permission table of
// entaccess in three general-purpose policy engines — casbin, cedar-go and
// the Open Policy Agent — and in entaccess itself, behind one small
// interface, [Checker].
//
// It is an example for readers who know one of those engines: each file
// shows the same table (see [permission.Table]) written the way that engine
// is usually written, with comments on the choices that keep its answers
// identical to [account.Account.Can]:
//
//   - casbin.go: an RBAC model. Users are linked to one role per permission
//     (view, billing, manage, create); each role is granted the actions of
//     its column of the table.
//   - cedar.go: users are entities whose parents are Permission entities;
//     there is one permit per action, naming the permissions of its row.
//   - opa.go: a Rego module holding the table, evaluated as a prepared
//     query with the user and the action as input and the account's members
//     as data.
//   - entaccess.go: [account.New], then [account.Account.Can].
//
// Every encoding denies by default: a user who is not a member, the empty
// user, and an action outside the table (the zero Action, or 8 and above)
// are all denied. The table decides from permissions alone; teams play no
// part in it, so the peers ignore a Spec's teams.
//
// The peers take the members' permission sets exactly as the Spec gives
// them. entaccess adds [permission.View] to every member, so build the
// peers from the canonical Spec of an Account ([account.Account.Spec]) to
// give all four the same input:
//
//	acct, err := account.New(spec)
//	...
//	casbin, err := engines.Casbin(acct.Spec())
package engines
