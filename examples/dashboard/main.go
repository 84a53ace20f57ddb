// Command dashboard serves the dashboard of one Enterprise Account as a web
// application: the Teams, Access, Settings and Usage tabs of the
// permission table, forms to change the account, and what the move to
// Enterprise Accounts means for each user.
//
//	go run ./examples/dashboard [-addr 127.0.0.1:8081] [-data DIR] [-account FILE] [-orgs FILE]
//
// Then open http://127.0.0.1:8081 and sign in as one of the demo users.
// Sign-in is for demonstration only: anyone can sign in as anyone.
//
// Flags:
//
//	-addr     the address to listen on (default 127.0.0.1:8081)
//	-data     a directory holding the account's journal, so that changes
//	          survive a restart; made when missing. Without it the account
//	          lives in memory.
//	-account  an account as JSON (see account.ParseJSON), used when there
//	          is no journal yet; without it, a demo account (web.DemoSpec)
//	-orgs     organizations as JSON Lines, one migration.Organization a
//	          line, classified at start; without it, demo organizations
//	          (web.DemoOrgs)
//
// The server stops gracefully on Ctrl-C (SIGINT) or SIGTERM.
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
	"syscall"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/journal"
	"github.com/entaccess/entaccess/examples/dashboard/web"
	"github.com/entaccess/entaccess/migration"
)

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, logger, nil); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "dashboard:", err)
		}
		os.Exit(2)
	}
}

// run parses args, opens the account and serves the dashboard until ctx is
// done. When ready is not nil, it receives the listening address once the
// server accepts connections.
func run(ctx context.Context, args []string, stderr io.Writer, logger *slog.Logger, ready chan<- string) error {
	fset := flag.NewFlagSet("dashboard", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", "127.0.0.1:8081", "the address to listen on")
	data := fset.String("data", "", "a directory for the account's journal (default: in memory)")
	acctFile := fset.String("account", "", "an account `file` (JSON) used when there is no journal yet (default: a demo account)")
	orgsFile := fset.String("orgs", "", "organizations, a JSON Lines `file` (default: demo organizations)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fset.Arg(0))
	}
	orgs := web.DemoOrgs()
	if *orgsFile != "" {
		var err error
		if orgs, err = readOrgs(*orgsFile); err != nil {
			return err
		}
	}
	backend, closeBackend, err := openBackend(*data, *acctFile, logger)
	if err != nil {
		return err
	}
	defer closeBackend()
	srv, err := web.New(web.Config{Backend: backend, Orgs: orgs, Logger: logger})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	logger.Info("dashboard listening (demo sign-in: anyone can sign in as anyone)", "url", url, "account", backend.Store().Load().Name(), "data", *data)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	return serve(ctx, ln, srv)
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
