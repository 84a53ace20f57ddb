// Package migration decides what happens to an organization's Enterprise
// Teams when Enterprise Accounts become generally available.
//
// An [Organization] is a company's teams as they are before the move: each
// team with its name, whether it holds licenses, and its members with their
// roles (admin, member, viewer, collaborator). [Classify] turns it into a
// [Decision] with one of three outcomes.
//
// # No change
//
// An organization that took part in the Enterprise Accounts public beta
// already has its account: the outcome is [NoChange], and nothing needs to
// be done. This rule comes before all others except one: malformed input
// (a bad or repeated team name, a bad user name, a user listed twice in one
// team, an unknown role, an input beyond the limits below) is always an
// error, beta or not.
//
// # Automatic
//
// Any other organization with exactly one licensed team and at least one
// user who is admin of every team is moved automatically: the outcome is
// [Automatic], and [Decision.Account] is the [account.Spec] to create. The
// account is named after the licensed (main) team and holds every team
// unchanged. Its members are the users with an admin, member or viewer role
// in some team: those who are admin of every team become account admins
// ([permission.Admin], all four permissions), everyone else gets
// [permission.View]. Users who are only collaborators do not become members.
// The plan is always accepted by [account.New], and since View only shows
// the teams a member has a role in, no one can see a team they could not
// see before.
//
// # Manual
//
// Otherwise support has to step in, and the outcome is [Manual], with every
// [Reason] that applies, in this order:
//
//   - [MultipleLicensedTeams]: more than one team holds licenses;
//   - [NoUniversalAdmin]: no user is admin of every team (an organization
//     without teams has no users, so this applies to it too);
//   - [NoLicensedTeam]: no team holds licenses, so there is no main team to
//     name the account after. The Enterprise Accounts documentation lists
//     only the first two; this one is the library's own.
//
// The users with an admin, member or viewer role in some team see a
// "contact support" banner, listed in [Decision.Banner]; collaborator-only
// users never see it. The Decision also keeps, as data, what support needs
// to fix the case: the licensed teams, and who is admin of which teams.
// [Decision.Fixes] says it in sentences and [Decision.String] in one line.
//
// # Guarantees
//
// A Decision depends only on the organization's content, never on the
// order of its teams or members: every list in it is sorted, and the
// automatic plan is in the canonical order of [account.Account.Spec].
// Classify takes time linear in the number of memberships, plus one sort
// of the distinct user and team names.
//
// Organizations and Decisions have a JSON form (see [Organization] and
// [Decision]); decoding is strict, and errors name the offending entry by
// its path, such as teams[1].members[0].role.
//
// # Names and limits
//
// Team names and users follow the rules [account.New] applies, so that an
// automatic plan is always accepted: a name is not empty, at most 256
// bytes of valid UTF-8, with no white space at either end, no control
// characters, and no invisible format characters (Unicode category Cf:
// zero-width spaces and joiners, U+FEFF, soft hyphens, bidirectional
// controls), private-use characters or noncharacters, so that two names
// that print alike ("bob" and "bob ", or "bob" and "bob" with a zero-width
// space) are one name or an error. An organization's name is only a label: it may be empty, and
// otherwise follows the same rules. Names are compared byte for byte, so
// "Bob" and "bob" are two users. In JSON, a string that is not valid UTF-8
// or holds a lone surrogate escape (\ud800) is an error: encoding/json
// would replace it with U+FFFD, and two different inputs would become one
// name.
//
// An organization has at most 65,536 teams, each listing at most 2,097,152
// users, and at most 2,097,152 distinct users in all (the most members an
// account may have). The limits are far above any real organization; they
// make hostile input fail with an error naming the entry where it crossed
// the limit (teams[3].members), and decoding checks the length of a JSON
// array before decoding its elements. Input that breaks a rule is an error
// wrapping [account.ErrInvalid], from [Classify] and from decoding alike:
//
//	migration: classify "acme": teams[2].members[0].user: "bob ": white space at either end: invalid
package migration
