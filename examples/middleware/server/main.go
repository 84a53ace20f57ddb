// Command server is a small HTTP API over one Enterprise Account, with a
// route per action of the permission table, each guarded by
// [middleware.Require].
//
//	go run ./examples/middleware/server [-addr localhost:8080]
//
// It stops gracefully, letting requests in progress finish, on Ctrl-C
// (SIGINT) or SIGTERM.
//
// Requests name their user in the X-User header, once: a request that
// sends it twice, or not at all, gets 401. Here any client can set it; in
// a real deployment an authenticating proxy or gateway in front of the
// server sets it from a verified identity and strips any copy the client
// sent. To use another source, such as a session or a token verified in
// an earlier middleware, replace [middleware.Header] with your own
// [middleware.UserFunc]. A 401 carries the header
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
//	GET    /access        view-access    the account's members and their permissions
//	POST   /members       manage-users   add a member: {"user": "dan", "permissions": ["billing"]}
//	GET    /usage         view-usage     the licensed teams and the member count
//	GET    /settings      view-settings  who may manage the account (hidden: see below)
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
// (application/problem+json), and the checks come in this order:
//
//  1. A request that does not name exactly one user: 401, on every path,
//     missing ones included.
//  2. A path no route has: 404. /settings is hidden: for a user who may
//     not view the settings it answers every method with that same 404,
//     byte for byte, so nothing tells them the route exists.
//  3. A method the path does not take: 405 with an Allow header; for
//     /settings only to users who may view the settings.
//  4. An action the user may not perform: 403, saying what they hold and
//     what the action needs.
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
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		logger.Error("server not started", "err", err)
		os.Exit(1)
	}
	if err := run(context.Background(), ln, logger); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}

// run serves the demo account on ln until ctx ends or the process is told
// to stop, by SIGINT (Ctrl-C) or by SIGTERM (what container runtimes and
// service managers send), then shuts down gracefully.
func run(ctx context.Context, ln net.Listener, logger *slog.Logger) error {
	acct, err := account.New(demoSpec())
	if err != nil {
		ln.Close()
		return err
	}
	store := account.NewStore(acct)
	store.SetObserver(account.LogObserver(logger))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("listening", "addr", "http://"+ln.Addr().String(), "users", fmt.Sprint(acct.UsersWhoCan(permission.ViewTeams)))
	return serve(ctx, ln, newHandler(store, logger))
}

// serve answers requests on ln with h until ctx is done, then shuts down,
// letting requests in progress finish.
func serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
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
