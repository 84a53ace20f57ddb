// Package accounttest helps other projects test against package account,
// using entaccess as the reference oracle.
//
// It has four parts:
//
//   - Generators for pgregory.net/rapid: [Spec] draws valid account specs
//     shaped to reach the interesting cases often (every permission set, every
//     role, collaborators who are not members, users in several teams, one
//     or several Manage holders); [OpFor] and [Ops] draw changes ([Op]) against
//     an account's current state, by actors who are allowed to make them and
//     actors who are not, so that every step and every error occurs;
//     [ApplyEach] applies them to a [account.Store] one update each.
//   - Helpers that fail a test with the account's own explanation when a
//     check differs from what the test expects: [CheckCan], [RequireCan],
//     [CheckCanViewTeam], [RequireCanViewTeam], [CheckActions],
//     [CheckInvariants]; [ViewReason] says why a user can or cannot view a
//     team.
//   - Checks of another implementation's accounts against entaccess:
//     [CheckAccount] and [CheckTeamView] for one account, over its members,
//     collaborators who are not members, unknown users, look-alike names
//     and the empty user ([Users]), with every action value or every team
//     ([Teams]); [CheckAccounts] for both on a fixed corpus of accounts
//     drawn by [Spec], reporting the smallest account on which the
//     implementations disagree; [AccountProperty] for rapid.Check, which
//     explores further and shrinks a failure to a small account. Each fails
//     the test once with a report in the form of
//     [permissiontest.CheckTable]'s: how many cases disagree, then the first
//     20 of them with what entaccess answers and why. A panic in the other
//     implementation counts as a disagreement.
//   - [Sentinel], which reduces an error from an [account.Tx] step to the
//     sentinel it wraps, so that two implementations' errors can be compared.
//
// The Check helpers take a [permissiontest.TB], the two methods of
// [testing.TB] they need, and the Require helpers a [FatalTB], which adds
// FailNow, so that they work with *testing.T, *testing.B and *rapid.T alike.
//
// Generators are deterministic functions of rapid's random source: with the
// same seed (rapid's -rapid.seed flag, or [rapid.Generator.Example] with a
// seed) they draw the same values.
package accounttest
