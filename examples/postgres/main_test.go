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
		srv := httptest.NewServer(handler(r.Store()))
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
	rev := resp.Header.Get(revisionHeader)
	if resp.StatusCode != http.StatusCreated || rev != "1" {
		t.Fatalf("POST /members: %d, revision %q; want 201, revision 1", resp.StatusCode, rev)
	}
	req, _ = http.NewRequest("GET", urls[1]+"/members", nil)
	req.Header.Set("X-User", "alice")
	req.Header.Set(revisionHeader, rev)
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
