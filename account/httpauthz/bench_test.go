package httpauthz_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/entaccess/entaccess/account"
	"github.com/entaccess/entaccess/account/httpauthz"
	"github.com/entaccess/entaccess/permission"
)

// guarded serves next behind a Guard's Handler and Require, as a server
// does.
func guarded(store *account.Store, next http.Handler) http.Handler {
	g := httpauthz.New(store, httpauthz.Header("X-User"))
	return g.Handler(g.Require(permission.ViewUsage)(next))
}

// BenchmarkRequire measures a request through Require against the same
// handler called directly.
func BenchmarkRequire(b *testing.B) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	store := testStore(b)
	cases := []struct {
		name string
		h    http.Handler
		user string
	}{
		{"baseline=handler alone", ok, "bob"},
		{"allowed", require(store, permission.ViewUsage)(ok), "bob"},
		{"refused", require(store, permission.ViewUsage)(ok), "carol"},
		{"refused, hidden", hide(store, permission.ViewUsage)(ok), "carol"},
		{"allowed, behind Handler", guarded(store, ok), "bob"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			r := httptest.NewRequest(http.MethodGet, "/usage", nil)
			r.Header.Set("X-User", c.user)
			for b.Loop() {
				c.h.ServeHTTP(httptest.NewRecorder(), r)
			}
		})
	}
}
