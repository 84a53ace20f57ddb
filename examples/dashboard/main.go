// Command dashboard serves the dashboard of one Enterprise Account as a web
// application: the Teams, Access, Settings and Usage tabs of the
// permission table, forms to change the account, and what the move to
// Enterprise Accounts means for each user.
//
//	go run ./examples/dashboard -demo-sign-in [-addr 127.0.0.1:8081] [-data DIR] [-account FILE] [-orgs FILE]
//	go run ./examples/dashboard -user-header X-User [-hosts dash.example.com] [-secure] ...
//
// With -demo-sign-in, open http://127.0.0.1:8081 and sign in as one of the
// demo users: anyone can sign in as anyone, so it is for demonstration
// only. Behind an authenticating proxy that names the verified user in a
// request header (and strips any copy the client sent), give that header
// with -user-header instead.
//
// Flags:
//
//	-addr          the address to listen on (default 127.0.0.1:8081)
//	-demo-sign-in  serve the demo sign-in at /login: anyone signs in as anyone
//	-user-header   take the user from this request header, set by an
//	               authenticating proxy in front; one of the two is required
//	-hosts         the host names the dashboard answers, comma-separated,
//	               such as dash.example.com; others get 421. Default, for a
//	               loopback -addr: 127.0.0.1, localhost and [::1] with its
//	               port. Required with -demo-sign-in on any other address.
//	-secure        the browser reaches the dashboard over HTTPS (directly or
//	               through a proxy): Secure cookies with the __Host- prefix
//	-data          a directory holding the account's journal, so that changes
//	               survive a restart; made when missing. Without it the
//	               account lives in memory.
//	-account       an account as JSON (see account.ParseJSON), used when there
//	               is no journal yet; without it, a demo account (web.DemoSpec)
//	-orgs          organizations as JSON Lines, one migration.Organization a
//	               line, classified at start; without it, demo organizations
//	               (web.DemoOrgs)
//
// The server has the timeouts and limits of httpauthz.NewServer. It logs
// one line when it starts and one when it stops, gracefully, on Ctrl-C
// (SIGINT) or SIGTERM.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/examples/dashboard/web"
	"github.com/entaccess/entaccess/migration"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, logger, nil); err != nil {
		os.Exit(2) // run has said why
	}
}

