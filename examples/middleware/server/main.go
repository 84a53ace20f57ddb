// Command server is a small HTTP API over one Enterprise Account, with a
// route per action of the permission table, each guarded by
// [middleware.Require].
//
//	go run ./examples/middleware/server [-addr localhost:8080]
//
// Requests name their user in the X-User header. Here any client can set
// it; in a real deployment an authenticating proxy or gateway in front of
// the server sets it from a verified identity and strips any copy the
// client sent. To use another source, such as a session or a token
// verified in an earlier middleware, replace [middleware.Header] with your
// own [middleware.UserFunc].
//
// Routes, with the action each needs:
//
//	GET    /teams         view-teams     the teams the user has a role in
//	GET    /access        view-access    the account's members and their permissions
//	POST   /members       manage-users   add a member: {"user": "dan", "permissions": ["billing"]}
//	GET    /usage         view-usage     the licensed teams and the member count
//	GET    /settings      view-settings  who may manage the account (refused as 404)
//	POST   /teams         create-teams   create a team: {"name": "data"}; the user becomes its admin
//	DELETE /teams/{name}  create-teams   delete a team the user has a role in
//
// The changes run in [account.Store.Update], whose [account.Tx] steps check
// the user again, on the state they change: a member whose permission was
// revoked between the middleware's check and the update is refused by the
// step, and a team the user has no role in is reported as missing. Every
// decision and every committed change is logged to standard error.
//
// Try:
//
//	curl -H 'X-User: alice' localhost:8080/teams
//	curl -H 'X-User: dave' localhost:8080/usage
//	curl -H 'X-User: alice' -d '{"user": "dan", "permissions": ["billing"]}' localhost:8080/members
//	curl -H 'X-User: carol' -X DELETE localhost:8080/teams/web
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
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/permission"
)

func main() {
	addr := flag.String("addr", "localhost:8080", "the address to listen on")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, logger); err != nil {
		logger.Error("server stopped", "err", err)
		os.Exit(1)
	}
}

// run serves the demo account on addr until interrupted.
func run(addr string, logger *slog.Logger) error {
	acct, err := account.New(demoSpec())
	if err != nil {
		return err
	}
	store := account.NewStore(acct)
	store.SetObserver(account.LogObserver(logger))

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
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
