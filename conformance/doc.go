// Package conformance checks another implementation of the entaccess rules
// against entaccess itself, and reports every disagreement with its inputs.
//
// Each Check function calls the other implementation on a fixed set of
// inputs, asks entaccess the same question, and, if any answers differ,
// fails the test once with a report: how many cases disagree out of how
// many, and the first [MaxReported] of them, each with its inputs, what
// entaccess answers and why. It returns the number of disagreements. A
// panic in the other implementation counts as a disagreement for that
// input, and the check goes on.
//
//   - [CheckTable]: a function of a permission set and an action, over
//     every set value and every action value (65,536 cases; see CheckTable
//     for what is required of sets with bits outside the table).
//   - [CheckAccount] and [CheckTeamView]: an account's checks, for one
//     account, over its members, collaborators who are not members, unknown
//     users, look-alike names and the empty user, with every action value
//     or every team.
//   - [CheckAccounts]: both, on a fixed corpus of accounts drawn by the
//     generator of package accounttest, reporting the smallest account on
//     which the implementations disagree.
//   - [CheckClassifier]: a classifier, on a fixed corpus of organizations
//     drawn by the generators of package migrationtest (every outcome, every
//     reason, malformed input), reporting a cmp.Diff per disagreement.
//
// The inputs are the same on every run. For a property test that explores
// further and shrinks a failure to a small case, pass [AccountProperty] or
// [ClassifierProperty] to rapid.Check, or call the Check functions from
// your own property: a *rapid.T is a [TB].
//
// The language-neutral vectors under testdata/vectors in the repository
// hold the same kind of cases as JSON, for implementations in other
// languages.
package conformance
