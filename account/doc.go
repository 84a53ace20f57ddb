// Package account models an Enterprise Account: its members, the
// permissions they hold, its Enterprise Teams, and the changes members may
// make to it.
//
// # Load, check, change
//
// A service loads an account once, from JSON or from a [Spec] built in Go,
// keeps it in a [Store], checks each request against the current snapshot,
// and applies authorized changes through [Store.Update]:
//
//	a, err := account.ParseJSON(data) // or account.New(spec)
//	if err != nil {
//		return err // e.g. account: members[3].user: "bob": listed twice, first at members[1]: invalid
//	}
//	store := account.NewStore(a)
//	store.SetObserver(account.LogObserver(slog.Default())) // audit log
//
//	// Check a request: lock-free, no allocation.
//	if !store.Load().Can(user, permission.ViewUsage) {
//		return errors.New(store.Load().Explain(user, permission.ViewUsage).String())
//	}
//
//	// Change the account on behalf of actor: every step is authorized,
//	// and the update is all or nothing.
//	_, err = store.Update(func(tx *account.Tx) error {
//		if err := tx.AddMember(actor, "dana", permission.Billing); err != nil {
//			return err
//		}
//		return tx.SetTeamRole(actor, "web", "dana", account.RoleMember)
//	})
//	if errors.Is(err, account.ErrForbidden) { /* 403 */ }
//
// # The model
//
// Every member holds [permission.View]; [New] and every change add it when
// missing. [Account.Can] answers with the table of package permission: it is
// true when the user is a member holding at least one permission of the
// action's row, and false for everyone else, the empty user and actions
// outside the table. [Account.Explain] gives the same answer as a
// [Decision] that says why. A user can view a team ([Account.CanViewTeam])
// when they are an account member with the admin, member or viewer role in
// it; collaborators work on specific apps only and do not see the team.
// Those three roles are held only by account members; the collaborator role
// by anyone, member or not. So every team has an admin who is an account
// member, someone who can manage it.
//
// The reverse queries are built on Can and CanViewTeam and agree with them:
// [Account.Actions] (what a user may do), [Account.UsersWhoCan] (who may do
// an action), [Account.TeamsOf] (the teams a user can view), and the
// iterators [Account.Members] and [Account.Teams]. Everything listed is
// sorted.
//
// # Changes
//
// A [Tx] has ten steps. Each checks the actor against the table on the
// account as changed so far in the same update, before it looks anything up,
// so a refused actor learns nothing: the error is a [*ForbiddenError] that
// says who, which action, what they hold and what it needs.
//
//	AddMember, SetPermissions, RemoveMember   manage-users
//	CreateTeam                                create-teams; the actor becomes the team's admin
//	RenameTeam, DeleteTeam                    create-teams, on a team the actor can view
//	SetTeamRole, RemoveFromTeam               admin of that team (an account member),
//	                                          or manage-teams on a team the actor can view
//	SetIdentityProvider,                      view-settings (the Settings tab)
//	RemoveIdentityProvider
//
// Team management acts only on the teams listed under the actor's "My
// Teams": a team the actor cannot view is reported exactly as a missing one,
// [ErrNoTeam]. No change may leave the account without a member holding
// Manage ([ErrLastManager]) or a team without an admin ([ErrLastTeamAdmin]).
//
// [Tx.SetTeamRole] gives the admin, member and viewer roles only to account
// members ([ErrNotMember] for anyone else); anyone may be made a
// collaborator. [Tx.RemoveMember] ends the user's admin, member and viewer
// roles in every team, each recorded as an event of its own, and keeps
// their collaborator roles; it is [ErrLastTeamAdmin] while the user is the
// only admin of some team, so appoint another admin first.
//
// An update is all or nothing: if its callback returns an error, or any step
// fails, even one whose error the callback ignored, nothing is published.
// Each committed update gets the next revision, its events ([Event]) go to
// the Store's observer in order, and snapshots already loaded never change.
//
// # Durable stores and replicas
//
// [NewStore] keeps updates in memory only. [NewStoreWith] gives a Store a
// [Backend] that stores each update, in a log or a database, before the
// Store publishes it: [Store.Update] returns only once the update is
// stored, so readers never see a state that a crash could take back, and
// [Store.Load] stays as fast as on any Store, since it never touches the
// Backend. Every event of an update carries its commit time
// ([Event].Time).
//
// Package [github.com/entaccess/entaccess/account/journal] is such a
// Backend, with the standard library only: a write-ahead log in a local
// directory. Its Store's Update returns once the update is synced to disk;
// after a crash, Open recovers every update whose Update returned; and its
// Events method reads back every committed step, with its actor and time:
// the audit log.
//
//	j, err := journal.Open(dir) // journal.Create(dir, a) the first time
//	if err != nil {
//		return err
//	}
//	defer j.Close()
//	store := j.Store() // a *Store like any other
//
// The module github.com/entaccess/entaccess/account/postgres keeps an
// account in PostgreSQL and lets replicas in any number of processes share
// it. With a Backend shared by several writers, an update's callback may
// run more than once (see [Store.UpdateContext]), so it must have no effect
// outside its Tx.
//
// For a Store whose Backend does I/O, [Store.UpdateContext] bounds an
// update with a context, and [Store.WaitFor] waits until the Store has
// published a given revision: given the revision that Update returned on
// one replica, it gives read-your-writes on another.
//
// # History, provenance and impact
//
// A store that keeps every update offers a [History]: Events, the audit
// log, and At, the account exactly as it was at any revision. Three
// questions follow from it, each answered exactly, for the whole history:
//
// Who could do what, and when? [AccessSpans] gives the runs of revisions
// (and, through the steps that began and ended them, the times) during
// which a user could perform an action; [WhoCould] gives them for every
// user; [RevisionAt] turns a time into a revision. Each reads the events
// once, from the account at the first revision asked about; a history
// that can read one user's events alone, a [UserHistory] such as the
// journal, gives AccessSpans and Provenance only those for a question
// across the account.
//
//	rev, _ := account.RevisionAt(ctx, h, march1)
//	spans, _ := account.WhoCould(ctx, h, permission.ViewUsage, rev, latest)
//
// Why, since when, and granted by whom? [Provenance] names the step that
// last gave or took what a decision rests on (the user's permissions, or
// their role in a team), with its revision, actor and time, or says that
// the answer has not changed since the account was created.
// [PermissionsSince] says, in one pass, since when and through whose step
// every member has held their permissions.
//
//	o, _ := account.Provenance(ctx, h, account.Access{User: "bob", Action: permission.ViewUsage}, rev)
//	fmt.Println(o) // as of revision 20, "bob" may view-usage since revision 17: set-permissions by "alice" at …
//
// What will a change do? [Store.Preview] runs an update's callback without
// committing it and reports the snapshot, the events and the [Diff] it
// would produce, at a cost that follows the change, not the account.
// [Diff] compares any two snapshots, such as At of two revisions.
//
//	p, err := store.Preview(func(tx *account.Tx) error { return tx.SetPermissions(actor, "bob", permission.Manage) })
//	// p.Changes: "bob" gains manage-teams, manage-users, view-settings
//
// A Backend implements At with [ReplayTo], from the latest state it keeps
// at or before the revision asked for, and proves it with
// [github.com/entaccess/entaccess/account/accounttest.TestHistory].
//
// # Writing a Backend
//
// A [Backend] has two methods: Append stores a batch of updates, all or
// nothing, and Events reads stored updates back. The Store does the rest:
// it runs callbacks one at a time, batches the updates that wait while
// the previous batch is stored (and those of callers under way, see
// [Store.UpdateContext]), decides which updates fail when a batch
// does, catches up with other writers ([ErrStale]) and after an unknown
// outcome ([ErrOutcomeUnknown]), and publishes in revision order. A
// Backend keeps each update's events ([Event] has a strict JSON form) and
// gets the account back with [Account.Replay] of them on its latest
// checkpoint ([Account.WithRevision] restores a checkpoint's revision);
// Replay refuses events that do not fit the account with [ErrMismatch].
// A Backend that decodes its checkpoint itself can build the account with
// a [Builder] instead, entry by entry as it reads them, without a Spec,
// checked as New checks one, and replay the events after it on the
// Builder, which changes its state in place rather than copying it:
//
//	b := account.NewBuilder(name)
//	b.SetRevision(rev)
//	b.AddMember(user, perms) // … each member, team, team member as read
//	if _, err := b.Replay(events); err != nil { … } // as often as needed
//	a, err := b.Account()
//
// [github.com/entaccess/entaccess/account/accounttest.TestBackend] checks
// a Backend against this contract, and accounttest.Log is a complete one
// that keeps its updates in memory. [Hooks] report each step of an
// update, for metrics and tracing.
//
// # Bad input and limits
//
// Names (the account name, users and team names) follow one rule, in
// [New], in JSON and in every [Tx] step: not empty, at most 256 bytes of
// valid UTF-8, no white space at either end, no control characters, and no
// invisible format characters (Unicode category Cf: zero-width spaces and
// joiners, U+FEFF, soft hyphens, bidirectional controls), private-use
// characters or noncharacters, so that two names that print alike are one
// name or an error. An
// account has at most 2,097,152 members and 65,536 teams, and a team lists
// at most 2,097,152 users; a step that would pass a limit fails. These
// limits are far above any real account and exist so that hostile input
// fails early. JSON decoding is strict: an unknown or repeated field, a
// value of the wrong type, an unknown role or permission name, a string
// that is not valid UTF-8 (or holds a lone surrogate escape, which
// encoding/json would silently replace), an array past a limit, or data
// after the value is an error. Every such error wraps [ErrInvalid] and,
// from New and ParseJSON, is a [*PathError] naming the entry; nothing is
// half applied.
//
// A step that creates or names an entry (the user of AddMember and
// SetTeamRole, the name of CreateTeam, the new name of RenameTeam) rejects
// a malformed name with [ErrInvalid]; a step that looks an entry up reports
// a malformed name as missing ([ErrNotMember], [ErrNoTeam]), since no entry
// can have it.
//
// # Default deny
//
// Zero values and nil pointers deny and never panic: a nil *Account and the
// zero Account have no members, so every check on them is false and every
// list empty; the zero [Decision] and [Role] allow nothing; the zero [Spec]
// is rejected by New. A nil or zero [Store] loads a nil snapshot; Update on
// the zero Store refuses every step, and on a nil *Store returns an error
// wrapping ErrInvalid. Every step on the zero Tx is refused, and every step
// on a nil *Tx, or on a Tx kept after its update ended, is an error wrapping
// ErrInvalid.
//
// # Cost
//
// A snapshot stores members in a map shared with earlier snapshots plus a
// small overlay of the entries changed since; teams likewise, each team
// copied only when changed. A check is one map lookup, two when the overlay
// is not empty, and a cheap filter lets most users skip the overlay. An
// update copies only the overlay and the teams it changes, and once the
// overlay grows past n/256 entries for n members, the next snapshot folds it
// into a fresh map: an update costs about the copy of 256 entries,
// amortised, so microseconds even on an account of 100,000 members, while
// checks stay at the speed of a map lookup. Accounts of fewer than 2,048
// members are copied whole on every change and never carry an overlay.
//
// Replaying a log is bound by memory, not by the checks: on a large
// account most of its time is the first lookup of each event's user, a few
// cache misses. Replay looks up the users of the next few events ahead of
// applying them, so that their misses overlap. A [Builder] replays in
// place, so that a long log costs no copies of the account.
package account

