// Package pgtest starts a throwaway PostgreSQL cluster for tests, or uses
// the server named by the environment.
//
// With ENTACCESS_POSTGRES_DSN set, tests use that server (the role must be
// allowed to create databases). Otherwise Start runs initdb into a new
// temporary directory and starts postgres on a free localhost port, with
// its socket in that directory; as root it runs them as the postgres user.
// The binaries are found on PATH or under /usr/lib/postgresql/*/bin.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvDSN names the environment variable that points tests at a running server.
const EnvDSN = "ENTACCESS_POSTGRES_DSN"

// A Server is a PostgreSQL server for tests.
type Server struct {
	dsn    string // to its maintenance database
	dir    string // the cluster's directory; "" for a server from the environment
	bin    string
	port   int
	runAs  string // "postgres" when running as root
	nextDB atomic.Int64
}

// Required reports whether a test run must have a server: in CI (CI=true)
// a missing server is a failure, not a reason to skip.
func Required() bool {
	v, _ := strconv.ParseBool(os.Getenv("CI"))
	return v
}

// Start returns the server named by ENTACCESS_POSTGRES_DSN, or starts a
// throwaway cluster. The caller stops it with Stop.
func Start(ctx context.Context) (*Server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &Server{dsn: dsn}, nil
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "entaccess-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		s.runAs = "postgres"
		u, err := user.Lookup(s.runAs)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if s.port, err = freePort(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.run(ctx, "initdb", "-D", s.data(), "-U", "entaccess", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.startServer(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.dsn = s.DSNFor("postgres")
	return s, nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// startServer starts postgres on s.port and waits until it accepts connections.
func (s *Server) startServer(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=300", s.port, s.dir)
	return s.run(ctx, "pg_ctl", "-D", s.data(), "-l", filepath.Join(s.dir, "log"), "-o", opts, "-w", "-t", "60", "start")
}

// Restart stops the server at once, as a crash would (pg_ctl -m immediate:
// every connection is cut and nothing is flushed beyond what committed
// transactions already made durable), and starts it again on the same port.
func (s *Server) Restart(ctx context.Context) error {
	if s.dir == "" {
		return errors.New("pgtest: cannot restart a server from " + EnvDSN)
	}
	if err := s.run(ctx, "pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop"); err != nil {
		return err
	}
	return s.startServer(ctx)
}

// CanRestart reports whether Restart works: only for a cluster Start made.
func (s *Server) CanRestart() bool { return s.dir != "" }

// Stop stops a cluster that Start made and removes its directory; it does
// nothing for a server from the environment.
func (s *Server) Stop() error {
	if s == nil || s.dir == "" {
		return nil
	}
	err := s.run(context.Background(), "pg_ctl", "-D", s.data(), "-m", "fast", "-w", "stop")
	if rerr := os.RemoveAll(s.dir); err == nil {
		err = rerr
	}
	return err
}

// DSN is the connection string of the server's maintenance database.
func (s *Server) DSN() string { return s.dsn }

// DSNFor is the connection string of database db on s.
func (s *Server) DSNFor(db string) string {
	if s.dir == "" {
		cfg, err := pgx.ParseConfig(s.dsn)
		if err != nil {
			return s.dsn
		}
		return fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=%s",
			quote(cfg.Host), cfg.Port, quote(cfg.User), quote(cfg.Password), quote(db), sslmode(s.dsn))
	}
	return fmt.Sprintf("host=127.0.0.1 port=%d user=entaccess dbname=%s sslmode=disable", s.port, quote(db))
}

func sslmode(dsn string) string {
	for f := range strings.FieldsSeq(dsn) {
		if v, ok := strings.CutPrefix(f, "sslmode="); ok {
			return v
		}
	}
	return "prefer"
}

func quote(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Database creates a new, empty database for t and returns its connection
// string; it is dropped when t ends.
func (s *Server) Database(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("entaccess_test_%d_%d", os.Getpid(), s.nextDB.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, s.dsn)
		if err != nil {
			t.Errorf("pgtest: dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: dropping %s: %v", name, err)
		}
	})
	return s.DSNFor(name)
}

// run runs a PostgreSQL program from s.bin, as s.runAs if set.
func (s *Server) run(ctx context.Context, prog string, args ...string) error {
	path := filepath.Join(s.bin, prog)
	var cmd *exec.Cmd
	if s.runAs != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", s.runAs, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = s.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return fmt.Errorf("pgtest: %s %s: %v\n%s\nserver log:\n%s", prog, strings.Join(args, " "), err, out, log)
	}
	return nil
}

// binDir finds the directory of initdb and pg_ctl.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("pgtest: no PostgreSQL server found: initdb is neither on PATH nor in /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql), and " + EnvDSN + " is not set")
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Main runs a test binary's tests with a server in *srv: m.Run's exit
// code, or 1 if the server is required (see Required) and cannot start.
// Without a server and outside CI, the tests run with *srv nil and skip
// themselves (see Need).
func Main(m *testing.M, srv **Server) int {
	s, err := Start(context.Background())
	if err != nil {
		if Required() {
			fmt.Fprintln(os.Stderr, "FAIL: a PostgreSQL server is required in CI:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "pgtest: no server, tests that need one are skipped:", err)
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Need skips t when there is no server, which Main allows only outside CI.
func Need(t testing.TB, s *Server) {
	t.Helper()
	if s == nil {
		if Required() {
			t.Fatal("no PostgreSQL server")
		}
		t.Skip("no PostgreSQL server: install PostgreSQL or set " + EnvDSN)
	}
}
