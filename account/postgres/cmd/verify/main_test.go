package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/postgres"
	"github.com/entaccess/entaccess/account/postgres/pgtest"
	"github.com/entaccess/entaccess/permission"
	"github.com/jackc/pgx/v5/pgxpool"
)

var server *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &server)) }

func TestVerifyCommand(t *testing.T) {
	pgtest.Need(t, server)
	dsn := server.Database(t)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.Setup(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"acme", "globex"} {
		a, err := account.New(account.Spec{Name: name, Members: []account.Member{{User: "root", Permissions: permission.Admin}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := postgres.Create(ctx, pool, a)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []string{"ann", "bob"} {
			if _, err := r.Store().Update(func(tx *account.Tx) error { return tx.AddMember("root", u, permission.View) }); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
	}
	var out, errs bytes.Buffer
	if code := run(ctx, []string{"-postgres", dsn}, &out, &errs); code != 0 {
		t.Fatalf("verify of a sound history: exit %d\n%s%s", code, out.String(), errs.String())
	}
	if got := out.String(); !strings.Contains(got, `"acme": ok: 2 updates up to revision 2`) || !strings.Contains(got, `"globex": ok`) {
		t.Errorf("output:\n%s", got)
	}
	if _, err := pool.Exec(ctx, `UPDATE entaccess_updates SET events = jsonb_set(events, '{0,user}', '"mallory"') WHERE account = 'globex' AND revision = 2`); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run(ctx, []string{"-postgres", dsn}, &out, &errs); code != 1 {
		t.Errorf("verify of an edited history: exit %d, want 1\n%s", code, out.String())
	}
	if got := out.String(); !strings.Contains(got, `"acme": ok`) || !strings.Contains(got, `"globex": FAILED`) || !strings.Contains(got, "revision 2") {
		t.Errorf("output:\n%s", got)
	}
	out.Reset()
	if code := run(ctx, []string{"-postgres", dsn, "-account", "acme"}, &out, &errs); code != 0 || strings.Contains(out.String(), "globex") {
		t.Errorf("verify -account acme: exit %d\n%s", code, out.String())
	}
	if code := run(ctx, nil, &out, &errs); code != 2 {
		t.Errorf("verify without -postgres: exit %d, want 2", code)
	}
}
