// Command postgres serves one account from PostgreSQL, kept by package
// github.com/entaccess/entaccess/account/postgres. Run two of it on one
// database and a change made through one is seen through the other:
//
//	postgres -postgres "$DSN" -addr localhost:8081 &
//	postgres -postgres "$DSN" -addr localhost:8082 &
//	curl -i -H 'X-User: alice' -d '{"user": "dan", "permissions": ["billing"]}' localhost:8081/members
//	curl -H 'X-User: alice' -H "Entaccess-Token: $TOKEN" localhost:8082/members
//
// Every answer carries a freshness token in Entaccess-Token (the account's
// revision and a digest of its name; see postgres.Replica.Token). A request
// that sends one back is checked, and answered, on an account at least
// that new: it waits up to two seconds for the replica to catch up (then
// 503 with Retry-After), and a token of another account, or one beyond the
// database's revision, is 400 at once.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/permission"
	"github.com/jackc/pgx/v5/pgxpool"
)

const tokenHeader = "Entaccess-Token"

func main() {
	dsn := flag.String("postgres", "", "PostgreSQL connection string (required)")
	addr := flag.String("addr", "localhost:8080", "address to listen on")
	name := flag.String("account", "acme", "the account to serve; created with alice as its admin if missing")
	flag.Parse()
	if *dsn == "" {
		fmt.Fprintln(os.Stderr, "server: -postgres is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *dsn, *addr, *name); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn, addr, name string) error {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	r, err := openOrCreate(ctx, pool, name)
	if err != nil {
		return err
	}
	defer r.Close()
	srv := &http.Server{Addr: addr, Handler: handler(r), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	slog.Info("serving", "addr", addr, "account", name, "revision", r.Store().Load().Revision())
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openOrCreate opens the stored account, creating it with alice as its
// only member, an admin, if it is missing.
func openOrCreate(ctx context.Context, pool *pgxpool.Pool, name string) (*postgres.Replica, error) {
	if err := postgres.Setup(ctx, pool); err != nil {
		return nil, err
	}
	a, err := account.New(account.Spec{Name: name, Members: []account.Member{{User: "alice", Permissions: permission.Admin}}})
	if err != nil {
		return nil, err
	}
	r, err := postgres.Create(ctx, pool, a)
	if errors.Is(err, account.ErrExists) {
		return postgres.Open(ctx, pool, name)
	}
	return r, err
}

// handler serves GET /members (view-access) and POST /members
// (manage-users), both honouring Entaccess-Token.
func handler(r *postgres.Replica) http.Handler {
	store := r.Store()
	g := httpauthz.New(store, httpauthz.Header("X-User"), httpauthz.Challenge(`Header realm="demo"`))
	mux := http.NewServeMux()
	mux.Handle("GET /members", g.Require(permission.ViewAccess)(http.HandlerFunc(
		func(w http.ResponseWriter, req *http.Request) {
			a := httpauthz.AccountFrom(req.Context())
			writeJSON(w, r.Token(a), http.StatusOK, map[string]any{"revision": a.Revision(), "members": a.Spec().Members})
		})))
	mux.Handle("POST /members", g.Require(permission.ManageUsers)(http.HandlerFunc(
		func(w http.ResponseWriter, req *http.Request) {
			d, _ := httpauthz.DecisionFrom(req.Context())
			var m account.Member
			if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<16)).Decode(&m); err != nil {
				httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: err.Error()})
				return
			}
			a, err := store.UpdateContext(req.Context(), func(tx *account.Tx) error { return tx.AddMember(d.User, m.User, m.Permissions) })
			var fe *account.ForbiddenError
			switch {
			case errors.As(err, &fe):
				httpauthz.WriteProblem(w, httpauthz.Forbidden(fe.Decision()))
				return
			case errors.Is(err, account.ErrExists), errors.Is(err, account.ErrInvalid):
				httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Conflict", Status: http.StatusConflict, Detail: err.Error()})
				return
			case err != nil:
				slog.Error("update", "err", err)
				httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable})
				return
			}
			writeJSON(w, r.Token(a), http.StatusCreated, map[string]any{"revision": a.Revision()})
		})))
	return fresh(r, g.Handler(httpauthz.Problems(mux)))
}

// fresh makes a request that carries a freshness token wait, up to two
// seconds, until the replica has the snapshot the token names.
func fresh(r *postgres.Replica, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if tok := req.Header.Get(tokenHeader); tok != "" {
			ctx, cancel := context.WithTimeout(req.Context(), 2*time.Second)
			defer cancel()
			if _, err := r.Fresh(ctx, tok); err != nil {
				if errors.Is(err, account.ErrInvalid) {
					httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Bad Request", Status: http.StatusBadRequest, Detail: err.Error()})
					return
				}
				w.Header().Set("Retry-After", "1")
				httpauthz.WriteProblem(w, httpauthz.Problem{Type: "about:blank", Title: "Service Unavailable", Status: http.StatusServiceUnavailable, Detail: "the account has not reached the token's revision here yet"})
				return
			}
		}
		next.ServeHTTP(w, req)
	})
}

func writeJSON(w http.ResponseWriter, token string, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(tokenHeader, token)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
