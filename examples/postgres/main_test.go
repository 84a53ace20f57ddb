package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/entaccess/entaccess/account/postgres/pgtest"
	"github.com/jackc/pgx/v5/pgxpool"
)

var server *pgtest.Server

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &server)) }

// Two servers on one database: a member added through one is listed by
// the other, for a request that carries the revision the change returned.
func TestTwoReplicas(t *testing.T) {
	pgtest.Need(t, server)
	dsn := server.Database(t)
	ctx := context.Background()
	var urls []string
	for range 2 {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		r, err := openOrCreate(ctx, pool, "acme")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		srv := httptest.NewServer(handler(r))
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	req, _ := http.NewRequest("POST", urls[0]+"/members", strings.NewReader(`{"user": "dan", "permissions": ["billing"]}`))
	req.Header.Set("X-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rev := resp.Header.Get(tokenHeader)
	if resp.StatusCode != http.StatusCreated || !strings.HasSuffix(rev, ".1") {
		t.Fatalf("POST /members: %d, token %q; want 201, revision 1", resp.StatusCode, rev)
	}
	req, _ = http.NewRequest("GET", urls[1]+"/members", nil)
	req.Header.Set("X-User", "alice")
	req.Header.Set(tokenHeader, rev)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Revision uint64
		Members  []struct{ User string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body.Revision < 1 || len(body.Members) != 2 || body.Members[1].User != "dan" {
		t.Fatalf("GET /members on the other server: %d %+v; want dan listed", resp.StatusCode, body)
	}
}

// A token of another account, or beyond the database's revision, is a
// client's mistake, answered at once.
func TestTokensRefused(t *testing.T) {
	pgtest.Need(t, server)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, server.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	acme, err := openOrCreate(ctx, pool, "acme")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { acme.Close() })
	globex, err := openOrCreate(ctx, pool, "globex")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { globex.Close() })
	srv := httptest.NewServer(handler(acme))
	t.Cleanup(srv.Close)
	for name, tok := range map[string]string{
		"another account's": globex.Token(globex.Store().Load()),
		"from the future":   acme.Token(acme.Store().Load().WithRevision(99)),
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/members", nil)
		req.Header.Set("X-User", "alice")
		req.Header.Set(tokenHeader, tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s token: %d, want 400", name, resp.StatusCode)
		}
	}
}