// How the package is built, for those who change it (this comment is not
// part of the package documentation).
//
// An Account is a revision and a content (content.go): the account's name,
// a memberTable and a teamTable, stored in the copy-on-write maps of
// package account/internal/cow. Each copies what it writes on the first
// write after a share, and every read of either is right at every moment.
// A Tx holds a content of its own, started from the snapshot's by newTx;
// Tx.Account and Tx.snapshot share it into an Account.
//
// rules.go holds the rules: the decisions (Can, CanViewTeam, seesTeam,
// adminOf, the authorization of steps) and the invariants (managedAfter,
// mayHoldRole, hasAdminAfter), beside the sentences of the domain they come
// from. changes.go holds the ten changes, one apply function each, which
// check the invariants and change the content: a Tx step (tx.go) and
// Replay (replay.go) both call them, so a change is written once. A
// Builder (builder.go) checks the entries of an account as they are
// added, in New's order of checks, and holds a Tx whose maps it owns
// (cow's Own), so that its Replay changes them in place; New is a Builder
// fed from a Spec.
//
// Adding a Tx step touches four things, and nothing else:
//
//  1. The change: its apply function in changes.go, built from the rules;
//     its step in tx.go, built from tx.step, the authorization in rules.go,
//     checks of its arguments, the apply function and tx.record; and its
//     line in the table of "# Changes" above, for users.
//  2. Its Op: a constant at the end of the list in event.go and its name in
//     opNames (String, ParseOp, the text and JSON forms and
//     accounttest.Kinds follow from these); in accounttest/op.go, its case
//     in Op.Apply and Op.String and how OpFor draws its arguments, with its
//     outcomes in accounttest/gen_test.go.
//  3. Its event: what its Before and After hold (Event's doc), and how
//     Replay decodes it and checks its Before before it calls the apply
//     function (replay.go).
//  4. The test model: its rules in statemachine_test.go (model.applyOne,
//     and model.replayEvent for its event). The state machine takes steps
//     through accounttest.Op.Apply, so it has no list of steps to extend.
