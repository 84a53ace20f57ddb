// Package web is the dashboard of one Enterprise Account as a
// server-rendered web application: the Teams, Access, Settings and Usage
// tabs, each guarded by [account.Account.Can], and forms whose changes run
// through [account.Store.Update] with the signed-in user as the actor.
//
// # Pages
//
// Each tab needs one action of the permission table:
//
//	/teams     view-teams     "My Teams": the teams the user has a role in
//	/access    view-access    the account's members and their permissions
//	/settings  view-settings  single sign-on (a placeholder) and the audit log
//	/usage     view-usage     usage of sample data, and its CSV export
//
// The navigation lists exactly the tabs the user may open. A tab the user
// may not open, and every path under it, answers exactly as a path that
// does not exist: the same status (404), the same headers and the same
// body, whatever the method. So a user cannot tell a hidden tab from a
// missing one.
//
// # Forms
//
// Every change is an HTML form sent with POST, carrying the session's CSRF
// token. The server checks, in this order: the tab the form belongs to
// (404 as above), the method (405), the token (403), the form's fields
// (400), and then runs the change in [account.Store.Update] with the
// signed-in user as the actor. The [account.Tx] step decides: a refused
// actor gets 403 with the decision's sentence
// ([account.ForbiddenError.Decision]), and nothing changes. The forms shown
// to a user are only those their permissions allow, but that is a courtesy:
// the server checks every request whatever the page showed.
//
// # Sign-in
//
// Sign-in is for demonstration only: GET /login?user=NAME signs in as
// anyone, with no password. A real deployment puts its identity provider
// in front and takes the user from a verified identity instead; the checks
// stay as they are.
//
// # Migration
//
// Organizations given in [Config.Orgs] are classified with
// [migration.Classify] when the server starts. A user who becomes a member
// of an automatically created account sees it in the main menu, with a
// square icon and the name of the main team; an official member of an
// organization that support must move by hand sees a banner asking them to
// contact support, with the reasons; a user who is only a collaborator
// sees neither.
package web
