// Command server is a small HTTP API over one Enterprise Account, with a
// route per action of the permission table, each guarded by
// [httpauthz.Require].
//
//	go run ./examples/httpapi [-addr localhost:8080] [-data entaccess-data]
//
// It stops gracefully, letting requests in progress finish, on Ctrl-C
// (SIGINT) or SIGTERM.
//
// # Persistence
//
// The account lives in a journal (package account/journal) in the
// directory -data names, by default entaccess-data in the working
// directory. On the first start the directory is created, holding the demo
// account below at revision 0; every later start opens it and goes on
// where the last one stopped, with every change that was answered and its
// revision. A change is answered only once it is written and synced to
// disk, so it survives a crash as well as a restart. To start over from
// the demo account, stop the server and delete the directory. One server
// at a time may use a directory: a second one started on it fails at once,
// saying that the directory is open in another journal.
//
// # Single sign-on
//
// GET /settings/sso answers the account's identity provider (null when
// there is none) with its certificate's subject, expiry and SHA-256
// fingerprint; PUT sets or replaces it from a JSON body with the fields of
// account.IdentityProvider (entity_id, sso_target_url, slo_target_url,
// certificate, enforced); DELETE removes it. The route is hidden, as
// /settings is, from users who may not view the settings.
//
// # History
//
// GET /access?at= answers the access as it was at a past revision, or at
// the revision in force at an RFC 3339 time, read from the journal: every
// revision since the journal was created can be asked for. The user is
// checked on the current account, as without at. A value that is neither
// is 400; a revision not committed yet is 404, saying the latest.
//
// # Audit log
//
// GET /settings/audit-log lists every change committed since the journal
// was created, oldest first, as JSON Lines (Content-Type
// application/jsonl): one JSON object per line, per step of a change, with
// the keys
//
//	revision  the revision the change committed as (one change may have several steps)
//	actor     who made it
//	op        add-member, set-permissions, remove-member, create-team,
//	          rename-team, delete-team, set-team-role, remove-from-team,
//	          set-identity-provider or remove-identity-provider
//	team      the team concerned, under its name before the step; "" for member steps
//	user      the user concerned; "" for renaming and deleting a team
//	before    the target's state before the step: a permission set such as
//	          "view,billing", a role, a team name, or an identity provider
//	          as JSON, certificate included; "" when it was absent
//	after     its state after the step, "" when it is gone
//	time      when the change was committed, UTC, RFC 3339 with nanoseconds
//
// for example
//
//	{"revision":1,"actor":"alice","op":"add-member","team":"","user":"dan","before":"","after":"view,billing","time":"2026-05-04T09:30:00.123456789Z"}
//
// The query narrows the log, each parameter optional:
//
//	after=N  only the changes after revision N
//	user=U   only the steps U took or that concern U (actor or user is U)
//	since=T  only the changes committed at or after T, an RFC 3339 time
//	until=T  only the changes committed before T
//
// A value that does not parse, an empty user, or an until before since
// is 400, naming the parameter. The audit log needs
// view-settings and is hidden like /settings: to anyone else it answers
// exactly as a path no route has.
//
// Requests name their user in the X-User header, once: a request that
// sends it twice, names two users in one line ("alice, bob", as a proxy
// joins two copies), or sends none gets 401, saying which. Here any
// client can set it; in a real deployment an authenticating proxy or
// gateway in front of the server sets it from a verified identity and
// strips any copy the client sent. To use another source, such as a
// session or a token verified in an earlier middleware, replace
// [httpauthz.Header] with your own [httpauthz.Identity]. A 401 carries the
// header
//
//	WWW-Authenticate: X-User realm="entaccess demo"
//
// HTTP registers no authentication scheme for a user named in a header,
// so the demo names its own after the header; behind a real proxy, use
// the proxy's scheme, such as Bearer.
//
// # Routes
//
// Each route, with the action it needs:
//
//	GET    /teams         view-teams     the teams the user has a role in
//	GET    /access        view-access    the account's members and their permissions;
//	                                     ?at= a revision (12) or an RFC 3339 time
//	                                     (2026-05-04T09:30:00Z) for the access as it was then
//	POST   /members       manage-users   add a member: {"user": "dan", "permissions": ["billing"]}
//	GET    /usage         view-usage     the licensed teams and the member count
//	GET    /settings      view-settings  who may manage the account (hidden: see below)
//	GET    /settings/audit-log
//	                      view-settings  every change, as JSON Lines (hidden: see below)
//	POST   /teams         create-teams   create a team: {"name": "data"}; the user becomes its admin
//	DELETE /teams/{name}  create-teams   delete a team the user has a role in
//
// Request bodies are decoded as strictly as an account file: an unknown or
// repeated key, or text that is not valid UTF-8, is 400 Bad Request, and a
// body over 64 KiB is 413.
//
// The changes run in [account.Store.Update], whose [account.Tx] steps check
// the user again, on the state they change: a member whose permission was
// revoked between the middleware's check and the update is refused by the
// step, and a team the user has no role in is reported as missing. Every
// decision and every committed change is logged to standard error.
//
// # Answers
//
// Every answer but a success is an RFC 9457 problem document
// (application/problem+json); every answer is marked Cache-Control:
// private, no-store and Vary: X-User, since it depends on who asked. The
// checks come in this order:
//
//  1. Before routing, the same on every path, missing ones included: a
//     request that does not name exactly one user gets 401; an
//     Entaccess-Revision header that is not one decimal revision gets 400,
//     and one the account does not reach within 2 seconds gets 503 with
//     Retry-After.
//  2. A path no route has: 404. /settings and /settings/audit-log are
//     hidden: for a user who may not view the settings they answer every
//     method with that same 404, byte for byte, so nothing tells them the
//     routes exist.
//  3. A method the path does not take: 405 with an Allow header; for
//     the hidden routes only to users who may view the settings.
//  4. An action the user may not perform: 403, saying what they hold and
//     what the action needs.
//
// # Limits
//
// The server is made by [httpauthz.NewServer]: it reads a request's
// headers within 5 seconds and the whole request within 10, writes each
// answer within 30 (the audit log extends this while it streams), closes
// a kept-alive connection idle for 60, and answers 431 to headers over
// 16 KiB. A body still arriving after the read timeout is cut off.
//
// It logs one line when it starts, with the address, the account and its
// size, and one when it stops.
//
// # Users
//
// The demo account, acme, has four members and two teams, web (licensed)
// and api:
//
//	alice  view,billing,manage,create  every route; admin of web and api
//	bob    view,billing                /teams, /access, /usage; viewer in web
//	carol  view,create                 /teams, /access, POST /teams, and
//	                                   DELETE /teams/{name} for teams she has a role in
//	dave   view                        /teams, /access; member of api
//
// Everyone else gets 403 on every route, and 404 on /settings: erin, a
// collaborator in web who is not an account member, as well as users the
// account has never heard of.
//
// Try:
//
//	curl -H 'X-User: alice' localhost:8080/teams
//	curl -H 'X-User: dave' localhost:8080/usage
//	curl -H 'X-User: alice' -d '{"user": "dan", "permissions": ["billing"]}' localhost:8080/members
//	curl -H 'X-User: carol' -d '{"name": "data"}' localhost:8080/teams
//	curl -H 'X-User: carol' -X DELETE localhost:8080/teams/data
//	curl -i -H 'X-User: bob' localhost:8080/settings
//	curl -H 'X-User: alice' localhost:8080/settings/audit-log
//	curl -H 'X-User: alice' 'localhost:8080/settings/audit-log?after=1'
//	curl -H 'X-User: alice' 'localhost:8080/settings/audit-log?user=dan&since=2026-05-04T00:00:00Z'
//	curl -H 'X-User: dave' 'localhost:8080/access?at=0'
package main

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/permission"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to listen on")
	data := flag.String("data", "entaccess-data", "the directory the account's journal is kept in, made on the first start")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("server not started", "err", err)
		os.Exit(1)
	}
	if err := run(context.Background(), ln, *data, logger); err != nil {
		os.Exit(1) // run has logged why
	}
}

