// Command verify audits the history that package
// github.com/entaccess/entaccess/account/postgres keeps of accounts in
// PostgreSQL: for each account, every stored update's digest, the origin
// and checkpoint seals, and a replay of the whole history (see
// postgres.Verify).
//
//	verify -postgres "$DSN"                 # every account
//	verify -postgres "$DSN" -account acme   # one account
//
// It prints one line per account, with the head to keep for a later
// audit, and exits with status 0 if every account passed, 1 if any failed,
// and 2 for a usage or connection error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dsn := fs.String("postgres", "", "PostgreSQL connection string (required)")
	name := fs.String("account", "", "the account to audit (default: every account)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dsn == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: verify -postgres DSN [-account NAME]")
		return 2
	}
	pool, err := pgxpool.New(ctx, *dsn)
	if err != nil {
		fmt.Fprintln(stderr, "verify:", err)
		return 2
	}
	defer pool.Close()
	names := []string{*name}
	if *name == "" {
		rows, err := pool.Query(ctx, `SELECT name FROM entaccess_accounts ORDER BY name`)
		if err == nil {
			names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			fmt.Fprintln(stderr, "verify:", err)
			return 2
		}
	}
	status := 0
	for _, n := range names {
		au, err := postgres.Verify(ctx, pool, n)
		switch {
		case errors.Is(err, account.ErrMismatch), errors.Is(err, postgres.ErrNotFound):
			fmt.Fprintf(stdout, "%q: FAILED: %v\n", n, err)
			status = 1
		case err != nil:
			fmt.Fprintln(stderr, "verify:", err)
			return 2
		default:
			fmt.Fprintf(stdout, "%q: ok: %d updates up to revision %d, replayed from revision %d, checkpoint at %d, head %s\n",
				n, au.Updates, au.Revision, au.Origin, au.Checkpoint, au.Head)
		}
	}
	return status
}
