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
//	/access    view-access    the account's members and their permissions, now or
//	                          as of a revision or time (?at=), with a preview
//	                          of each change's impact before it is saved
//	/settings  view-settings  single sign-on (the identity provider: shown, set,
//	                          replaced, removed) and the audit log, filtered
//	                          by user, action and time range
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
// The dashboard takes the user of each request from [Config.Identity]: the
// verified user an authenticating proxy or an earlier middleware found,
// such as the one [httpauthz.Header] reads from a header that proxy sets.
// For a demonstration, [Config.DemoSignIn] instead serves a sign-in form
// at /login with which anyone signs in as anyone, with no password. It is
// a POST carrying a token that is also in a cookie only this host can set
// (so no other site can sign a browser in), and it needs [Config.Hosts],
// the host names the dashboard answers, so that a page on another site
// cannot reach it through a DNS name pointed at its address. Without
// DemoSignIn there is no /login: it answers like any missing page.
//
// Each browser gets a session, for the forms' CSRF token and the page
// messages, in an HttpOnly, SameSite=Lax cookie; with [Config.Secure] it
// is Secure and named with the __Host- prefix. A user holds at most 10
// sessions: signing in an 11th time ends that user's oldest, never
// anyone else's. When 10,000 sessions are held and none has expired, a
// new sign-in is refused.
//
// # Caches
//
// Every answer is marked Cache-Control: private, no-store and Vary:
// Cookie (and the identity's headers), so that no cache serves one user's
// page to another.
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