// run parses args, opens the account and serves the dashboard until ctx is
// done. When ready is not nil, it receives the listening address once the
// server accepts connections. A bad flag is reported on stderr, as the
// flag package does; any other error is logged once, as "not started" or
// "stopped".
func run(ctx context.Context, args []string, stderr io.Writer, logger *slog.Logger, ready chan<- string) (err error) {
	fset := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", "127.0.0.1:8081", "the address to listen on")
	demo := fset.Bool("demo-sign-in", false, "serve the demo sign-in, with which anyone signs in as anyone")
	userHeader := fset.String("user-header", "", "take the user from this request `header`, set by an authenticating proxy")
	hostList := fset.String("hosts", "", "the host names the dashboard answers, comma-separated (default: loopback names of -addr)")
	secure := fset.Bool("secure", false, "browsers reach the dashboard over HTTPS: Secure, __Host- cookies")
	data := fset.String("data", "", "a directory for the account's journal (default: in memory)")
	acctFile := fset.String("account", "", "an account `file` (JSON) used when there is no journal yet (default: a demo account)")
	orgsFile := fset.String("orgs", "", "organizations, a JSON Lines `file` (default: demo organizations)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		err := fmt.Errorf("unexpected argument %q", fset.Arg(0))
		fmt.Fprintln(stderr, "dashboard:", err)
		return err
	}
	if *demo == (*userHeader != "") {
		err := errors.New("give -demo-sign-in, for a demonstration, or -user-header, the header an authenticating proxy sets: one of the two")
		fmt.Fprintln(stderr, "dashboard:", err)
		return err
	}
	serving := false
	defer func() {
		switch {
		case err == nil:
			logger.Info("stopped")
		case serving:
			logger.Error("stopped", "err", err)
		default:
			logger.Error("not started", "err", err)
		}
	}()
	orgs := web.DemoOrgs()
	if *orgsFile != "" {
		if orgs, err = readOrgs(*orgsFile); err != nil {
			return err
		}
	}
	backend, closeBackend, err := openBackend(*data, *acctFile, logger)
	if err != nil {
		return err
	}
	defer closeBackend()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hosts, err := allowedHosts(*hostList, ln.Addr())
	if err != nil {
		ln.Close()
		return err
	}
	cfg := web.Config{Backend: backend, Orgs: orgs, Logger: logger, DemoSignIn: *demo, Hosts: hosts, Secure: *secure}
	if *userHeader != "" {
		cfg.Identity = httpauthz.Header(*userHeader)
	}
	srv, err := web.New(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	url := "http://" + ln.Addr().String()
	if *secure {
		url = "https://" + ln.Addr().String() + " (through a TLS proxy)"
	}
	signIn := "header " + *userHeader
	if *demo {
		signIn = "demo: anyone can sign in as anyone"
	}
	logger.Info("dashboard listening", "url", url, "sign-in", signIn, "account", backend.Store().Load().Name(), "data", *data)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	serving = true
	return serve(ctx, ln, httpauthz.NewServer(srv, logger))
}

// allowedHosts returns the host names the dashboard answers: those of
// list, comma-separated, or when list is empty and addr is a loopback
// address, 127.0.0.1, localhost and [::1] with addr's port. Otherwise
// none: any host (web.New refuses that with the demo sign-in).
func allowedHosts(list string, addr net.Addr) ([]string, error) {
	if list != "" {
		var hosts []string
		for h := range strings.SplitSeq(list, ",") {
			if h = strings.TrimSpace(h); h == "" {
				return nil, fmt.Errorf("-hosts %q: an empty host name", list)
			}
			hosts = append(hosts, h)
		}
		return hosts, nil
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return nil, nil
	}
	port := strconv.Itoa(tcp.Port)
	return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("localhost", port), net.JoinHostPort("::1", port)}, nil
}

// openBackend returns the account to serve: the journal in dir, created
// from the account file (or the demo account) when dir holds none yet,
// or, without dir, an account in memory.
func openBackend(dir, acctFile string, logger *slog.Logger) (web.Backend, func() error, error) {
	if dir == "" {
		a, err := loadAccount(acctFile)
		if err != nil {
			return nil, nil, err
		}
		return web.NewMemory(a, logger), func() error { return nil }, nil
	}
	j, err := journal.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		var a *account.Account
		if a, err = loadAccount(acctFile); err != nil {
			return nil, nil, err
		}
		j, err = journal.Create(dir, a)
	} else if err == nil && acctFile != "" {
		logger.Warn("the data directory holds a journal: -account is not used", "data", dir, "account", acctFile)
	}
	if err != nil {
		return nil, nil, err
	}
	j.Store().SetObserver(account.LogObserver(logger))
	return j, j.Close, nil
}

// loadAccount reads the account in file, or returns the demo account when
// file is "".
func loadAccount(file string) (*account.Account, error) {
	if file == "" {
		return account.New(web.DemoSpec())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	a, err := account.ParseJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return a, nil
}

// readOrgs reads organizations from a JSON Lines file, skipping blank
// lines; an error names the file and line.
func readOrgs(file string) ([]migration.Organization, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var orgs []migration.Organization
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var o migration.Organization
		if err := json.Unmarshal(line, &o); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", file, n, err)
		}
		orgs = append(orgs, o)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return orgs, nil
}

// serve answers requests on ln with srv until ctx is done, then shuts
// down, letting requests in progress finish.
func serve(ctx context.Context, ln net.Listener, srv *http.Server) error {
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