// run serves the account kept in the journal in dir on ln until ctx ends
// or the process is told to stop, by SIGINT (Ctrl-C) or by SIGTERM (what
// container runtimes and service managers send), then shuts down
// gracefully and closes the journal. It logs one line when it stops:
// "stopped", with the error if it stopped on one.
func run(ctx context.Context, ln net.Listener, dir string, logger *slog.Logger) (err error) {
	defer func() {
		if err != nil {
			logger.Error("stopped", "err", err)
		} else {
			logger.Info("stopped")
		}
	}()
	j, err := openJournal(dir, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		if cerr := j.Close(); err == nil {
			err = cerr
		}
	}()
	store := j.Store()
	store.SetObserver(account.LogObserver(logger))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	acct := store.Load()
	logger.Info("listening", "addr", "http://"+ln.Addr().String(), "data", dir, "account", acct.Name(),
		"revision", acct.Revision(), "members", acct.NumMembers(), "teams", acct.NumTeams())
	return serve(ctx, ln, newServer(store, j, logger), logger)
}

// openJournal opens the journal in dir, or creates it there with the demo
// account if dir holds none (dir is made if missing).
func openJournal(dir string, logger *slog.Logger) (*journal.Journal, error) {
	j, err := journal.Open(dir)
	if !errors.Is(err, fs.ErrNotExist) {
		return j, err
	}
	acct, err := account.New(demoSpec())
	if err != nil {
		return nil, err
	}
	if j, err = journal.Create(dir, acct); err != nil {
		return nil, err
	}
	logger.Info("created the journal with the demo account", "data", dir)
	return j, nil
}

// serve answers requests on ln with h until ctx is done, then shuts down,
// letting requests in progress finish. The server has the timeouts and
// limits of [httpauthz.NewServer].
func serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := httpauthz.NewServer(h, logger)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demoSpec is the account the server starts with.
func demoSpec() account.Spec {
	return account.Spec{
		Name: "acme",
		Members: []account.Member{
			{User: "alice", Permissions: permission.Admin},
			{User: "bob", Permissions: permission.Billing},
			{User: "carol", Permissions: permission.Create},
			{User: "dave", Permissions: permission.View},
		},
		Teams: []account.Team{
			{Name: "web", Licensed: true, Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "bob", Role: account.RoleViewer},
				{User: "erin", Role: account.RoleCollaborator},
			}},
			{Name: "api", Members: []account.TeamMember{
				{User: "alice", Role: account.RoleAdmin},
				{User: "dave", Role: account.RoleMember},
			}},
		},
	}
}
