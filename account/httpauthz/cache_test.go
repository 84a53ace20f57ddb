package httpauthz_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/permission"
)

// TestCacheHeaders: every answer of a guarded server, allowed or refused,
// from the route or from before routing, is marked private and not to be
// stored, and varies on the identity header; so is a guarded route served
// without Guard.Handler in front.
func TestCacheHeaders(t *testing.T) {
	store := testStore(t)
	g := httpauthz.New(store, httpauthz.Header("X-User"), httpauthz.Fresh("Entaccess-Revision", time.Millisecond))
	mux := http.NewServeMux()
	mux.Handle("GET /usage", g.Require(permission.ViewUsage)(echo))
	mux.Handle("/settings", g.Hide(permission.ViewSettings)(echo))
	fronted := g.Handler(httpauthz.Problems(mux))
	bare := http.NewServeMux() // the same routes without Handler in front
	bare.Handle("GET /usage", g.Require(permission.ViewUsage)(echo))
	bare.Handle("/settings", g.Hide(permission.ViewSettings)(echo))

	tests := []struct {
		name         string
		method, path string
		user, token  []string
		status       int
	}{
		{"allowed", "GET", "/usage", []string{"bob"}, nil, 200},
		{"allowed, hidden route", "GET", "/settings", []string{"alice"}, nil, 200},
		{"allowed with a reached token", "GET", "/usage", []string{"bob"}, []string{"0"}, 200},
		{"refused", "GET", "/usage", []string{"carol"}, nil, 403},
		{"refused, hidden route", "GET", "/settings", []string{"carol"}, nil, 404},
		{"unidentified", "GET", "/usage", nil, nil, 401},
		{"ambiguous", "GET", "/usage", []string{"alice", "bob"}, nil, 401},
		{"malformed token", "GET", "/usage", []string{"bob"}, []string{"x"}, 400},
		{"future token", "GET", "/usage", []string{"bob"}, []string{"7"}, 503},
	}
	for _, tt := range tests {
		for name, h := range map[string]http.Handler{"behind Handler": fronted, "route alone": bare} {
			got := ask(h, tt.method, tt.path, tt.user, tt.token)
			if got.Status != tt.status {
				t.Errorf("%s, %s: status %d, want %d\n%s", tt.name, name, got.Status, tt.status, got.Body)
			}
			if cc := got.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("%s, %s: Cache-Control %q, want private, no-store", tt.name, name, cc)
			}
			if v := got.Header.Values("Vary"); len(v) != 1 || v[0] != "X-User" {
				t.Errorf("%s, %s: Vary %q, want X-User", tt.name, name, v)
			}
		}
	}
	// Before routing: a missing path and a method the route does not take.
	for _, c := range []struct{ method, path string }{{"GET", "/no-such-page"}, {"POST", "/usage"}} {
		got := ask(fronted, c.method, c.path, []string{"bob"}, nil)
		if got.Header.Get("Cache-Control") != "private, no-store" || got.Header.Get("Vary") != "X-User" {
			t.Errorf("%s %s: %d, Cache-Control %q, Vary %q", c.method, c.path, got.Status, got.Header.Get("Cache-Control"), got.Header.Get("Vary"))
		}
	}
}
